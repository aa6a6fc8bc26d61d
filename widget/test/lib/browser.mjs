// Browser-test helpers: Debian's Chromium through playwright-core, and a host
// website on its own origin (a different port from the chat server) whose
// pages embed the widget the way customers do — behind a strict
// Content-Security-Policy and with hostile CSS.

import { createServer } from "node:http";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

// Launch Chromium once before any test. When it is missing or broken the
// run stops here, with one line saying why, instead of every test being
// reported "cancelled" with the cause buried in a hook's error.
try {
  await (await launch()).close();
} catch (err) {
  const cause = String(err instanceof Error ? err.message : err).split("\n").find((l) => l.trim()) ?? "unknown error";
  process.stderr.write(`browser tests: Chromium at ${CHROMIUM} does not start, so no browser test can run (${cause.trim()}); install it with: apt-get install chromium fonts-dejavu-core\n`);
  process.exit(1);
}

/** CSS a careless or hostile host page might have. */
export const HOSTILE_CSS = `
* { all: unset; font-size: 40px !important; color: red !important; }
div, p, span, button, form, textarea, input, header { display: none !important; }
livechat-widget { display: none; opacity: 0.2; }
html, body { display: block; }
button { background: lime !important; border-radius: 0 !important; }
:root, livechat-widget, * { --lc-c: red !important; --lc-on: lime !important; --lc-fg: red !important; }
`;

/**
 * Starts the host website on 127.0.0.1 (another port than the chat server).
 * page(path, html, headers) adds a page.
 */
export async function startHostSite() {
  const pages = new Map();
  pages.set("/hostile.css", { body: HOSTILE_CSS, headers: { "Content-Type": "text/css" } });
  const server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    if (path === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const p = pages.get(path);
    if (!p) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", ...p.headers });
    res.end(p.body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  // "localhost" rather than 127.0.0.1: a different origin from the chat
  // server even apart from the port.
  const url = `http://localhost:${server.address().port}`;
  return {
    url,
    origin: url,
    page(path, body, headers = {}) {
      pages.set(path, { body, headers });
      return url + path;
    },
    close() {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/**
 * A host page embedding the widget like the documented snippet, with a
 * strict CSP that allows only the chat server (plus a nonce for the page's
 * own inline config script). With data (say { "site-key": "…" }) the
 * configuration is on the script tag instead, and the CSP allows no inline
 * script at all. head goes into <head> (with the nonce, for scripts).
 */
export function embedPage({ server, config, data, hostile = true, csp = true, twice = false, body = "", head = "" }) {
  const nonce = "n0nce" + Math.random().toString(36).slice(2);
  const attrs = Object.entries(data || {})
    .map(([k, v]) => ` data-${k}="${v}"`)
    .join("");
  const snippet = `${data ? "" : `<script nonce="${nonce}">window.LiveChatConfig = ${JSON.stringify(config)};</script>`}
<script async src="${server}/widget.js"${attrs}></script>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Host shop</title>
${hostile ? '<link rel="stylesheet" href="/hostile.css">' : ""}
${head.replaceAll("<script>", `<script nonce="${nonce}">`)}
</head><body>
<h1>Welcome to the shop</h1>
<p id="host-text">Host page content.</p>
${body}
${snippet}
${twice ? `<script async src="${server}/widget.js"></script>` : ""}
</body></html>`;
  const headers = csp
    ? {
        "Content-Security-Policy": [
          "default-src 'self'",
          data ? `script-src 'self' ${server}` : `script-src 'self' 'nonce-${nonce}' ${server}`,
          `style-src 'self' ${server}`,
          `connect-src 'self' ${server}`,
          "img-src 'self'",
          "object-src 'none'",
          "base-uri 'none'",
        ].join("; "),
      }
    : {};
  return { html, headers };
}

/** Collects console errors, page errors and CSP violations of a page. */
export function watch(page) {
  const errors = [];
  const csp = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  return { errors, csp };
}

/** Waits until fn() is truthy (polling), or fails with msg. */
export async function until(fn, msg = "condition", timeout = 10000) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${msg} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
}
