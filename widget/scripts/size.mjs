// Checks the widget's weight budgets in bytes on the wire, as the real
// server sends them to a browser (Accept-Encoding: br, gzip):
//   first load  = widget.js + widget.css                         ≤ 15 KB
//   opened      = first load + the chat part and the chunks it
//                 imports statically (dist/assets)               ≤ 60 KB
// Chunks the chat part imports only when a feature is used (the upload
// code, the rating card) are listed apart and not counted as opened.
// It starts the server ($LIVECHAT_BIN, or one built from this tree, so it
// embeds this build), fetches each file and counts the body bytes before any
// decoding. Exits non-zero over either budget, or when a file is not served.
// With --server <url> it measures a server that is already running.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRealServer } from "../test/lib/real-server.mjs";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
const KB = 1024;
const FIRST = 15 * KB;
const TOTAL = 60 * KB;
const ACCEPT = "br, gzip";

const fmt = (n) => (n / KB).toFixed(1) + " KB";

/** GETs url as a browser would and returns the encoding and the raw bytes received. */
function wire(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { "Accept-Encoding": ACCEPT } }, (res) => {
      let n = 0;
      res.on("data", (chunk) => (n += chunk.length));
      res.on("end", () => {
        if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
        else resolve({ bytes: n, encoding: res.headers["content-encoding"] ?? "identity" });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

if (!existsSync(join(dist, "widget.js")) || !existsSync(join(dist, "widget.css"))) {
  console.error("size: dist/widget.js or dist/widget.css is missing; run `npm run build` first.");
  process.exit(1);
}
const at = process.argv.indexOf("--server");
const server = at > 0 ? { url: process.argv[at + 1], stop: async () => {} } : await startRealServer();
let failed = false;
try {
  const chunks = existsSync(join(dist, "assets"))
    ? readdirSync(join(dist, "assets")).filter((f) => f.endsWith(".js"))
    : [];
  // The chat part and, transitively, what it imports statically load when
  // the widget opens; a chunk only reached through import() loads on use.
  const opened = new Set();
  const visit = (f) => {
    if (opened.has(f) || !chunks.includes(f)) return;
    opened.add(f);
    const code = readFileSync(join(dist, "assets", f), "utf8");
    for (const m of code.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) visit(m[1]);
  };
  for (const f of chunks) if (f.startsWith("chat-")) visit(f);
  const rows = [];
  for (const path of ["/widget.js", "/widget.css", ...chunks.map((f) => "/widget-assets/" + f)]) {
    const f = path.replace("/widget-assets/", "");
    rows.push({ path, lazy: path.startsWith("/widget-assets/") && !opened.has(f), ...(await wire(server.url + path)) });
  }
  for (const r of rows) console.log(`  ${r.path.padEnd(40)} ${fmt(r.bytes).padStart(9)} ${r.encoding}${r.lazy ? " (loaded when used)" : ""}`);
  const first = rows[0].bytes + rows[1].bytes;
  const total = rows.filter((r) => !r.lazy).reduce((s, r) => s + r.bytes, 0);
  const ok1 = first <= FIRST;
  const ok2 = total <= TOTAL;
  console.log(`first load (widget.js + widget.css): ${fmt(first)} on the wire, budget ${fmt(FIRST)} ${ok1 ? "ok" : "OVER"}`);
  console.log(`complete widget once opened:         ${fmt(total)} on the wire, budget ${fmt(TOTAL)} ${ok2 ? "ok" : "OVER"}`);
  failed = !ok1 || !ok2;
} catch (err) {
  console.error("size:", err.message);
  failed = true;
} finally {
  await server.stop();
}
if (failed) process.exit(1);
