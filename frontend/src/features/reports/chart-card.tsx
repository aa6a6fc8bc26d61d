import { DownloadIcon, TableIcon } from "lucide-react";
import { useId, useState, type ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { useI18n } from "@/i18n";
import { download, toCsv } from "./csv";

export interface Column {
  label: string;
  /** How the table shows a value; the CSV has the value itself. */
  format?: (v: number) => string;
}

/**
 * A chart with its data: a button shows the same figures as an accessible
 * table, another downloads them as CSV. The table and the CSV are built from
 * the same rows the chart draws.
 */
export function ChartCard({
  title,
  name,
  columns,
  rows,
  children,
}: {
  title: string;
  /** The CSV file's name, without extension. */
  name: string;
  columns: Column[];
  rows: Rows;
  children: ReactNode;
}) {
  const { t } = useI18n();
  const [table, setTable] = useState(false);
  const id = useId();
  return (
    <Card data-testid={`chart-${name}`}>
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle>{title}</CardTitle>
        <div className="flex gap-2">
          <Button variant="outline" size="sm" aria-expanded={table} aria-controls={id} onClick={() => setTable(!table)}>
            <TableIcon aria-hidden />
            {table ? t("reports.hideTable") : t("reports.showTable")}
          </Button>
          <CsvButton name={name} columns={columns} rows={rows} />
        </div>
      </CardHeader>
      <CardContent>
        {children}
        {table && (
          <div id={id} className="mt-4 max-h-80 overflow-auto">
            <FigureTable caption={title} columns={columns} rows={rows} testId={`table-${name}`} />
          </div>
        )}
      </CardContent>
    </Card>
  );
}

type Rows = (string | number | null)[][];

/** Downloads a card's rows as `name`.csv. */
function CsvButton({ name, columns, rows }: { name: string; columns: Column[]; rows: Rows }) {
  const { t } = useI18n();
  return (
    <Button
      variant="outline"
      size="sm"
      data-testid={`csv-${name}`}
      onClick={() =>
        download(
          `${name}.csv`,
          toCsv(
            columns.map((c) => c.label),
            rows,
          ),
        )
      }
    >
      <DownloadIcon aria-hidden />
      {t("reports.csv")}
    </Button>
  );
}

/** Figures as an accessible table: column headers, each row headed by its first cell. */
function FigureTable({ caption, columns, rows, testId }: { caption: string; columns: Column[]; rows: Rows; testId: string }) {
  return (
    <table className="w-full text-sm" data-testid={testId}>
      <caption className="sr-only">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c.label} scope="col" className="border-b px-2 py-1 text-left font-medium">
              {c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i}>
            {r.map((v, j) => {
              const f = columns[j]?.format;
              const text = v === null ? "—" : typeof v === "number" && f ? f(v) : String(v);
              return j === 0 ? (
                <th key={j} scope="row" className="border-b px-2 py-1 text-left font-normal">
                  {text}
                </th>
              ) : (
                <td key={j} className="border-b px-2 py-1 tabular-nums">
                  {text}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Figures that are a table themselves (by team, by tag): the table is always
 * shown, with the same CSV download as a chart's; `empty` stands in for a
 * table without rows, `footer` follows it.
 */
export function TableCard({
  title,
  name,
  columns,
  rows,
  empty,
  footer,
}: {
  title: string;
  name: string;
  columns: Column[];
  rows: Rows;
  empty: string;
  footer?: ReactNode;
}) {
  return (
    <Card data-testid={`chart-${name}`}>
      <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
        <CardTitle>{title}</CardTitle>
        <CsvButton name={name} columns={columns} rows={rows} />
      </CardHeader>
      <CardContent>
        {rows.length === 0 ? (
          <p className="text-sm text-muted-foreground">{empty}</p>
        ) : (
          <div className="max-h-96 overflow-auto">
            <FigureTable caption={title} columns={columns} rows={rows} testId={`table-${name}`} />
          </div>
        )}
        {footer}
      </CardContent>
    </Card>
  );
}
