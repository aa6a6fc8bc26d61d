// Browser tests of the widget against an in-memory WidgetService (see
// lib/fake-server.mjs), so that network failures, stream ends and expired
// cursors can be produced on demand. Run after `npm run build`.

import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { embedPage, launch, startHostSite, until, watch } from "./lib/browser.mjs";
import { startFakeServer } from "./lib/fake-server.mjs";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
if (!existsSync(join(dist, "widget.js"))) throw new Error("dist/widget.js is missing: run `npm run build` first");

describe("widget (in-memory server)", () => {
  let browser, host, fake;

  before(async () => {
    host = await startHostSite();
    fake = await startFakeServer({ distDir: dist, allowedOrigins: [host.origin] });
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    await fake?.close();
    await host?.close();
  });

  async function visit(path, opts = {}, context) {
    const { html, headers } = embedPage({ server: fake.url, config: { siteKey: fake.siteKey }, ...opts });
    const url = host.page(path, html, headers);
    const ctx = context || (await browser.newContext({ viewport: opts.viewport || { width: 1280, height: 800 } }));
    const page = await ctx.newPage();
    const seen = watch(page);
    await page.goto(url);
    return { page, ctx, seen, url };
  }

  const launcher = (page) => page.locator(".lc-launcher");
  const bubbles = (page, who) => page.locator(`.lc-msg.lc-${who}:not(.lc-pending) .lc-bubble`);

  async function send(page, text) {
    const input = page.locator(".lc-input");
    await input.fill(text);
    await input.press("Enter");
  }

  test("the launcher shows at once with the configured colour, label and corner, whatever the host CSS", async () => {
    const { page, ctx, seen } = await visit("/first");
    await launcher(page).waitFor({ state: "visible" });
    const box = await launcher(page).boundingBox();
    assert.ok(box.height >= 50 && box.height <= 60, `launcher height ${box.height}`);
    assert.ok(box.x + box.width > 1280 - 40 && box.y + box.height > 800 - 40, "launcher sits bottom-right");
    const style = await launcher(page).evaluate((el) => {
      const s = getComputedStyle(el);
      return { bg: s.backgroundColor, fontSize: s.fontSize, display: s.display };
    });
    assert.equal(style.bg, "rgb(15, 118, 110)");
    assert.equal(style.fontSize, "15px");
    assert.equal(await page.locator(".lc-label").textContent(), "Chat with Acme");
    // The page's own CSS still applies to the page, not the other way round.
    assert.equal(await page.locator("#host-text").evaluate((el) => getComputedStyle(el).display), "none");
    assert.deepEqual(seen.csp, [], "no CSP violations");
    assert.deepEqual(seen.errors, []);
    // The chat part is not loaded for a visitor without a conversation.
    const scripts = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    assert.ok(!scripts.some((s) => s.includes("/widget-assets/")), "chat part loads lazily");
    await ctx.close();
  });

  test("no globals but LiveChat; loading the script twice is harmless", async () => {
    const bare = await browser.newContext();
    const p0 = await bare.newPage();
    await p0.goto(host.page("/bare", "<!doctype html><title>bare</title><p>x</p>"));
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

  test("a visitor chats with an agent; HTML stays text; typing goes both ways", async () => {
    const { page, ctx, seen } = await visit("/chat");
    await launcher(page).click();
    await page.locator(".lc-panel").waitFor({ state: "visible" });
    assert.equal(await page.locator(".lc-title").textContent(), "Acme support");
    await page.locator(".lc-greet").getByText("Hi! Ask us anything.").waitFor();
    // Focus lands in the composer.
    await until(() => page.evaluate(() => document.querySelector("livechat-widget").shadowRoot.activeElement?.className === "lc-input"), "composer focus");

    await page.locator(".lc-input").pressSequentially("Hello, I need help");
    await page.locator(".lc-input").press("Shift+Enter");
    await page.locator(".lc-input").pressSequentially("with my order");
    await page.locator(".lc-input").press("Enter");
    await until(() => fake.transcript().some(([, t]) => t === "Hello, I need help\nwith my order"), "message stored");
    await bubbles(page, "me").filter({ hasText: "with my order" }).waitFor();
    assert.equal(await page.locator(".lc-input").inputValue(), "");
    const cust = fake.customers().at(-1);

    // Once a conversation exists, agents see the visitor typing.
    await page.locator(".lc-input").pressSequentially("One more", { delay: 5 });
    await until(() => cust.typing === true, "visitor typing sent to agents");
    await page.locator(".lc-input").press("Enter");
    await until(() => cust.typing === false, "typing cleared on send");

    fake.agent.typing(true);
    await page.locator(".lc-typing").getByText("Lan is typing…").waitFor();
    fake.agent.send('<img src=x onerror="window.__pwned=1"><b>bold</b> see https://example.com/help.');
    const agentBubble = bubbles(page, "agent").first();
    await agentBubble.waitFor();
    assert.equal(await agentBubble.textContent(), '<img src=x onerror="window.__pwned=1"><b>bold</b> see https://example.com/help.');
    assert.equal(await agentBubble.locator("img, b").count(), 0);
    assert.equal(await agentBubble.locator("a").getAttribute("href"), "https://example.com/help");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator(".lc-agent .lc-name").first().textContent(), "Lan");
    await page.locator(".lc-sys").getByText("Lan joined the conversation").waitFor();
    assert.ok(await page.locator(".lc-typing").isHidden(), "typing indicator cleared by the message");
    assert.deepEqual(seen.csp, []);
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("a reload keeps the conversation; unread badge while closed; other tabs follow", async () => {
    const { page, ctx, url } = await visit("/reload");
    await launcher(page).click();
    await send(page, "first message");
    await bubbles(page, "me").filter({ hasText: "first message" }).waitFor();
    const cust = fake.customers().at(-1);

    await page.reload();
    await launcher(page).waitFor({ state: "visible" });
    // With a conversation the chat part loads at once, so the badge is live.
    await until(() => fake.streams() > 0, "stream after reload");
    fake.agent.send("reply while closed", cust);
    await page.locator(".lc-badge").getByText("1").waitFor();
    assert.match(await launcher(page).getAttribute("aria-label"), /1 unread/);
    const unreadEvents = await page.evaluate(() => new Promise((r) => {
      window.LiveChat.on("unread", (n) => r(n));
      window.LiveChat.open();
    }));
    assert.equal(unreadEvents, 0);
    await bubbles(page, "me").filter({ hasText: "first message" }).waitFor();
    await bubbles(page, "agent").filter({ hasText: "reply while closed" }).waitFor();
    assert.ok(await page.locator(".lc-badge").isHidden());

    const tab2 = await ctx.newPage();
    await tab2.goto(url);
    await launcher(tab2).click();
    await bubbles(tab2, "agent").filter({ hasText: "reply while closed" }).waitFor();
    await send(tab2, "from the second tab");
    await bubbles(page, "me").filter({ hasText: "from the second tab" }).waitFor();
    assert.equal(fake.customers().filter((c) => c.conv).at(-1), cust, "same visitor in both tabs");
    await ctx.close();
  });

  test("offline and back: queued messages go out once, missed ones arrive once", async () => {
    const { page, ctx } = await visit("/offline");
    await launcher(page).click();
    await send(page, "before offline");
    await bubbles(page, "me").filter({ hasText: "before offline" }).waitFor();
    const cust = fake.customers().at(-1);

    await ctx.setOffline(true);
    fake.agent.send("missed 1", cust);
    fake.agent.send("missed 2", cust);
    await send(page, "typed offline");
    await page.locator(".lc-pending .lc-meta").getByText(/Waiting for connection|Sending/).waitFor();
    await page.locator(".lc-banner").getByText("Reconnecting…").waitFor();
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(":outbox")));
    assert.equal(stored.length, 1, "the queue is persisted");

    await ctx.setOffline(false);
    await bubbles(page, "me").filter({ hasText: "typed offline" }).waitFor({ timeout: 15000 });
    await bubbles(page, "agent").filter({ hasText: "missed 2" }).waitFor({ timeout: 15000 });
    await page.waitForTimeout(500);
    const texts = await page.locator(".lc-msg .lc-bubble").allTextContents();
    for (const t of ["before offline", "missed 1", "missed 2", "typed offline"]) {
      assert.equal(texts.filter((x) => x === t).length, 1, `"${t}" shown once: ${JSON.stringify(texts)}`);
    }
    assert.equal(fake.transcript(cust).filter(([, t]) => t === "typed offline").length, 1, "stored once");
    await page.locator(".lc-banner").waitFor({ state: "hidden" });
    await ctx.close();
  });

  test("a queued message survives a reload while the server is down", async () => {
    const { page, ctx } = await visit("/queue");
    await launcher(page).click();
    await send(page, "hello");
    await bubbles(page, "me").filter({ hasText: "hello" }).waitFor();
    const cust = fake.customers().at(-1);
    fake.unavailableFor(2500);
    await send(page, "sent while the server restarts");
    await page.reload();
    await launcher(page).click();
    await bubbles(page, "me").filter({ hasText: "sent while the server restarts" }).waitFor({ timeout: 15000 });
    assert.equal(fake.transcript(cust).filter(([, t]) => t === "sent while the server restarts").length, 1);
    await ctx.close();
  });

  test("stream ends resume from the cursor; an expired cursor reloads", async () => {
    const { page, ctx } = await visit("/resume");
    await launcher(page).click();
    await send(page, "start");
    await bubbles(page, "me").filter({ hasText: "start" }).waitFor();
    const cust = fake.customers().at(-1);
    await until(() => fake.streams() > 0, "stream");

    fake.endStreams(); // UNAVAILABLE: reconnect with the cursor
    fake.agent.send("during reconnect", cust);
    await bubbles(page, "agent").filter({ hasText: "during reconnect" }).waitFor({ timeout: 10000 });

    await until(() => fake.streams() > 0, "stream again");
    fake.expireCursors();
    fake.endStreams();
    fake.agent.send("after expiry", cust);
    await bubbles(page, "agent").filter({ hasText: "after expiry" }).waitFor({ timeout: 10000 });
    const texts = await page.locator(".lc-msg .lc-bubble").allTextContents();
    assert.deepEqual(texts, ["start", "during reconnect", "after expiry"]);
    await ctx.close();
  });

  test("without a working stream, messages still arrive by polling", async () => {
    const { page, ctx } = await visit("/poll");
    await launcher(page).click();
    await send(page, "is anyone there?");
    await bubbles(page, "me").filter({ hasText: "is anyone there?" }).waitFor();
    const cust = fake.customers().at(-1);
    fake.refuseStreams(true);
    try {
      fake.endStreams();
      fake.agent.send("answer without a stream", cust);
      await bubbles(page, "agent").filter({ hasText: "answer without a stream" }).waitFor({ timeout: 15000 });
    } finally {
      fake.refuseStreams(false);
    }
    await ctx.close();
  });

  test("resolved conversations show a system line and reopen on the next message", async () => {
    const { page, ctx } = await visit("/resolve");
    await launcher(page).click();
    await send(page, "question");
    await bubbles(page, "me").filter({ hasText: "question" }).waitFor();
    const cust = fake.customers().at(-1);
    fake.agent.send("answer", cust);
    fake.agent.read(cust);
    await page.locator(".lc-me .lc-meta").getByText(/Seen/).waitFor();
    fake.agent.resolve(cust);
    await page.locator(".lc-sys").getByText("Conversation resolved").waitFor();
    await send(page, "one more thing");
    await page.locator(".lc-sys").getByText("Conversation reopened").waitFor();
    assert.equal(fake.transcript(cust).at(-1)[1], "one more thing");
    await ctx.close();
  });

  test("keyboard: Esc closes and returns focus; Tab stays in the panel", async () => {
    const { page, ctx } = await visit("/keys");
    await launcher(page).focus();
    await page.keyboard.press("Enter");
    await page.locator(".lc-panel").waitFor({ state: "visible" });
    await page.locator(".lc-input").waitFor();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press("Tab");
      const inside = await page.evaluate(() => {
        const root = document.querySelector("livechat-widget").shadowRoot;
        return root.querySelector(".lc-panel").contains(root.activeElement);
      });
      assert.ok(inside, `focus stays in the panel after ${i + 1} Tab`);
    }
    await page.keyboard.press("Escape");
    await page.locator(".lc-panel").waitFor({ state: "hidden" });
    assert.equal(await launcher(page).getAttribute("aria-expanded"), "false");
    assert.ok(await page.evaluate(() => document.querySelector("livechat-widget").shadowRoot.activeElement?.classList.contains("lc-launcher")));
    await ctx.close();
  });

  test("full screen on a phone, with 16px inputs", async () => {
    const { page, ctx } = await visit("/phone", { viewport: { width: 375, height: 700 } });
    await launcher(page).click();
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
    assert.equal(await page.locator(".lc-status").textContent(), "Chúng tôi đang trực tuyến");
    await ctx.close();

    const viCtx = await browser.newContext({ locale: "vi-VN" });
    const p2 = await visit("/vi2", {}, viCtx);
    await launcher(p2.page).click();
    await p2.page.locator(".lc-input").waitFor();
    assert.equal(await p2.page.locator(".lc-send").getAttribute("aria-label"), "Gửi");
    await viCtx.close();
  });

  test("offline mode shows the offline message and collects an email", async () => {
    fake.agent.setOnline(false);
    try {
      const { page, ctx } = await visit("/away");
      await launcher(page).click();
      await page.locator(".lc-greet").getByText("We are away; leave a message.").waitFor();
      assert.equal(await page.locator(".lc-status").textContent(), "We're away right now");
      await page.locator(".lc-form input[type=email]").fill("not-an-email");
      await page.locator(".lc-form button[type=submit]").click();
      await page.locator(".lc-err").getByText("Please enter a valid email address.").waitFor();
      await page.locator(".lc-form input[type=email]").fill("visitor@example.com");
      await page.locator(".lc-form button[type=submit]").click();
      await page.getByText("Thanks! We will reply to visitor@example.com.").waitFor();
      assert.ok(fake.customers().some((c) => c.email === "visitor@example.com"));
      // Agents coming online is reflected live.
      fake.agent.setOnline(true);
      await page.locator(".lc-status").getByText("We're online").waitFor();
      await ctx.close();
    } finally {
      fake.agent.setOnline(true);
    }
  });

  test("pre-chat form before the first message", async () => {
    fake.state.prechat = {
      enabled: true,
      fields: [
        { key: "name", label: "Your name", type: 1, required: true },
        { key: "order", label: "Order number", type: 4, required: false },
      ],
    };
    try {
      const { page, ctx } = await visit("/prechat");
      await launcher(page).click();
      await page.getByLabel("Your name *").waitFor();
      assert.ok(await page.locator(".lc-composer").isHidden());
      await page.locator(".lc-prechat button[type=submit]").click();
      await page.getByText("Please fill in this field.").waitFor();
      await page.getByLabel("Your name *").fill("Minh");
      await page.getByLabel("Order number").fill("A-42");
      await page.locator(".lc-prechat button[type=submit]").click();
      await page.locator(".lc-composer").waitFor({ state: "visible" });
      await send(page, "hi after the form");
      await until(() => fake.transcript().some(([, t]) => t === "hi after the form"), "message after pre-chat");
      await ctx.close();
    } finally {
      fake.state.prechat = { enabled: false, fields: [] };
    }
  });

  test("dashboard preview renders unsaved settings, opens, and calls no server", async () => {
    const before = fake.calls.length;
    const preview = {
      appearance: { primaryColor: "#ff0000", position: "WIDGET_POSITION_BOTTOM_LEFT", title: "Preview title", greeting: "Preview greeting", launcherLabel: "Talk", locale: "WIDGET_LOCALE_VI" },
      prechat: { enabled: false },
      offline: { message: "Off", collectEmail: false },
    };
    const { page, ctx, seen } = await visit("/preview", { config: { preview } });
    await page.locator(".lc-panel").waitFor({ state: "visible" });
    assert.equal(await page.locator(".lc-title").textContent(), "Preview title");
    await page.locator(".lc-greet").getByText("Preview greeting").waitFor();
    assert.equal(await page.locator(".lc-input").getAttribute("placeholder"), "Nhập tin nhắn…");
    const lb = await launcher(page).boundingBox();
    assert.ok(lb.x < 100, "bottom-left");
    assert.equal(await launcher(page).evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(255, 0, 0)");
    await send(page, "local only");
    await bubbles(page, "me").filter({ hasText: "local only" }).waitFor();
    await page.evaluate(() => window.LiveChat.updatePreview({ appearance: { title: "Changed", primaryColor: "#00ff00" }, agentsOnline: false, offline: { message: "Away now" } }));
    await page.locator(".lc-title").getByText("Changed").waitFor();
    await page.locator(".lc-greet").getByText("Away now").waitFor();
    assert.equal(fake.calls.length, before, "no RPC calls");
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("shutdown forgets the visitor; identify starts a verified session", async () => {
    const { page, ctx } = await visit("/shutdown");
    await launcher(page).click();
    await send(page, "anonymous message");
    await bubbles(page, "me").filter({ hasText: "anonymous message" }).waitFor();
    await page.evaluate(() => window.LiveChat.shutdown());
    assert.equal(await page.evaluate(() => Object.keys(localStorage).filter((k) => /:(token|outbox|read)$/.test(k)).length), 0);
    await page.evaluate(() => window.LiveChat.open());
    assert.equal(await page.locator(".lc-msg").count(), 0);
    const n = fake.customers().length;
    await page.evaluate(() => window.LiveChat.identify({ userId: "u-77", hmac: "abc", name: "Hoa", email: "hoa@example.com" }));
    await until(() => fake.customers().length > n && fake.customers().at(-1).userId === "u-77", "verified session");
    await ctx.close();
  });

  test("blocked storage: the widget keeps the visitor in memory and still works", async () => {
    const ctx = await browser.newContext();
    await ctx.addInitScript(() => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new DOMException("The operation is insecure.", "SecurityError");
        },
      });
    });
    const { page, seen } = await visit("/nostorage", {}, ctx);
    await launcher(page).click();
    await send(page, "no storage here");
    await bubbles(page, "me").filter({ hasText: "no storage here" }).waitFor();
    fake.agent.send("still answered");
    await bubbles(page, "agent").filter({ hasText: "still answered" }).waitFor();
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });

  test("an origin the widget does not allow gets a clear console error and no UI", async () => {
    const other = await startHostSite();
    try {
      const { html, headers } = embedPage({ server: fake.url, config: { siteKey: fake.siteKey } });
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      const seen = watch(page);
      await page.goto(other.page("/", html, headers));
      await until(() => seen.errors.some((e) => e.includes("LiveChat:")), "console error");
      const msg = seen.errors.find((e) => e.includes("LiveChat:"));
      assert.match(msg, /allowed origins/);
      assert.match(msg, new RegExp(other.origin.replace(/[.:/]/g, "\\$&")));
      await page.waitForTimeout(300);
      assert.equal(await page.locator(".lc-launcher").isVisible(), false);
      await ctx.close();
    } finally {
      await other.close();
    }
  });
});
