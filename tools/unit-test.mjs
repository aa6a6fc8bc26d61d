// Runs TypeScript unit tests with Node's own test runner, offline and with
// nothing but esbuild (which the widget build already uses): every
// *.test.ts under the given folders is bundled for Node into a temporary
// folder, then run with `node --test`. Bundling, rather than loading the
// sources, is what lets the tests import the workspace packages, which
// export TypeScript, and the dashboard's "@/…" paths (esbuild reads them
// from the nearest tsconfig.json). Types are checked by each workspace's
// `typecheck`, not here.
//
//   node ../tools/unit-test.mjs src test/unit    (from a workspace folder; files too)

import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { build } from "esbuild";

const dirs = process.argv.slice(2);
if (!dirs.length) {
  console.error("usage: node tools/unit-test.mjs <folder>…");
  process.exit(2);
}

/** Every *.test.ts under dir (or dir itself, a file), node_modules and dist left out. */
function find(dir, out = []) {
  if (!statSync(dir).isDirectory()) return dir.endsWith(".test.ts") ? [dir] : [];
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const cwd = process.cwd();
const entries = dirs.flatMap((d) => find(resolve(d))).sort();
if (!entries.length) {
  console.error(`unit-test: no *.test.ts under ${dirs.join(", ")}`);
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), "livechat-unit-"));
let status = 1;
try {
  const result = await build({
    entryPoints: Object.fromEntries(entries.map((e) => [relative(cwd, e).replace(/\.ts$/, ""), e])),
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    logLevel: "warning",
    // Some bundled CommonJS (React's) calls require(); give it one.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    metafile: true,
  });
  const files = Object.keys(result.metafile.outputs).filter((f) => f.endsWith(".mjs"));
  const run = spawnSync(process.execPath, ["--enable-source-maps", "--test", "--test-reporter=spec", "--test-timeout=60000", ...files], { stdio: "inherit", cwd });
  status = run.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
process.exit(status);
