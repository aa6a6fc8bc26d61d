// Browser tests of who is on the site now and of starting a chat first,
// with the real server, widget and dashboard in Chromium:
//   - a browsing visitor (the widget tracks visits) appears on the agent's
//     Visitors page with their page, and drops off when the page closes;
//   - the agent starts a chat from that page: the visitor's widget opens
//     with the agent's message;
//   - an automatic message fires after N seconds on a matching page, and
//     not on another page.
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
  const page = (title) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>
<script>window.LiveChatConfig = ${JSON.stringify({ siteKey, serverUrl: server, locale: "en" })};</script>
<script async src="${server}/widget.js"></script></body></html>`;
  const srv = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const titles = { "/pricing": "Pricing", "/about": "About us", "/": "Home" };
    if (!titles[path]) return res.writeHead(404).end();
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(page(titles[path]));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { url: `http://localhost:${srv.address().port}`, close: () => new Promise((r) => srv.close(r)) };
}

describe("visitors now, proactive chats and triggers", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let agent;
  /** @type {import("playwright-core").BrowserContext} */
  let visitorContext;
  let host;
  let widget;
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

  const setTracking = async (visitorTracking) => {
    const res = await api("WidgetService/UpdateWidget", { widgetId: widget.id, settings: { ...widget.settings, visitorTracking } });
    widget = res.widget;
  };

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const agentContext = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
    agentContext.setDefaultTimeout(timeout);
    agent = await agentContext.newPage();
    agent.on("pageerror", (e) => pageErrors.push(String(e)));
    visitorContext = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: "en-US" });
    visitorContext.setDefaultTimeout(timeout);

    await agent.goto(server.url);
    await agent.waitForURL("**/setup");
    await agent.getByLabel("Display name").fill(admin.name);
    await agent.getByLabel("Username").fill(admin.username);
    await agent.getByLabel("Password", { exact: true }).fill(admin.password);
    await agent.getByLabel("Confirm password").fill(admin.password);
    await agent.getByRole("button", { name: "Create admin account" }).click();
    await agent.waitForURL("**/inbox/waiting");
    widget = (await api("WidgetService/CreateWidget", { settings: { name: "Shop" } })).widget;
    host = await startHostSite(server.url, widget.siteKey);
  });

  after(async () => {
    if (process.exitCode) await agent?.screenshot({ path: join(artifactsDir, "visitors-now-agent.png") }).catch(() => {});
    await browser?.close();
    await host?.close();
    await server?.stop();
  });

  test("the Visitors page shows a browsing visitor, the agent starts a chat, and the visitor leaves", async () => {
    await setTracking({ trackVisits: true });
    await agent.getByRole("link", { name: "Visitors" }).click();
    await agent.waitForURL("**/visitors");
    await agent.getByText("Nobody is on your site right now").waitFor();

    const visitor = await visitorContext.newPage();
    visitor.on("pageerror", (e) => pageErrors.push("visitor: " + String(e)));
    visitor.on("console", (m) => m.type() === "error" && console.error("visitor console:", m.text()));
    visitor.on("requestfailed", (r) => console.error("visitor request failed:", r.url(), r.failure()?.errorText));
    await visitor.goto(host.url + "/pricing?coupon=SECRET");
    const row = agent.getByTestId("visitor-row");
    await row.getByTestId("visitor-page").filter({ hasText: "Pricing" }).waitFor();
    assert.equal(await row.getByTestId("visitor-page").getAttribute("href"), host.url + "/pricing");
    await row.getByText("New").waitFor();
    await row.getByText("No chat").waitFor();

    // Start a chat, from the keyboard.
    await row.getByTestId("visitor-start").focus();
    await agent.keyboard.press("Enter");
    await agent.getByTestId("invite-text").fill("Hi! Any questions about our plans?");
    await agent.keyboard.press("Enter");
    // The visitor's widget opens with the agent's message.
    const panel = visitor.locator(".lc-panel");
    await panel.waitFor({ state: "visible" });
    await visitor.locator(".lc-msg").filter({ hasText: "Hi! Any questions about our plans?" }).waitFor();
    // The agent's list shows the open chat, and the conversation is theirs.
    await row.getByText("Open chat").waitFor();
    const list = await api("ConversationService/ListConversations", { status: "CONVERSATION_STATUS_ACTIVE" });
    assert.equal(list.conversations?.length, 1);

    // Beside the conversation, the customer panel says they are on the site.
    await row.getByText("Open chat").click();
    const onSite = agent.getByTestId("customer-panel").getByTestId("on-site-now");
    await onSite.filter({ hasText: "Pricing" }).waitFor();

    // The page closes: the visitor leaves the panel and the list.
    await visitor.close();
    await onSite.waitFor({ state: "detached" });
    await agent.getByRole("link", { name: "Visitors" }).click();
    await agent.getByText("Nobody is on your site right now").waitFor();
    assert.deepEqual(pageErrors, []);
  });

  test("an automatic message opens the widget after N seconds on a matching page only", async () => {
    await setTracking({ triggers: [{ urlPattern: "/pricing*", delaySeconds: 2, textEn: "Looking for a plan? Ask us.", textVi: "Bạn cần tư vấn gói?" }] });
    const fresh = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: "en-US" });
    fresh.setDefaultTimeout(timeout);
    const other = await fresh.newPage();
    other.on("pageerror", (e) => pageErrors.push("visitor: " + String(e)));
    await other.goto(host.url + "/about");
    await other.locator(".lc-launcher").waitFor();
    await other.waitForTimeout(3500);
    assert.equal(await other.locator(".lc-panel").isVisible(), false, "no trigger on /about");
    assert.equal(await other.locator(".lc-trigger").isVisible(), false);

    const started = Date.now();
    await other.goto(host.url + "/pricing");
    const greet = other.locator(".lc-trigger");
    await greet.filter({ hasText: "Looking for a plan? Ask us." }).waitFor({ state: "visible" });
    assert.ok(Date.now() - started >= 2000, "shown after the delay, not before");
    assert.equal(await other.locator(".lc-panel").isVisible(), true);
    await fresh.close();
    assert.deepEqual(pageErrors, []);
  });
});
