// Browser tests of the agent dashboard against a real server: first-run
// setup, login, the widget editor and its live preview, a live conversation
// with a visitor from start to resolve (followed by a second tab), internal
// notes, typing, untrusted text, resuming after the server restarts or the
// network drops, keyboard use, search, tablets, the tab title, agents,
// transfer and close, API tokens, a page that fails to load, passwords and
// Vietnamese.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("agent dashboard", { timeout: 240_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor} */
  let visitor;
  /** @type {import("./visitor-client.ts").Visitor} */
  let visitor2;
  let siteKey = "";
  let widgetUrl = "";
  let conversationUrl = "";
  let conversation2Url = "";
  const dialogs = /** @type {string[]} */ ([]);
  const pageErrors = /** @type {string[]} */ ([]);

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    visitor?.close();
    visitor2?.close();
    await browser?.close();
    await server?.stop();
  });

  test("first run asks for the first admin and signs them in", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    await page.getByRole("navigation", { name: "Queues" }).waitFor();
  });

  test("signing out and in again", async () => {
    await page.getByTestId("status-menu").filter({ visible: true }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/inbox/waiting");
  });

  test("an admin creates a widget and gets its embed snippet", async () => {
    await page.getByRole("link", { name: "Widgets" }).click();
    await page.getByTestId("new-widget").click();
    await page.getByTestId("any-origin-warning").waitFor();
    await page.getByTestId("widget-name").fill("Shop");
    await page.getByTestId("widget-preview").waitFor();
    await page.getByTestId("save-widget").click();
    await page.getByTestId("identity-secret").waitFor();
    await page.getByRole("button", { name: "Done" }).click();
    const snippet = await page.getByTestId("embed-snippet").textContent();
    const match = /siteKey: "([^"]+)"/.exec(snippet ?? "");
    assert.ok(match, `no site key in the snippet: ${snippet}`);
    siteKey = match[1];
    assert.match(snippet ?? "", new RegExp(`<script async src="${server.url}/widget.js"></script>`));
    // The one-tag form for sites whose Content-Security-Policy blocks inline scripts.
    assert.equal(
      await page.getByTestId("embed-snippet-tag").textContent(),
      `<script async src="${server.url}/widget.js" data-site-key="${siteKey}"></script>`,
    );
    widgetUrl = page.url();
  });

  test("the live preview follows the editor without reloading, online and offline", async () => {
    const frame = page.frameLocator('[data-testid="widget-preview"]');
    const status = frame.locator(".lc-status");
    await status.filter({ hasText: "We're online" }).waitFor();
    // Typed into the preview: still there after the changes below, so the
    // frame was updated in place, not reloaded.
    await frame.locator("textarea").fill("still here");

    // The selects are reached through their labels.
    await page.getByLabel("Position", { exact: true }).click();
    await page.getByRole("option", { name: "Bottom left" }).click();
    await page.getByLabel("Widget language").click();
    await page.getByRole("option", { name: "Tiếng Việt" }).click();
    await page.getByLabel("Main colour").fill("#dc2626");

    await status.filter({ hasText: "Chúng tôi đang trực tuyến" }).waitFor();
    assert.equal(await frame.locator("textarea").getAttribute("placeholder"), "Nhập tin nhắn…");
    assert.equal(await frame.locator("textarea").inputValue(), "still here");

    await page.getByLabel("Preview as if no one is online").click();
    await status.filter({ hasText: "Hiện chúng tôi đang vắng mặt" }).waitFor();
    await frame.locator(".lc-greet").filter({ hasText: "We're away right now" }).waitFor();
    await frame.getByText("Hãy để lại email, chúng tôi sẽ trả lời qua email.").waitFor();

    // With the panel closed the launcher shows, on the left, in the new colour.
    // (The preview is laid out as a desktop window: the launcher shows while
    // the panel is open too, as its close button.) By keyboard: the frame is
    // scaled down, and Playwright aims its clicks inside a scaled frame
    // without the scale.
    await frame.locator(".lc-close").focus();
    await page.keyboard.press("Enter");
    await frame.locator(".lc-panel").waitFor({ state: "hidden" });
    const launcher = frame.locator(".lc-launcher");
    await launcher.waitFor();
    const box = await launcher.boundingBox();
    const frameBox = await page.getByTestId("widget-preview").boundingBox();
    assert.ok(box && frameBox, "no layout for the launcher or the frame");
    assert.ok(box.x + box.width / 2 < frameBox.x + frameBox.width / 2, `launcher not on the left: ${JSON.stringify({ box, frameBox })}`);
    assert.equal(await launcher.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(220, 38, 38)");
    assert.equal(await launcher.getAttribute("aria-label"), "Chat");
  });

  test("a widget that does not exist says so and leads back", async () => {
    await page.goto(`${server.url}/widgets/00000000-0000-4000-8000-000000000000`);
    await page.getByText("This widget doesn't exist").waitFor();
    await page.getByTestId("back-to-widgets").click();
    await page.waitForURL("**/widgets");
    await page.getByTestId("widgets-list").waitFor();
    await page.goto(`${server.url}/widgets/not-a-widget-id`);
    await page.getByText("This widget doesn't exist").waitFor();
  });

  test("a visitor's new conversation appears live in the inbox", async () => {
    await page.goto(`${server.url}/inbox/waiting`);
    await page.getByTestId("queue-count-waiting").filter({ hasText: "0" }).waitFor();
    visitor = await visitors.startVisitor(server.url, siteKey);
    await visitor.send("Hello, where is my order #1042?");
    const item = page.getByTestId("conversation-item").filter({ hasText: "where is my order" });
    await item.waitFor();
    await page.getByTestId("queue-count-waiting").filter({ hasText: "1" }).waitFor();
    await item.getByTestId("unread-badge").waitFor();
    await item.click();
    await page.getByTestId("customer-message").filter({ hasText: "where is my order #1042?" }).waitFor();
    conversationUrl = page.url();
    await page.getByTestId("customer-panel").waitFor();
    await page.screenshot({ path: join(artifactsDir, "inbox.png") });
  });

  test("claim, note and reply; the visitor receives the reply but never the note", async () => {
    await page.getByTestId("claim").click();
    await page.getByTestId("conversation-status").filter({ hasText: "Active" }).waitFor();
    await page.getByTestId("system-message").filter({ hasText: `${admin.name} claimed the conversation` }).waitFor();

    await page.getByTestId("mode-note").click();
    await page.getByTestId("composer").fill("Customer is a VIP, be quick");
    await page.keyboard.press("Enter");
    await page.getByTestId("note-message").filter({ hasText: "Customer is a VIP" }).waitFor();

    await page.getByTestId("mode-reply").click();
    const composer = page.getByTestId("composer");
    await composer.fill("Hi! Let me check that for you.");
    await composer.press("Shift+Enter");
    await composer.pressSequentially("One moment please.");
    await composer.press("Enter");
    await page.getByTestId("agent-message").filter({ hasText: "One moment please." }).waitFor();
    assert.equal(await composer.inputValue(), "");

    const reply = await visitor.waitForMessage((m) => m.text.includes("Let me check"));
    assert.equal(reply.text, "Hi! Let me check that for you.\nOne moment please.");
    assert.ok(!visitor.received().some((m) => m.text.includes("VIP")), "the visitor received an internal note");
  });

  test("the customer's typing shows, and their text is rendered as text", async () => {
    await visitor.typing(true);
    await page.getByTestId("typing-indicator").filter({ hasText: "is typing" }).waitFor();
    const attack = "<img src=x onerror=alert(1)>";
    await visitor.send(attack);
    await page.getByTestId("customer-message").filter({ hasText: attack }).waitFor();
    // Read out to screen readers as it arrives.
    await page.getByTestId("timeline-announcer").filter({ hasText: attack }).waitFor({ state: "attached" });
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    await page.screenshot({ path: join(artifactsDir, "conversation.png") });
  });

  test("a second tab follows a new message and the resolve live", async () => {
    const tab = await page.context().newPage();
    try {
      await tab.goto(conversationUrl);
      await tab.getByTestId("customer-message").filter({ hasText: "where is my order" }).waitFor();
      await visitor.send("Is this the right place?");
      await tab.getByTestId("customer-message").filter({ hasText: "Is this the right place?" }).waitFor();
      await page.getByTestId("customer-message").filter({ hasText: "Is this the right place?" }).waitFor();

      await page.getByTestId("resolve").click();
      await page.getByTestId("conversation-status").filter({ hasText: "Resolved" }).waitFor();
      await page.getByTestId("reopen").waitFor();
      await page.getByTestId("queue-count-resolved").filter({ hasText: "1" }).waitFor();
      await tab.getByTestId("conversation-status").filter({ hasText: "Resolved" }).waitFor();
      await tab.getByTestId("queue-count-resolved").filter({ hasText: "1" }).waitFor();
      assert.equal(await tab.getByTestId("customer-message").filter({ hasText: "Is this the right place?" }).count(), 1);
    } finally {
      await tab.close();
    }
  });

  test("after the server restarts the dashboard resumes without duplicates", async () => {
    const customerMessages = page.getByTestId("customer-message");
    const before = await customerMessages.count();
    await server.restart();
    // Written while the dashboard may still be reconnecting: it must arrive
    // through the resumed stream, exactly once.
    await visitor.send("Anyone there?");
    await customerMessages.filter({ hasText: "Anyone there?" }).waitFor({ timeout: 30_000 });
    await page.getByTestId("conversation-status").filter({ hasText: "Waiting" }).waitFor();
    await page.getByTestId("reconnecting").waitFor({ state: "hidden", timeout: 30_000 });
    await page.waitForTimeout(500);
    assert.equal(await customerMessages.count(), before + 1);
    assert.equal(await page.getByTestId("agent-message").filter({ hasText: "One moment please." }).count(), 1);
  });

  test("offline, the notice waits a few seconds; back online, nothing is lost or doubled", async () => {
    const context = page.context();
    const notice = page.getByTestId("reconnecting");
    const during = "Sent while you were offline";
    const wentOffline = Date.now();
    await context.setOffline(true);
    try {
      await page.waitForTimeout(1_500);
      assert.equal(await notice.isVisible(), false, "the notice showed before the grace period");
      await notice.waitFor({ timeout: 10_000 });
      const shownAfter = Date.now() - wentOffline;
      assert.ok(shownAfter >= 2_500, `the notice showed after ${shownAfter} ms`);
      await visitor.send(during);
      await page.waitForTimeout(300);
    } finally {
      await context.setOffline(false);
    }
    await notice.waitFor({ state: "hidden", timeout: 15_000 });
    const messages = page.getByTestId("customer-message").filter({ hasText: during });
    await messages.waitFor();
    await page.waitForTimeout(500);
    assert.equal(await messages.count(), 1);
  });

  test("keyboard: j and k, arrows in the list, c and r for the composer, ? for the list", async () => {
    visitor2 = await visitors.startVisitor(server.url, siteKey);
    await visitor2.send("Hi, a second customer here");
    await page.goto(`${server.url}/inbox/all`);
    const items = page.getByTestId("conversation-item");
    await items.filter({ hasText: "second customer" }).waitFor();
    assert.equal(await items.count(), 2);
    // Newest activity first: the second visitor's conversation, then the first one's.
    const [newest, older] = await Promise.all([0, 1].map((i) => items.nth(i).getAttribute("data-conversation-id")));
    conversation2Url = `${server.url}/inbox/all/${newest}`;

    await page.keyboard.press("j");
    await page.waitForURL(`**/inbox/all/${newest}`);
    await page.keyboard.press("j");
    await page.waitForURL(`**/inbox/all/${older}`);
    await page.keyboard.press("k");
    await page.waitForURL(`**/inbox/all/${newest}`);
    assert.equal(await page.locator('[aria-current="true"][data-testid="conversation-item"]').getAttribute("data-conversation-id"), newest);

    await items.nth(0).focus();
    await page.keyboard.press("ArrowDown");
    await page.waitForURL(`**/inbox/all/${older}`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-conversation-id")), older);
    await page.keyboard.press("ArrowUp");
    await page.waitForURL(`**/inbox/all/${newest}`);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-conversation-id")), newest);

    const composer = page.getByTestId("composer");
    await page.keyboard.press("c");
    await page.waitForFunction(() => document.activeElement?.id === "composer");
    await composer.press("Escape");
    assert.equal(await page.evaluate(() => document.activeElement?.id === "composer"), false);
    await page.keyboard.press("r");
    await page.waitForFunction(() => document.activeElement?.id === "composer");
    await composer.press("Escape");

    // Reply or note: one tab stop, arrows switch.
    const reply = page.getByTestId("mode-reply");
    const note = page.getByTestId("mode-note");
    assert.equal(await note.getAttribute("tabindex"), "-1");
    await reply.focus();
    await page.keyboard.press("ArrowRight");
    assert.equal(await note.getAttribute("aria-checked"), "true");
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "mode-note");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await reply.getAttribute("aria-checked"), "true");
    await reply.blur();

    await page.keyboard.press("?");
    const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await dialog.waitFor();
    const keys = await dialog.locator("kbd kbd").allTextContents();
    for (const key of ["j", "k", "↓", "↑", "/", "c", "r", "?"]) assert.ok(keys.includes(key), `${key} is not listed: ${keys}`);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  test("search finds a conversation by the text of its messages", async () => {
    await page.keyboard.press("/");
    const search = page.getByLabel("Search conversations");
    assert.equal(await search.evaluate((el) => el === document.activeElement), true);
    await search.fill("ORDER #1042");
    const items = page.getByTestId("conversation-item");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-item"]').length === 1);
    assert.equal(await items.first().getAttribute("data-conversation-id"), conversationUrl.split("/").pop());
    await search.fill("nothing says this");
    await page.getByText("No matches").waitFor();
    await search.press("Escape");
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="conversation-item"]').length === 2);
  });

  test("on a tablet the customer panel floats: focus moves in, Esc closes it back to its toggle", async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    try {
      await page.goto(`${server.url}/inbox/waiting`);
      await page.getByTestId("conversation-item").first().waitFor();
      await page.screenshot({ path: join(artifactsDir, "inbox-tablet.png") });
      await page.goto(conversation2Url);
      await page.getByTestId("customer-message").filter({ hasText: "second customer" }).waitFor();
      await page.getByTestId("customer-panel").waitFor({ state: "detached" });
      await page.screenshot({ path: join(artifactsDir, "conversation-tablet.png") });

      await page.getByTestId("customer-panel-toggle").click();
      await page.getByTestId("customer-panel").waitFor();
      await page.waitForFunction(() => document.getElementById("customer-panel")?.contains(document.activeElement));
      // Esc from anywhere in the view, here the composer.
      await page.getByTestId("composer").focus();
      await page.keyboard.press("Escape");
      await page.getByTestId("customer-panel").waitFor({ state: "detached" });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "customer-panel-toggle");
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test("a hidden tab counts new customer messages in its title", async () => {
    await page.getByTestId("customer-message").filter({ hasText: "second customer" }).waitFor();
    const title = await page.title();
    assert.doesNotMatch(title, /^\(/);
    // The agent switches to another tab.
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await visitor2.send("Hello? Anyone?");
    await page.waitForFunction(() => document.title.startsWith("(1) "));
    assert.equal(await page.title(), `(1) ${title}`);
    // And comes back.
    await page.evaluate(() => {
      // Removing the own properties set above uncovers the real ones.
      delete document.visibilityState;
      delete document.hidden;
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await page.waitForFunction((t) => document.title === t, title);
  });

  test("a failed status change is told, not swallowed", async () => {
    const route = "**/livechat.v1.AuthService/SetMyStatus";
    await page.route(route, (r) => r.abort());
    try {
      await page.getByTestId("status-menu").filter({ visible: true }).click();
      await page.getByRole("menuitemradio", { name: "Away" }).click();
      await page.getByTestId("toast").filter({ hasText: "Couldn't change your status" }).waitFor();
    } finally {
      await page.unroute(route);
    }
    assert.match((await page.getByTestId("status-menu").filter({ visible: true }).getAttribute("aria-label")) ?? "", /Online/);
    await page.getByRole("button", { name: "Dismiss" }).click();
    await page.getByTestId("toast").waitFor({ state: "detached" });
  });

  test("the agents screen: add an agent, change a role, see who is online", async () => {
    await page.getByRole("link", { name: "Agents" }).click();
    const me = page.locator('[data-testid="agent-row"][data-username="lan"]');
    await me.locator('[data-presence="online"]').waitFor();

    await page.getByTestId("add-agent").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Display name").fill("Minh Tran");
    await dialog.getByLabel("Username").fill("minh");
    await dialog.getByLabel("Initial password").fill("minh's first password");
    await dialog.getByLabel("Role").click();
    await page.getByRole("option", { name: "Agent" }).click();
    await dialog.getByRole("button", { name: "Add agent" }).click();
    await dialog.waitFor({ state: "detached" });

    const minh = page.locator('[data-testid="agent-row"][data-username="minh"]');
    await minh.waitFor();
    await minh.locator('[data-presence="offline"]').waitFor();
    const role = page.getByLabel("Role of Minh Tran");
    assert.equal((await role.textContent())?.trim(), "Agent");
    await role.click();
    await page.getByRole("option", { name: "Admin" }).click();
    await role.filter({ hasText: "Admin" }).waitFor();
    await page.reload();
    await page.getByLabel("Role of Minh Tran").filter({ hasText: "Admin" }).waitFor();
  });

  test("transfer to another agent, then close", async () => {
    await page.goto(conversationUrl);
    await page.getByTestId("customer-message").filter({ hasText: "where is my order" }).waitFor();
    await page.getByTestId("transfer").click();
    const dialog = page.getByRole("dialog", { name: "Transfer conversation" });
    await dialog.getByText("Minh Tran").click();
    await dialog.getByRole("button", { name: "Transfer" }).click();
    await dialog.waitFor({ state: "detached" });
    await page.getByText("Assigned to Minh Tran").first().waitFor();
    await page.getByTestId("system-message").filter({ hasText: "Minh Tran" }).waitFor();

    await page.getByTestId("close").click();
    await page.getByTestId("conversation-status").filter({ hasText: "Closed" }).waitFor();
    await page.getByText("This conversation is closed: reopen it to reply.").waitFor();
    assert.equal(await page.getByTestId("mode-reply").isDisabled(), true);
    await page.getByTestId("queue-count-closed").filter({ hasText: "1" }).waitFor();
  });

  test("a page whose code fails to load offers a reload, and the rest keeps working", async () => {
    await page.goto(`${server.url}/inbox/waiting`);
    const chunk = /\/assets\/tokens-page-[^/]*\.js$/;
    await page.route(chunk, (r) => r.abort());
    const failed = page.getByTestId("page-failed");
    try {
      await page.getByRole("link", { name: "API tokens" }).click();
      await failed.filter({ hasText: "This page couldn't be loaded" }).waitFor();
      // Elsewhere still works.
      await page.getByRole("link", { name: "Inbox" }).click();
      await page.getByRole("navigation", { name: "Queues" }).waitFor();
      assert.equal(await failed.count(), 0);
      await page.goBack();
      await failed.waitFor();
    } finally {
      await page.unroute(chunk);
    }
    await failed.getByRole("button", { name: "Reload" }).click();
    await page.getByRole("heading", { name: "API tokens" }).waitFor();
  });

  test("API tokens: the secret is shown once with a copy button, then listed and revoked", async () => {
    await page.getByTestId("create-token").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("CRM sync");
    await dialog.getByLabel("Access").click();
    await page.getByRole("option", { name: /^Admin/ }).click();
    await dialog.getByRole("button", { name: "Create token" }).click();
    const secret = ((await dialog.getByTestId("token-secret").textContent()) ?? "").trim();
    assert.ok(secret.length >= 20, `short secret: ${secret}`);
    await dialog.getByRole("button", { name: "Copy" }).click();
    await dialog.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "detached" });

    const row = page.getByTestId("token-row").filter({ hasText: "CRM sync" });
    await row.waitFor();
    assert.match((await row.textContent()) ?? "", /Admin/);
    assert.equal(await page.getByText(secret).count(), 0, "the secret is shown again");
    await row.getByRole("button", { name: "Revoke" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Revoke “CRM sync”?" });
    await confirm.getByRole("button", { name: "Revoke" }).click();
    await confirm.waitFor({ state: "detached" });
    await row.getByText("Revoked").waitFor();
  });

  test("changing my password: a wrong current one is refused, then I sign in with the new one", async () => {
    const next = "a brand new passphrase";
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByLabel("Current password").fill("not my password");
    await page.getByLabel("New password").fill(next);
    await page.getByLabel("Confirm password").fill(next);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The current password is wrong.").waitFor();

    await page.getByLabel("Current password").fill(admin.password);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("Your password was changed.").waitFor();
    admin.password = next;

    await page.getByTestId("status-menu").filter({ visible: true }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill(next);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/inbox/waiting");
  });

  test("switching to Vietnamese translates the screens and is remembered", async () => {
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await page.getByRole("link", { name: "Hộp thư" }).waitFor();
    await page.getByRole("navigation", { name: "Hàng đợi" }).getByText("Đang chờ").waitFor();
    assert.equal(await page.locator("html").getAttribute("lang"), "vi");
    await page.reload();
    await page.getByRole("link", { name: "Hộp thư" }).waitFor();
    await page.getByRole("link", { name: "Cài đặt" }).click();
    await page.getByRole("heading", { name: "Cài đặt" }).waitFor();
    await page.getByText("Đổi mật khẩu", { exact: true }).first().waitFor();
    await page.screenshot({ path: join(artifactsDir, "settings-vi.png") });
    assert.deepEqual(pageErrors, []);
  });
});
