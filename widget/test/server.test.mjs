// Browser tests of a visitor's conversation against the real livechat
// server: the visitor on a host site of another origin (strict CSP, hostile
// CSS), the agent in the real dashboard in a second browser context (or,
// where only the visitor's side is under test, through the API), and the
// network faults a widget meets — cut streams, unknown cursors, no stream at
// all, an API that is down, a server restart — made by a proxy in front of
// the server or by the server itself. Run after `npm run build`; the server
// binary is $LIVECHAT_BIN or built from this tree.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { startProxy } from "./lib/proxy.mjs";
import { ADMIN, agentStream } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

describe("a visitor's conversation (real server)", { timeout: 180000 }, () => {
  let s, env, proxy;
  /** The agent's signed-in dashboard, once the offline test opened it. */
  let dash;

  before(async () => {
    s = await startSuite();
    env = s.env;
    proxy = await startProxy(s.server.url);
  });
  after(async () => {
    await proxy?.close();
    await s?.close();
  });

  const visit = (...a) => s.visit(...a);
  const launcher = (p) => s.launcher(p);
  const bubbles = (p, w) => s.bubbles(p, w);
  const send = (p, t) => s.send(p, t);
  const agentSend = (c, t) => s.agentSend(c, t);
  const conversationWith = (t) => s.conversationWith(t);

  /** Signs the admin in to the real dashboard in a browser context of its own. */
  async function signInToDashboard() {
    const ctx = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    ctx.setDefaultTimeout(15000);
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(s.server.url);
    await page.waitForURL("**/login");
    await page.getByLabel("Username").fill(ADMIN.username);
    await page.getByLabel("Password").fill(ADMIN.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/inbox/waiting");
    return { page, ctx, errors };
  }

  test("with no agent at the dashboard: the offline message, an email for later; an agent signing in comes online live", async () => {
    // An API token's stream is not an agent at work: it does not count.
    const apiStream = agentStream(env.conversations);
    try {
      await until(() => apiStream.error || apiStream.events.some((e) => e.kind.case === "ready"), "the API stream");
      if (apiStream.error) throw apiStream.error;
      const { config } = await env.widgets.getWidgetConfig({ siteKey: env.siteKey });
      assert.equal(config.agentsOnline, false, "an API token's stream makes no agent present");

      const { page, ctx, seen } = await visit("/away");
      await launcher(page).click();
      await page.locator(".lc-greet").getByText("We are away; leave a message.").waitFor();
      assert.equal(await page.locator(".lc-status").textContent(), "We're away right now");
      const email = page.locator(".lc-intro input[type=email]");
      await email.fill("not-an-email");
      await page.locator(".lc-intro button[type=submit]").click();
      await page.locator(".lc-err").getByText("Please enter a valid email address.").waitFor();
      await email.fill("visitor@example.com");
      await page.locator(".lc-intro button[type=submit]").click();
      await page.getByText("Thanks! We will reply to visitor@example.com.").waitFor();
      await send(page, "Are you there?");
      const conv = await conversationWith("Are you there?");
      const { customer } = await env.conversations.getConversation({ conversationId: conv.id });
      assert.equal(customer.email, "visitor@example.com", "the email is on the customer's record");

      // The agent opens the dashboard: the visitor sees them come online.
      dash = await signInToDashboard();
      await page.locator(".lc-status").getByText("We're online").waitFor();
      await page.locator(".lc-greet").getByText("Hi! Ask us anything.").waitFor();
      assert.deepEqual(seen.errors, []);
      await ctx.close();
    } finally {
      await apiStream.stop();
    }
  });

  test("a visitor chats with an agent working in the dashboard", async () => {
    assert.ok(dash, "the dashboard is open");
    const agent = dash.page;
    await agent.goto(s.server.url + "/inbox/waiting");
    const { page, ctx, seen } = await visit("/chat");
    await launcher(page).waitFor({ state: "visible" });
    assert.equal(await launcher(page).evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(15, 118, 110)");
    assert.equal(await page.locator(".lc-label").textContent(), "Chat with Acme");
    await launcher(page).click();
    // The agent online when the widget loaded is named.
    await page.locator(".lc-status").getByText("Lan is here").waitFor();

    // The visitor writes; the conversation appears live in the agent's inbox.
    await send(page, "Hello from the shop page");
    await bubbles(page, "me").filter({ hasText: "Hello from the shop page" }).waitFor();
    const item = agent.getByTestId("conversation-item").filter({ hasText: "Hello from the shop page" });
    await item.waitFor();
    await item.click();
    await agent.getByTestId("customer-message").filter({ hasText: "Hello from the shop page" }).waitFor();

    await agent.getByTestId("claim").click();
    await page.locator(".lc-sys").getByText("Lan joined the conversation").waitFor();

    // The agent types: the visitor sees it; then the reply arrives live, as text.
    const composer = agent.getByTestId("composer");
    await composer.pressSequentially("Let me check", { delay: 20 });
    await page.locator(".lc-typing").getByText("Lan is typing…").waitFor();
    await composer.fill('<img src=x onerror="window.__pwned=1"><b>Hi</b>, see https://example.com/faq.');
    await composer.press("Enter");
    const reply = bubbles(page, "agent").first();
    await reply.waitFor();
    assert.equal(await reply.textContent(), '<img src=x onerror="window.__pwned=1"><b>Hi</b>, see https://example.com/faq.');
    assert.equal(await reply.locator("img, b").count(), 0);
    assert.equal(await reply.locator("a").getAttribute("href"), "https://example.com/faq");
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.equal(await page.locator(".lc-agent .lc-name").first().textContent(), "Lan");
    await page.locator(".lc-typing").waitFor({ state: "hidden" });

    // The visitor types: the agent sees it.
    await page.locator(".lc-input").pressSequentially("Thanks, and", { delay: 20 });
    await agent.getByTestId("typing-indicator").filter({ hasText: "is typing" }).waitFor();
    await page.locator(".lc-input").pressSequentially(" one more thing");
    await page.locator(".lc-input").press("Enter");
    await agent.getByTestId("customer-message").filter({ hasText: "Thanks, and one more thing" }).waitFor();

    // The agent resolves: the visitor sees the system line; writing again reopens.
    await agent.getByTestId("resolve").click();
    await page.locator(".lc-sys").getByText("Conversation resolved").waitFor();
    await send(page, "Actually, a last question");
    await page.locator(".lc-sys").getByText("Conversation reopened").waitFor();
    await agent.getByTestId("conversation-status").filter({ hasText: "Waiting" }).waitFor();
    await agent.getByTestId("customer-message").filter({ hasText: "Actually, a last question" }).waitFor();

    assert.deepEqual(seen.csp, [], "no CSP violations");
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(dash.errors, []);
    await ctx.close();
  });

  test("the visitor's messages reach the server once and survive a reload", async () => {
    const { page, ctx, seen } = await visit("/basic");
    await launcher(page).click();
    await send(page, "First visitor message");
    await bubbles(page, "me").filter({ hasText: "First visitor message" }).waitFor();
    await send(page, "Second visitor message");
    await bubbles(page, "me").filter({ hasText: "Second visitor message" }).waitFor();
    const conv = await conversationWith("First visitor message");
    assert.deepEqual(await s.customerTexts(conv.id), ["First visitor message", "Second visitor message"]);

    await page.reload();
    await launcher(page).click();
    await bubbles(page, "me").filter({ hasText: "Second visitor message" }).waitFor();
    assert.deepEqual(await bubbles(page, "me").allTextContents(), ["First visitor message", "Second visitor message"]);
    assert.deepEqual(seen.csp, [], "no CSP violations");
    await ctx.close();
  });

  test('"Seen" appears under the visitor\'s last message once an agent has read it', async () => {
    const { page, ctx } = await visit("/seen");
    await launcher(page).click();
    await send(page, "Did you get my order number?");
    await bubbles(page, "me").filter({ hasText: "Did you get my order number?" }).waitFor();
    const conv = await conversationWith("Did you get my order number?");
    const meta = page.locator(".lc-msg.lc-me:not(.lc-pending) .lc-meta").last();
    assert.doesNotMatch((await meta.textContent()) ?? "", /Seen/);
    await env.conversations.markRead({ conversationId: conv.id });
    await meta.filter({ hasText: "Seen" }).waitFor();
    await ctx.close();
  });

  test("a reload keeps the conversation; the badge and on(\"unread\") count replies; another tab follows", async () => {
    const { page, ctx, url } = await visit("/reload");
    await launcher(page).click();
    await send(page, "Reload test message");
    const conv = await conversationWith("Reload test message");
    await bubbles(page, "me").filter({ hasText: "Reload test message" }).waitFor();

    await page.reload();
    await launcher(page).waitFor({ state: "visible" });
    await page.evaluate(() => {
      window.unreadSeen = [];
      window.LiveChat.on("unread", (n) => window.unreadSeen.push(n));
    });
    await agentSend(conv.id, "Answer while the panel is closed");
    await page.locator(".lc-badge").getByText("1").waitFor();
    assert.match(await launcher(page).getAttribute("aria-label"), /\(1 unread message\)$/);
    await agentSend(conv.id, "And a second one");
    await page.locator(".lc-badge").getByText("2").waitFor();
    assert.match(await launcher(page).getAttribute("aria-label"), /\(2 unread messages\)$/);
    await page.evaluate(() => window.LiveChat.open());
    await bubbles(page, "agent").filter({ hasText: "And a second one" }).waitFor();
    await page.locator(".lc-badge").waitFor({ state: "hidden" });
    assert.deepEqual(await page.evaluate(() => window.unreadSeen), [1, 2, 0]);

    // A second tab of the site is the same visitor, and each tab follows the other.
    const tab2 = await ctx.newPage();
    await tab2.goto(url);
    await launcher(tab2).click();
    await bubbles(tab2, "agent").filter({ hasText: "And a second one" }).waitFor();
    await send(tab2, "From the second tab");
    await bubbles(page, "me").filter({ hasText: "From the second tab" }).waitFor();
    assert.equal((await conversationWith("From the second tab")).id, conv.id, "the same conversation");
    // Read in one tab is read in all; unread in all while no tab shows it.
    await agentSend(conv.id, "Read in the second tab");
    await bubbles(page, "agent").filter({ hasText: "Read in the second tab" }).waitFor();
    await page.evaluate(() => window.LiveChat.close());
    await tab2.evaluate(() => window.LiveChat.close());
    await agentSend(conv.id, "Unread in both tabs");
    await tab2.locator(".lc-badge").getByText("1").waitFor();
    await until(() => page.evaluate(() => window.unreadSeen.at(-1) === 1), "an unread event in the first tab");
    await page.locator(".lc-badge").getByText("1").waitFor();
    await ctx.close();
  });

  test("offline and back: nothing lost, nothing doubled", async () => {
    const { page, ctx } = await visit("/offline");
    await launcher(page).click();
    await send(page, "Before going offline");
    const conv = await conversationWith("Before going offline");
    await bubbles(page, "me").filter({ hasText: "Before going offline" }).waitFor();

    await ctx.setOffline(true);
    await agentSend(conv.id, "Agent wrote while you were offline");
    await agentSend(conv.id, "And once more");
    await send(page, "Visitor wrote while offline");
    await page.locator(".lc-pending").first().waitFor();
    await page.locator(".lc-banner").getByText("Reconnecting…").waitFor();
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.endsWith(":outbox")));
    assert.equal(stored.length, 1, "the queue is persisted");
    await ctx.setOffline(false);

    await bubbles(page, "agent").filter({ hasText: "And once more" }).waitFor({ timeout: 20000 });
    await bubbles(page, "me").filter({ hasText: "Visitor wrote while offline" }).waitFor({ timeout: 20000 });
    await page.locator(".lc-banner").waitFor({ state: "hidden" });
    const texts = await page.locator(".lc-msg .lc-bubble").allTextContents();
    for (const x of ["Before going offline", "Agent wrote while you were offline", "And once more", "Visitor wrote while offline"]) {
      assert.equal(texts.filter((y) => y === x).length, 1, `"${x}" once in ${JSON.stringify(texts)}`);
    }
    assert.deepEqual(await s.customerTexts(conv.id), ["Before going offline", "Visitor wrote while offline"]);
    await ctx.close();
  });

  test("through a proxy that breaks streams: resumed from the cursor, reloaded after an unknown cursor, polled without a stream", async () => {
    const { page, ctx } = await visit("/proxied", { via: proxy.url });
    await launcher(page).click();
    await send(page, "Start");
    const conv = await conversationWith("Start");
    await agentSend(conv.id, "First reply");
    await bubbles(page, "agent").filter({ hasText: "First reply" }).waitFor();
    assert.ok(proxy.streams() > 0, "the stream goes through the proxy");

    // A cut stream resumes from the last event's cursor.
    let n = proxy.subscribes.length;
    proxy.cutStreams();
    await agentSend(conv.id, "During the reconnect");
    await bubbles(page, "agent").filter({ hasText: "During the reconnect" }).waitFor();
    await until(() => proxy.subscribes.length > n, "a new stream");
    assert.notEqual(proxy.subscribes[n], "", "resumed with a cursor");

    // A cursor the server does not know (expired): the widget reloads the
    // messages and follows live events from then on.
    await until(() => proxy.streams() > 0, "the stream again");
    n = proxy.subscribes.length;
    proxy.replaceNextCursor("1.zzzzzz");
    proxy.cutStreams();
    await until(() => proxy.subscribes.length > n + 1, "a stream after the unknown cursor");
    assert.deepEqual(proxy.subscribes.slice(n, n + 2), ["1.zzzzzz", ""], "a fresh stream after FAILED_PRECONDITION");
    await agentSend(conv.id, "After the reload");
    await bubbles(page, "agent").filter({ hasText: "After the reload" }).waitFor();

    // No stream can be held at all: messages still arrive, by polling.
    proxy.refuseStreams(true);
    try {
      proxy.cutStreams();
      await page.locator(".lc-banner").getByText("Reconnecting…").waitFor();
      await agentSend(conv.id, "Answer without a stream");
      await bubbles(page, "agent").filter({ hasText: "Answer without a stream" }).waitFor({ timeout: 15000 });
    } finally {
      proxy.refuseStreams(false);
    }
    const texts = await page.locator(".lc-msg .lc-bubble").allTextContents();
    assert.deepEqual(texts, ["Start", "First reply", "During the reconnect", "After the reload", "Answer without a stream"]);
    await ctx.close();
  });

  test("a message queued while the API is down survives a reload and goes out once", async () => {
    const { page, ctx } = await visit("/queued", { via: proxy.url });
    await launcher(page).click();
    await send(page, "Hello before the outage");
    await bubbles(page, "me").filter({ hasText: "Hello before the outage" }).waitFor();
    const conv = await conversationWith("Hello before the outage");

    proxy.apiDown(true);
    try {
      await send(page, "Sent while the server is down");
      await page.locator(".lc-pending .lc-meta").getByText("Waiting for connection…").waitFor({ timeout: 15000 });
      await page.reload();
      await launcher(page).click();
      await page.locator(".lc-pending .lc-bubble").getByText("Sent while the server is down").waitFor();
    } finally {
      proxy.apiDown(false);
    }
    await bubbles(page, "me").filter({ hasText: "Sent while the server is down" }).waitFor({ timeout: 20000 });
    assert.deepEqual(await s.customerTexts(conv.id), ["Hello before the outage", "Sent while the server is down"]);
    await ctx.close();
  });

  test("the server restarts: a message written meanwhile goes out once and the stream resumes", async () => {
    const { page, ctx } = await visit("/restart");
    await launcher(page).click();
    await send(page, "Before the restart");
    const conv = await conversationWith("Before the restart");
    await bubbles(page, "me").filter({ hasText: "Before the restart" }).waitFor();

    await s.server.halt();
    await send(page, "During the restart");
    await page.locator(".lc-pending").first().waitFor();
    await s.server.start();
    await bubbles(page, "me").filter({ hasText: "During the restart" }).waitFor({ timeout: 30000 });
    await agentSend(conv.id, "Back after the restart");
    await bubbles(page, "agent").filter({ hasText: "Back after the restart" }).waitFor({ timeout: 30000 });
    assert.deepEqual(await s.customerTexts(conv.id), ["Before the restart", "During the restart"]);
    await ctx.close();
  });

  test("the pre-chat form, in Vietnamese: answers reach the customer's record; refusals are translated", async () => {
    const { siteKey } = await env.createWidget({
      name: "Pre-chat",
      prechat: {
        enabled: true,
        fields: [
          { key: "name", label: "Your name", type: env.api.PrechatFieldType.NAME, required: true },
          { key: "email", label: "Email address", type: env.api.PrechatFieldType.EMAIL, required: false },
          { key: "order", label: "Order number", type: env.api.PrechatFieldType.TEXT, required: false },
        ],
      },
    });
    const context = await s.browser.newContext({ locale: "vi-VN", viewport: { width: 1280, height: 800 } });
    const { page, seen } = await visit("/prechat", { siteKey, context });
    await launcher(page).click();
    await page.getByLabel("Your name *").waitFor();
    assert.ok(await page.locator(".lc-composer").isHidden(), "no composer before the form");
    await page.locator(".lc-prechat button[type=submit]").click();
    await page.locator(".lc-err").getByText("Vui lòng điền thông tin này.").waitFor();

    await page.getByLabel("Your name *").fill("Minh");
    // Looks like an address to the browser, not to the server.
    await page.getByLabel("Email address").fill("minh..le@example.com");
    await page.getByLabel("Order number").fill("A-42");
    await page.locator(".lc-prechat button[type=submit]").click();
    const emailErr = page.locator(".lc-field", { has: page.getByLabel("Email address") }).locator(".lc-err");
    await emailErr.getByText("Vui lòng nhập địa chỉ email hợp lệ.").waitFor();
    assert.equal(await page.getByLabel("Email address").getAttribute("aria-invalid"), "true");
    assert.doesNotMatch(await page.locator(".lc-panel").innerText(), /invalid_argument|not a valid|\[/);

    await page.getByLabel("Email address").fill("minh@example.com");
    await page.locator(".lc-prechat button[type=submit]").click();
    await page.locator(".lc-composer").waitFor({ state: "visible" });
    await send(page, "Xin chào");
    const conv = await conversationWith("Xin chào");
    const { customer } = await env.conversations.getConversation({ conversationId: conv.id });
    assert.equal(customer.name, "Minh");
    assert.equal(customer.email, "minh@example.com");
    assert.equal(customer.attributes.order, "A-42");

    // A message the server refuses says why, in the visitor's language.
    await page.locator(".lc-input").evaluate((el) => {
      el.value = "chuông \u0007 reo";
    });
    await page.locator(".lc-input").press("Enter");
    const failed = page.locator(".lc-failed .lc-meta");
    await failed.getByText("Chưa gửi được: Tin nhắn chứa ký tự không gửi được.", { exact: false }).waitFor();
    assert.doesNotMatch(await failed.innerText(), /invalid_argument|control character|\[/);
    assert.deepEqual(seen.errors.filter((e) => e.startsWith("LiveChat")), []);
    await context.close();
  });

  test("identify links the visitor to the site's user; shutdown forgets them, even before the chat has loaded", async () => {
    const { page, ctx, url } = await visit("/identify");
    await launcher(page).waitFor({ state: "visible" });
    const hmac = createHmac("sha256", env.identitySecret).update("user-42").digest("hex");
    await page.evaluate(
      (h) => window.LiveChat.identify({ userId: "user-42", hmac: h, name: "Hoa Nguyen", email: "hoa@example.com" }),
      hmac,
    );
    await launcher(page).click();
    await send(page, "Identified visitor message");
    const conv = await conversationWith("Identified visitor message");
    const { customer } = await env.conversations.getConversation({ conversationId: conv.id });
    assert.equal(customer.verifiedUserId, "user-42");
    assert.equal(customer.name, "Hoa Nguyen");
    const keys = () =>
      page.evaluate(() => Object.keys(localStorage).map((k) => k.split(":").at(-1)).sort());
    assert.ok((await keys()).includes("email"), "the customer's email is kept for the offline form");

    await page.evaluate(() => window.LiveChat.shutdown());
    assert.deepEqual(await keys(), ["cfg"], "only the widget's configuration stays");
    await page.evaluate(() => window.LiveChat.open());
    assert.equal(await page.locator(".lc-msg").count(), 0, "the old conversation is gone from the page");
    await send(page, "Anonymous after sign-out");
    const conv2 = await conversationWith("Anonymous after sign-out");
    assert.notEqual(conv2.customerId, conv.customerId, "a new visitor");

    // The site signs the user out on the next page, as soon as the widget is
    // there: the chat part has not loaded yet, and everything goes all the same.
    await page.evaluate(
      (h) => window.LiveChat.identify({ userId: "user-42", hmac: h, name: "Hoa Nguyen", email: "hoa@example.com" }),
      hmac,
    );
    await until(async () => (await keys()).includes("email"), "the identified visitor's email");
    // The page now shows the signed-in user's conversation, not the anonymous one.
    await bubbles(page, "me").filter({ hasText: "Identified visitor message" }).waitFor();
    assert.equal(await bubbles(page, "me").filter({ hasText: "Anonymous after sign-out" }).count(), 0);
    const signOut = await ctx.newPage();
    await signOut.addInitScript(() => {
      window.addEventListener("livechat:ready", () => {
        window.chatWasLoaded = performance.getEntriesByType("resource").some((e) => e.name.includes("/widget-assets/"));
        window.LiveChat.shutdown();
      });
    });
    await signOut.goto(url);
    await launcher(signOut).waitFor({ state: "visible" });
    assert.equal(await signOut.evaluate(() => window.chatWasLoaded), false);
    assert.deepEqual(await keys(), ["cfg"], "the email went too");
    await ctx.close();
  });
});
