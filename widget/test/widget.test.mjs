// Browser tests of the widget itself against the real livechat server: how
// it embeds (hostile CSS, strict CSP, configuration on the script tag, no
// globals, loaded twice), keyboard use, phones, languages, the dashboard
// preview, blocked storage and pages on an origin the widget does not
// allow. Run after `npm run build`; the server binary is $LIVECHAT_BIN or
// built from this tree.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startHostSite, until, watch } from "./lib/browser.mjs";
import { startSuite } from "./lib/suite.mjs";

describe("the widget on a host page (real server)", { timeout: 180000 }, () => {
  let s, env;

  before(async () => {
    s = await startSuite();
    env = s.env;
  });
  after(async () => {
    await s?.close();
  });

  const visit = (...a) => s.visit(...a);
  const launcher = (p) => s.launcher(p);
  const bubbles = (p, w) => s.bubbles(p, w);
  const send = (p, t) => s.send(p, t);
  const shadowActive = (page) =>
    page.evaluate(() => document.querySelector("livechat-widget").shadowRoot.activeElement?.className || "");

  test("the launcher shows at once in the configured colour, label and corner, whatever the host CSS", async () => {
    const { page, ctx, seen } = await visit("/first");
    await launcher(page).waitFor({ state: "visible" });
    const box = await launcher(page).boundingBox();
    assert.ok(box.height >= 50 && box.height <= 60, `launcher height ${box.height}`);
    assert.ok(box.x + box.width > 1280 - 40 && box.y + box.height > 800 - 40, "launcher sits bottom-right");
    const style = await launcher(page).evaluate((el) => {
      const st = getComputedStyle(el);
      return { bg: st.backgroundColor, color: st.color, fontSize: st.fontSize, display: st.display };
    });
    // The host page sets --lc-c and --lc-on with !important on every element.
    assert.deepEqual(style, { bg: "rgb(15, 118, 110)", color: "rgb(255, 255, 255)", fontSize: "15px", display: "flex" });
    assert.equal(await page.locator(".lc-label").textContent(), "Chat with Acme");
    // The page's own CSS still applies to the page, not the other way round.
    assert.equal(await page.locator("#host-text").evaluate((el) => getComputedStyle(el).display), "none");
    // The chat part is not loaded for a visitor without a conversation.
    const loaded = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    assert.ok(!loaded.some((u) => u.includes("/widget-assets/")), "the chat part loads lazily");

    await launcher(page).click();
    await page.locator(".lc-title").getByText("Acme support").waitFor();
    const head = await page.locator(".lc-head").evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(head, "rgb(15, 118, 110)");
    assert.equal(await page.locator(".lc-input").evaluate((el) => getComputedStyle(el).color), "rgb(17, 24, 39)");
    assert.deepEqual(seen.csp, [], "no CSP violations");
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("no globals but LiveChat; loading the script twice is harmless", async () => {
    const bare = await s.browser.newContext();
    const p0 = await bare.newPage();
    await p0.goto(s.host.page("/bare", "<!doctype html><title>bare</title><p>x</p>"));
    const baseline = new Set(await p0.evaluate(() => Object.keys(window)));
    await bare.close();

    const { page, ctx, seen } = await visit("/twice", { twice: true });
    await launcher(page).waitFor({ state: "visible" });
    await page.waitForTimeout(300);
    const added = (await page.evaluate(() => Object.keys(window))).filter((k) => !baseline.has(k));
    assert.deepEqual(added.sort(), ["LiveChat", "LiveChatConfig"]);
    assert.equal(await page.locator("livechat-widget").count(), 1);
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("configured by the script tag alone, under a CSP that allows no inline script", async () => {
    const { page, ctx, seen } = await visit("/tag", { data: { "site-key": env.siteKey, locale: "vi" } });
    await launcher(page).waitFor({ state: "visible" });
    assert.equal(await page.evaluate(() => "LiveChatConfig" in window), false);
    await launcher(page).click();
    await page.locator(".lc-input").waitFor();
    assert.equal(await page.locator(".lc-input").getAttribute("placeholder"), "Nhập tin nhắn…");
    assert.deepEqual(seen.csp, [], "no CSP violations");
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("keyboard: Enter opens with focus in the composer, Shift+Enter is a new line, Tab stays in the panel, Esc closes", async () => {
    const { page, ctx } = await visit("/keys");
    await launcher(page).focus();
    await page.keyboard.press("Enter");
    await page.locator(".lc-panel").waitFor({ state: "visible" });
    await until(async () => (await shadowActive(page)).includes("lc-input"), "focus in the composer");

    await page.keyboard.type("Hello, I need help");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type("with my order");
    await page.keyboard.press("Enter");
    await bubbles(page, "me").filter({ hasText: "with my order" }).waitFor();
    assert.equal(await page.locator(".lc-input").inputValue(), "");
    const conv = await s.conversationWith("with my order");
    assert.deepEqual(await s.customerTexts(conv.id), ["Hello, I need help\nwith my order"]);

    for (let i = 0; i < 8; i++) {
      await page.keyboard.press(i % 3 === 2 ? "Shift+Tab" : "Tab");
      const inside = await page.evaluate(() => {
        const root = document.querySelector("livechat-widget").shadowRoot;
        return root.querySelector(".lc-panel").contains(root.activeElement);
      });
      assert.ok(inside, `focus stays in the panel after ${i + 1} presses`);
    }
    await page.keyboard.press("Escape");
    await page.locator(".lc-panel").waitFor({ state: "hidden" });
    assert.equal(await launcher(page).getAttribute("aria-expanded"), "false");
    assert.match(await shadowActive(page), /lc-launcher/, "focus returns to the launcher");
    await ctx.close();
  });

  test("full screen below 480 px, with 16 px inputs", async () => {
    const { page, ctx } = await visit("/phone", { viewport: { width: 375, height: 700 } });
    await launcher(page).click();
    await page.locator(".lc-input").waitFor();
    await page.waitForTimeout(300); // the opening animation
    const box = await page.locator(".lc-panel").boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 700]);
    assert.equal(await page.locator(".lc-input").evaluate((el) => getComputedStyle(el).fontSize), "16px");
    await page.locator(".lc-close").click();
    await launcher(page).waitFor({ state: "visible" });
    await ctx.close();
  });

  test("Vietnamese by LiveChat.setLocale and by the browser", async () => {
    const { page, ctx } = await visit("/vi");
    await launcher(page).waitFor({ state: "visible" });
    await page.evaluate(() => window.LiveChat.setLocale("vi"));
    await launcher(page).click();
    await page.locator(".lc-input").waitFor();
    assert.equal(await page.locator(".lc-input").getAttribute("placeholder"), "Nhập tin nhắn…");
    assert.equal(await page.locator(".lc-status").textContent(), "Hiện chúng tôi đang vắng mặt");
    assert.equal(await page.locator(".lc-close").getAttribute("aria-label"), "Đóng cửa sổ trò chuyện");
    await page.evaluate(() => window.LiveChat.setLocale("auto"));
    assert.equal(await page.locator(".lc-input").getAttribute("placeholder"), "Type a message…");
    await ctx.close();

    const viCtx = await s.browser.newContext({ locale: "vi-VN" });
    const { page: p2 } = await visit("/vi-browser", { context: viCtx });
    await launcher(p2).click();
    await p2.locator(".lc-input").waitFor();
    assert.equal(await p2.locator(".lc-send").getAttribute("aria-label"), "Gửi");
    assert.equal(await p2.locator("livechat-widget .lc-root").getAttribute("lang"), "vi");
    await viCtx.close();
  });

  test("the dashboard preview shows unsaved settings, opens, and calls no API", async () => {
    const preview = {
      appearance: {
        primaryColor: "#ff0000",
        position: "WIDGET_POSITION_BOTTOM_LEFT",
        title: "Preview title",
        greeting: "Preview greeting",
        launcherLabel: "Talk",
        locale: "WIDGET_LOCALE_VI",
      },
      prechat: { enabled: false },
      offline: { message: "Off", collectEmail: false },
    };
    const ctx = await s.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const calls = [];
    ctx.on("request", (r) => {
      if (r.url().includes("/livechat.v1.")) calls.push(r.url());
    });
    const { page, seen } = await visit("/preview", { config: { preview }, context: ctx });
    await page.locator(".lc-panel").waitFor({ state: "visible" });
    assert.equal(await page.locator(".lc-title").textContent(), "Preview title");
    await page.locator(".lc-greet").getByText("Preview greeting").waitFor();
    assert.equal(await page.locator(".lc-input").getAttribute("placeholder"), "Nhập tin nhắn…");
    const lb = await launcher(page).boundingBox();
    assert.ok(lb.x < 100, "bottom-left");
    assert.equal(await launcher(page).evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(255, 0, 0)");
    await send(page, "local only");
    await bubbles(page, "me").filter({ hasText: "local only" }).waitFor();
    await page.evaluate(() =>
      window.LiveChat.updatePreview({
        appearance: { title: "Changed", primaryColor: "#00ff00" },
        agentsOnline: false,
        offline: { message: "Away now" },
      }),
    );
    await page.locator(".lc-title").getByText("Changed").waitFor();
    await page.locator(".lc-greet").getByText("Away now").waitFor();
    await page.waitForTimeout(300);
    assert.deepEqual(calls, [], "no API calls");
    assert.equal(await page.evaluate(() => Object.keys(localStorage).length), 0, "nothing stored");
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("blocked storage: the widget keeps the visitor in memory and still works", async () => {
    const ctx = await s.browser.newContext();
    await ctx.addInitScript(() => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("The operation is insecure.", "SecurityError");
        },
      });
    });
    const { page, seen } = await visit("/nostorage", { context: ctx });
    await launcher(page).click();
    await send(page, "No storage here");
    await bubbles(page, "me").filter({ hasText: "No storage here" }).waitFor();
    const conv = await s.conversationWith("No storage here");
    await s.agentSend(conv.id, "Still answered");
    await bubbles(page, "agent").filter({ hasText: "Still answered" }).waitFor();
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  /** Console errors of the widget, and the widget's API requests, of a page. */
  function observe(page) {
    const seen = watch(page);
    const api = [];
    page.on("request", (r) => {
      const m = /\/livechat\.v1\.WidgetService\/(\w+)/.exec(r.url());
      if (m) api.push(m[1]);
    });
    return { api, errors: () => seen.errors.filter((e) => e.startsWith("LiveChat:")) };
  }

  test("a page on an origin the widget does not allow: one clear console error, no widget, no retries", async () => {
    const other = await startHostSite();
    try {
      const { html, headers } = s.embed({ siteKey: env.siteKey });
      const ctx = await s.browser.newContext();
      const page = await ctx.newPage();
      const o = observe(page);
      await page.goto(other.page("/", html, headers));
      await until(() => o.errors().length, "a LiveChat console error");
      const [msg] = o.errors();
      assert.ok(msg.includes(`origin ${other.origin} is not allowed`), msg);
      assert.ok(msg.includes(`add ${other.origin} to the widget's allowed origins`), msg);
      await page.waitForTimeout(2500);
      assert.equal(o.errors().length, 1, "one error");
      assert.deepEqual(o.api, ["GetWidgetConfig"], "asked once");
      assert.equal(await page.locator("livechat-widget").count(), 0, "no widget on the page");
      await ctx.close();
    } finally {
      await other.close();
    }
  });

  test("an origin removed from the widget: a cached configuration's launcher goes away, and no session starts", async () => {
    const { widget, siteKey } = await env.createWidget({ name: "Moved" });
    const first = await visit("/moved", { siteKey });
    await launcher(first.page).click();
    await send(first.page, "Before the origin was removed");
    await bubbles(first.page, "me").filter({ hasText: "Before the origin was removed" }).waitFor();
    const state = await first.ctx.storageState();
    await first.ctx.close();

    await env.widgets.updateWidget({
      widgetId: widget.id,
      settings: env.settings({ name: "Moved", allowedOrigins: ["https://elsewhere.example.com"] }),
    });
    // A new browser context: the same stored visitor, no HTTP cache.
    const ctx = await s.browser.newContext({ storageState: state });
    const page = await ctx.newPage();
    const o = observe(page);
    // The configuration's answer takes a moment: the cached launcher shows first.
    await page.route("**/livechat.v1.WidgetService/GetWidgetConfig?*", async (route) => {
      await new Promise((r) => setTimeout(r, 1000));
      await route.continue();
    });
    await page.goto(first.url);
    await launcher(page).waitFor({ state: "visible" });
    await until(() => o.errors().length, "a LiveChat console error");
    assert.ok(o.errors()[0].includes(`origin ${s.host.origin} is not allowed`), o.errors()[0]);
    await page.locator("livechat-widget").waitFor({ state: "detached" });
    await page.waitForTimeout(1500);
    assert.equal(await page.locator(".lc-launcher").count(), 0, "no launcher stays");
    assert.deepEqual(o.api, ["GetWidgetConfig"], "no session, no stream");
    assert.equal(o.errors().length, 1);
    const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(":cfg")));
    assert.deepEqual(left, [], "the cached configuration is dropped");
    await ctx.close();
  });
});
