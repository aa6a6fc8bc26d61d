// Browser test of the live visitor context: a visitor chats through the real
// widget on a host website, then moves to another page and, on a
// single-page site, to another address without a reload; the agent's
// customer panel shows each page as it happens, without the agent doing
// anything. Query strings do not reach the agent (the default).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

/** A host website on its own origin whose pages embed the widget. */
async function startHostSite(server, siteKey) {
  const page = (title, body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>${body}
<script>window.LiveChatConfig = ${JSON.stringify({ siteKey, serverUrl: server })};</script>
<script async src="${server}/widget.js"></script></body></html>`;
  const pages = {
    "/shoes": page("Red shoes", `<a href="/checkout?coupon=SECRET">Checkout</a>`),
    "/checkout": page("Checkout", `<button id="spa" onclick="history.pushState({}, '', '/checkout/pay?card=1'); document.title = 'Payment'">Pay</button>`),
  };
  const srv = createServer((req, res) => {
    const body = pages[new URL(req.url, "http://x").pathname];
    if (!body) return res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://localhost:${srv.address().port}`, close: () => new Promise((r) => srv.close(r)) };
}

describe("live visitor context", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let agent;
  /** @type {import("playwright-core").Page} */
  let visitor;
  let host;
  const pageErrors = /** @type {string[]} */ ([]);

  const api = (method, body) =>
    agent.evaluate(
      async ([m, b]) => {
        const res = await fetch(`/livechat.v1.${m}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const json = await res.json();
        if (!res.ok) throw new Error(`${m}: ${JSON.stringify(json)}`);
        return json;
      },
      /** @type {[string, object]} */ ([method, body]),
    );

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const agentContext = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
    agentContext.setDefaultTimeout(timeout);
    agent = await agentContext.newPage();
    agent.on("pageerror", (e) => pageErrors.push(String(e)));
    const visitorContext = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh" });
    visitorContext.setDefaultTimeout(timeout);
    visitor = await visitorContext.newPage();
    visitor.on("pageerror", (e) => pageErrors.push("visitor: " + String(e)));
  });

  after(async () => {
    if (process.exitCode) {
      await agent?.screenshot({ path: join(artifactsDir, "visitor-context-agent.png") }).catch(() => {});
      await visitor?.screenshot({ path: join(artifactsDir, "visitor-context-visitor.png") }).catch(() => {});
    }
    await browser?.close();
    await host?.close();
    await server?.stop();
  });

  test("an agent sees the visitor's page change live", async () => {
    await agent.goto(server.url);
    await agent.waitForURL("**/setup");
    await agent.getByLabel("Display name").fill(admin.name);
    await agent.getByLabel("Username").fill(admin.username);
    await agent.getByLabel("Password", { exact: true }).fill(admin.password);
    await agent.getByLabel("Confirm password").fill(admin.password);
    await agent.getByRole("button", { name: "Create admin account" }).click();
    await agent.waitForURL("**/inbox/waiting");
    const created = await api("WidgetService/CreateWidget", { settings: { name: "Shop" } });
    host = await startHostSite(server.url, created.widget.siteKey);

    // The visitor opens the widget on a product page and writes.
    await visitor.goto(host.url + "/shoes?utm_source=mail");
    await visitor.locator(".lc-launcher").click();
    await visitor.locator(".lc-input").fill("Do you have these in size 40?");
    await visitor.locator(".lc-input").press("Enter");

    const item = agent.getByTestId("conversation-item").first();
    await item.waitFor();
    await item.click();
    const panel = agent.getByTestId("customer-panel");
    const current = panel.getByTestId("visitor-current-page");
    await current.filter({ hasText: "Red shoes" }).waitFor();
    assert.equal(await current.getAttribute("href"), host.url + "/shoes");
    const visit = panel.getByTestId("visitor-context");
    // What the browser says of itself (Chromium names this zone by its old name).
    await visit.getByText(/^Asia\/(Ho_Chi_Minh|Saigon)$/).waitFor();
    await visit.getByText("vi-VN").waitFor();

    // Another page of the site: the panel follows, no reload, no click.
    await visitor.getByRole("link", { name: "Checkout" }).click();
    await current.filter({ hasText: "Checkout" }).waitFor();
    assert.equal(await current.getAttribute("href"), host.url + "/checkout");

    // A single-page site's navigation, without a page load.
    await visitor.locator("#spa").click();
    await current.filter({ hasText: "Payment" }).waitFor();
    assert.equal(await current.getAttribute("href"), host.url + "/checkout/pay");
    await visit.getByText("Earlier pages (2)").click();
    const trail = await visit.getByTestId("visitor-trail").innerText();
    assert.match(trail, /Checkout/);
    assert.match(trail, /Red shoes/);
    assert.deepEqual(pageErrors, []);
  });
});
