// Writes a brotli (.br) and a gzip (.gz) copy beside every compressible file
// of a build folder, so the server sends precompressed bytes instead of
// compressing on every request or sending them raw. The server embeds both
// and chooses by Accept-Encoding (server/app/static.go). Node's zlib has
// both encoders, so the build needs no extra dependency.
//
//   node tools/precompress.mjs <dir>...
//   import { precompress } from "../../tools/precompress.mjs"

import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** Text formats worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set([".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt", ".map", ".webmanifest"]);

/** Files smaller than this gain too little to be worth a second request path. */
const MIN_BYTES = 256;

/**
 * Compresses every compressible file under dir (recursively) into .br and
 * .gz siblings, removing stale ones first. A copy is kept only when it is
 * smaller than the original. Returns the files written.
 */
export function precompress(dir) {
  const written = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      written.push(...precompress(path));
      continue;
    }
    if (entry.name.endsWith(".br") || entry.name.endsWith(".gz")) {
      // A copy whose original a new build removed would be served stale.
      if (!existsSync(path.slice(0, -3))) rmSync(path);
      continue;
    }
    for (const ext of [".br", ".gz"]) rmSync(path + ext, { force: true });
    if (!COMPRESSIBLE.has(extname(entry.name)) || statSync(path).size < MIN_BYTES) continue;
    const body = readFileSync(path);
    const variants = {
      ".br": brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      }),
      ".gz": gzipSync(body, { level: 9 }),
    };
    for (const [ext, data] of Object.entries(variants)) {
      if (data.length >= body.length) continue;
      writeFileSync(path + ext, data);
      written.push(path + ext);
    }
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const dir of process.argv.slice(2)) {
    const n = precompress(dir).length;
    console.log(`precompressed ${dir}: ${n} files`);
  }
}
