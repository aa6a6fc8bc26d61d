import { defineConfig, type Plugin, type ProxyOptions } from "vite";
import react from "@vitejs/plugin-react";
import tailwindcss from "@tailwindcss/vite";
import { fileURLToPath, URL } from "node:url";
import { precompress } from "../tools/precompress.mjs";

// The Go server the dev server forwards API and widget requests to.
const target = process.env.LIVECHAT_DEV_SERVER ?? "http://localhost:8080";

// The server accepts cookie-authenticated calls only from its own origin, so
// the proxy presents requests as coming from the server's origin.
const proxy: ProxyOptions = {
  target,
  changeOrigin: true,
  ws: false,
  configure(p) {
    p.on("proxyReq", (req: { getHeader(name: string): unknown; setHeader(name: string, value: string): void }) => {
      if (req.getHeader("origin")) req.setHeader("origin", target);
    });
  },
};

// Brotli and gzip copies of the built files, which the server sends to
// browsers that accept them (see tools/precompress.mjs).
const precompressPlugin: Plugin = {
  name: "livechat-precompress",
  apply: "build",
  closeBundle() {
    precompress(fileURLToPath(new URL("./dist", import.meta.url)));
  },
};

export default defineConfig({
  plugins: [react(), tailwindcss(), precompressPlugin],
  resolve: {
    alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) },
  },
  server: {
    proxy: {
      "^/livechat\\.v1\\..*": proxy,
      "/widget.js": proxy,
      "/widget.css": proxy,
      "/widget-assets/": proxy,
    },
  },
  build: {
    outDir: "dist",
    // dist/.gitkeep is committed so the Go embed compiles before any build;
    // the build script removes the previous output itself.
    emptyOutDir: false,
    assetsDir: "assets",
    target: "es2022",
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
});
