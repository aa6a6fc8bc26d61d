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
  rows: (string | number | null)[][];
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
        </div>
      </CardHeader>
      <CardContent>
        {children}
        {table && (
          <div id={id} className="mt-4 max-h-80 overflow-auto">
            <table className="w-full text-sm" data-testid={`table-${name}`}>
              <caption className="sr-only">{title}</caption>
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
          </div>
        )}
      </CardContent>
    </Card>
  );
}
