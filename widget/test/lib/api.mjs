// Node 20 cannot load the generated TypeScript of @livechat/api, so tests
// bundle it once into plain JavaScript (the runtime packages stay external,
// shared with the transport) and import that.

import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const widgetDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const out = join(widgetDir, "node_modules", ".cache", "livechat-test", "api.mjs");

let loaded;

/** The generated services, schemas and enums of livechat.v1. */
export function loadApi() {
  loaded ??= (async () => {
    mkdirSync(dirname(out), { recursive: true });
    await build({
      stdin: {
        contents: [
          'export * from "@livechat/api/auth_pb";',
          'export * from "@livechat/api/conversation_pb";',
          'export * from "@livechat/api/widget_pb";',
          'export * from "@livechat/api/routing_pb";',
          'export * from "@livechat/api/mail_pb";',
        ].join("\n"),
        resolveDir: widgetDir,
        loader: "ts",
      },
      bundle: true,
      platform: "node",
      format: "esm",
      outfile: out,
      external: ["@bufbuild/protobuf", "@connectrpc/*"],
      logLevel: "warning",
    });
    return import(pathToFileURL(out).href);
  })();
  return loaded;
}
