// Builds the widget into dist/:
//   dist/widget.js              the loader, a classic script (IIFE), no protobuf
//   dist/widget.css             every style, linked inside the shadow root
//   dist/assets/chat-<hash>.js  the chat part (generated client + UI), an ES
//                               module the loader imports from
//                               <server>/widget-assets/ when needed
// The chat part is built first so the loader can carry its hashed name.
// Every text file also gets .br and .gz copies (tools/precompress.mjs),
// which the server sends to browsers that accept them.
// dist/.gitkeep stays: the Go embed needs the folder before any build.

import { build } from "esbuild";
import { createHash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { precompress } from "../../tools/precompress.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
for (const f of ["widget.js", "widget.css", "widget.js.br", "widget.js.gz", "widget.css.br", "widget.css.gz", "assets"]) rmSync(join(dist, f), { recursive: true, force: true });

const common = {
  bundle: true,
  minify: true,
  target: ["es2020", "chrome89", "firefox89", "safari15"],
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: root,
};

const chat = await build({
  ...common,
  entryPoints: { chat: "src/chat/index.ts" },
  format: "esm",
  // Parts of the chat used by few visitors (the rating card, the upload
  // code) are chunks of their own, imported from the chat part when needed.
  splitting: true,
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  chunkNames: "[name]-[hash]",
  metafile: true,
});
const chatFile = basename(
  Object.entries(chat.metafile.outputs).find(([f, o]) => f.endsWith(".js") && o.entryPoint === "src/chat/index.ts")[0],
);

await build({
  ...common,
  entryPoints: ["src/widget.css"],
  outfile: join(dist, "widget.css"),
});
const cssHash = createHash("sha256").update(readFileSync(join(dist, "widget.css"))).digest("hex").slice(0, 10);

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
await build({
  ...common,
  entryPoints: ["src/loader.ts"],
  format: "iife",
  outfile: join(dist, "widget.js"),
  define: {
    __CHAT__: JSON.stringify(chatFile),
    __CSS__: JSON.stringify(cssHash),
    __VERSION__: JSON.stringify(pkg.version + "+" + chatFile.replace(/^chat-|\.js$/g, "")),
  },
});

precompress(dist);
console.log(`built dist/widget.js, dist/widget.css, dist/assets/${chatFile}`);
