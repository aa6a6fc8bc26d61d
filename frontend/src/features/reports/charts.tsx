// Small charts drawn as inline SVG: no charting library to download, and
// every mark carries its value (data-value) and a title, so what the chart
// shows can be checked against its table and CSV.

export interface Series {
  name: string;
  /** A Tailwind text colour class; marks use currentColor. */
  color: string;
  values: (number | null)[];
}

const W = 640;
const H = 200;
const PAD = { l: 44, r: 8, t: 8, b: 24 };

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v) ?? v;
}

function Axes({ max, labels, format }: { max: number; labels: string[]; format: (v: number) => string }) {
  const ticks = [0, max / 2, max];
  const every = Math.max(1, Math.ceil(labels.length / 8));
  const x = (i: number) => PAD.l + ((i + 0.5) * (W - PAD.l - PAD.r)) / labels.length;
  return (
    <g className="text-muted-foreground" fontSize="11" fill="currentColor">
      {ticks.map((v) => {
        const y = PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
        return (
          <g key={v}>
            <line x1={PAD.l} x2={W - PAD.r} y1={y} y2={y} stroke="currentColor" strokeOpacity="0.2" />
            <text x={PAD.l - 4} y={y + 4} textAnchor="end">
              {format(v)}
            </text>
          </g>
        );
      })}
      {labels.map((l, i) =>
        i % every === 0 ? (
          <text key={i} x={x(i)} y={H - 6} textAnchor="middle">
            {l}
          </text>
        ) : null,
      )}
    </g>
  );
}

/** Bars per bucket, one group per series. */
export function BarChart({ labels, series, format = String, label }: { labels: string[]; series: Series[]; format?: (v: number) => string; label: string }) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const band = (W - PAD.l - PAD.r) / Math.max(1, labels.length);
  const bw = Math.max(1, (band * 0.8) / series.length);
  const h = (v: number) => (v / max) * (H - PAD.t - PAD.b);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={label}>
      <Axes max={max} labels={labels} format={format} />
      {series.map((s, si) => (
        <g key={s.name} className={s.color} fill="currentColor" data-series={s.name}>
          {s.values.map((v, i) => (
            <rect key={i} data-value={v ?? ""} x={PAD.l + i * band + band * 0.1 + si * bw} width={bw} y={H - PAD.b - h(v ?? 0)} height={h(v ?? 0)}>
              <title>{`${labels[i]}: ${s.name} ${v === null ? "—" : format(v)}`}</title>
            </rect>
          ))}
        </g>
      ))}
    </svg>
  );
}

/** Lines per series over the buckets; gaps where a value is missing. */
export function LineChart({ labels, series, format = String, label }: { labels: string[]; series: Series[]; format?: (v: number) => string; label: string }) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values.map((v) => v ?? 0))));
  const x = (i: number) => PAD.l + ((i + 0.5) * (W - PAD.l - PAD.r)) / Math.max(1, labels.length);
  const y = (v: number) => PAD.t + (1 - v / max) * (H - PAD.t - PAD.b);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="h-auto w-full" role="img" aria-label={label}>
      <Axes max={max} labels={labels} format={format} />
      {series.map((s) => {
        let d = "";
        s.values.forEach((v, i) => {
          if (v === null) return;
          d += `${d && s.values[i - 1] !== null ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
        });
        return (
          <g key={s.name} className={s.color} data-series={s.name}>
            <path d={d} fill="none" stroke="currentColor" strokeWidth="2" />
            {s.values.map((v, i) =>
              v === null ? null : (
                <circle key={i} data-value={v} cx={x(i)} cy={y(v)} r="3" fill="currentColor">
                  <title>{`${labels[i]}: ${s.name} ${format(v)}`}</title>
                </circle>
              ),
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** A tiny line of values for a table cell. */
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 96;
  const h = 24;
  const max = Math.max(1, ...values);
  const x = (i: number) => (values.length < 2 ? w / 2 : (i * (w - 2)) / (values.length - 1) + 1);
  const d = values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`).join("");
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label} className="text-primary">
      <path d={d} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
