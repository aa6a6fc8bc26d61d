// Checks the widget's weight budgets (gzip, level 9) on a fresh build:
//   first load  = widget.js + widget.css                 ≤ 15 KB
//   opened      = first load + everything in dist/assets  ≤ 60 KB
// Exits non-zero over either budget.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const KB = 1024;
const FIRST = 15 * KB;
const TOTAL = 60 * KB;

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const fmt = (n) => (n / KB).toFixed(1) + " KB";

if (!existsSync(join(dist, "widget.js")) || !existsSync(join(dist, "widget.css"))) {
  console.error("size: dist/widget.js or dist/widget.css is missing; run `npm run build` first.");
  process.exit(1);
}
const rows = [
  ["widget.js", gz(join(dist, "widget.js"))],
  ["widget.css", gz(join(dist, "widget.css"))],
];
const first = rows[0][1] + rows[1][1];
let total = first;
const assets = existsSync(join(dist, "assets")) ? readdirSync(join(dist, "assets")) : [];
for (const f of assets) {
  const n = gz(join(dist, "assets", f));
  rows.push(["assets/" + f, n]);
  total += n;
}
for (const [name, n] of rows) console.log(`  ${name.padEnd(36)} ${fmt(n).padStart(9)} gzip`);
const ok1 = first <= FIRST;
const ok2 = total <= TOTAL;
console.log(`first load (widget.js + widget.css): ${fmt(first)} gzip, budget ${fmt(FIRST)} ${ok1 ? "ok" : "OVER"}`);
console.log(`complete widget once opened:         ${fmt(total)} gzip, budget ${fmt(TOTAL)} ${ok2 ? "ok" : "OVER"}`);
if (!ok1 || !ok2) process.exit(1);
