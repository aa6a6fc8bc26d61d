/** One cell of a CSV: numbers as they are, text quoted when it must be (RFC 4180). */
function cell(v: string | number | null): string {
  if (v === null) return "";
  if (typeof v === "number") return String(v); // exact, as the report has it
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A CSV document: a header row, then the rows, CRLF-separated. */
export function toCsv(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\r\n") + "\r\n";
}

/** Makes the browser save text as a file. */
export function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
