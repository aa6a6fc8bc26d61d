// Browser tests of the agent dashboard against a real server: first-run
// setup, login, a live conversation with a visitor from start to resolve,
// internal notes, typing, untrusted text, Vietnamese, and resuming after the
// server restarts.
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
  let siteKey = "";
  const dialogs = /** @type {string[]} */ ([]);
  const pageErrors = /** @type {string[]} */ ([]);

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
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
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    await page.waitForTimeout(300);
    assert.deepEqual(dialogs, []);
    await page.screenshot({ path: join(artifactsDir, "conversation.png") });
  });

  test("resolve", async () => {
    await page.getByTestId("resolve").click();
    await page.getByTestId("conversation-status").filter({ hasText: "Resolved" }).waitFor();
    await page.getByTestId("reopen").waitFor();
    await page.getByTestId("queue-count-resolved").filter({ hasText: "1" }).waitFor();
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
