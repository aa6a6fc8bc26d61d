// Browser test of routing and business hours in the dashboard: the admin
// sets their capacity in the agents table and the widget's assignment mode
// and weekly schedule in its settings, by keyboard; a refused capacity is
// explained; and a visitor's new conversation is then assigned to the
// admin, who is online, without anyone claiming it. A bot chosen to answer
// first holds the next one, listed under Bots, until the admin hands it off.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("routing and business hours", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor[]} */
  const opened = [];
  let widget = { id: "", siteKey: "" };
  const pageErrors = /** @type {string[]} */ ([]);

  /** Calls the API from the signed-in page, in the Connect JSON form. */
  const api = (method, body) =>
    page.evaluate(
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
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", timezoneId: "Asia/Ho_Chi_Minh" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "routing-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up and has a widget", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const created = await api("WidgetService/CreateWidget", { settings: { name: "Shop" } });
    widget = created.widget;
  });

  test("capacity: typed in the agents table, saved with Enter; out of range is explained", async () => {
    await page.getByRole("link", { name: "Agents" }).click();
    const input = page.getByLabel(`Capacity of ${admin.name}: most active conversations assigned automatically`);
    await input.waitFor();
    assert.equal(await input.inputValue(), "5", "the default capacity");
    await input.focus();
    await page.keyboard.press("Control+A");
    await page.keyboard.type("101");
    await page.keyboard.press("Enter");
    const refusal = page.locator('[id^="capacity-error-"]');
    await refusal.getByText("Capacity must be a whole number from 0 to 100.").waitFor();
    assert.equal(await refusal.getAttribute("role"), "alert");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("3");
    await page.keyboard.press("Enter");
    await refusal.waitFor({ state: "detached" });
    const { agents } = await api("RoutingService/ListAgentCapacities", {});
    assert.equal(agents[0].maxActiveConversations, 3);
  });

  test("the widget's routing and business hours, set by keyboard", async () => {
    await page.goto(`${server.url}/widgets/${widget.id}`);
    const routing = page.getByTestId("routing-card");
    await routing.getByLabel("Automatic (round-robin)").focus();
    await page.keyboard.press("Space");
    await routing.getByRole("button", { name: "Save" }).focus();
    await page.keyboard.press("Enter");
    await routing.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    const hours = page.getByTestId("hours-card");
    await hours.getByLabel("Use business hours").focus();
    await page.keyboard.press("Space");
    await hours.getByLabel("Time zone").fill("Asia/Ho_Chi_Minh");
    await hours.getByLabel("Monday", { exact: true }).focus();
    await page.keyboard.press("Space");
    // Closing before opening is refused before anything is sent.
    await hours.getByLabel("Monday closes at").fill("07:00");
    await hours.getByRole("alert").filter({ hasText: "Opening must be before closing." }).waitFor();
    await hours.getByLabel("Monday closes at").fill("17:30");
    await hours.getByLabel("Holiday date").fill("2026-09-02");
    await hours.getByLabel("Holiday date").press("Enter");
    await hours.getByRole("button", { name: "Remove holiday 2026-09-02" }).waitFor();
    await hours.getByLabel("Keep the chat open with a notice of when we answer again").focus();
    await page.keyboard.press("Space");
    await hours.getByRole("button", { name: "Save" }).click();
    await hours.getByRole("status").filter({ hasText: "Saved" }).waitFor();

    const { routing: stored } = await api("RoutingService/GetWidgetRouting", { widgetId: widget.id });
    assert.equal(stored.mode, "ASSIGNMENT_MODE_AUTO", "saving the hours keeps the mode");
    assert.equal(stored.hours.enabled, true);
    assert.equal(stored.hours.timeZone, "Asia/Ho_Chi_Minh");
    assert.deepEqual(stored.hours.days, [{ day: 1, openMinute: 480, closeMinute: 1050 }]);
    assert.deepEqual(stored.hours.holidays, ["2026-09-02"]);
    assert.equal(stored.hours.outside, "OUTSIDE_HOURS_NOTICE");
  });

  test("a new conversation goes to the online admin without a claim", async () => {
    const v = await visitors.startVisitor(server.url, widget.siteKey);
    opened.push(v);
    const sent = await v.send("Hello, is anyone there?");
    assert.ok(sent?.conversationId);
    await page.goto(`${server.url}/inbox/all/${sent.conversationId}`);
    await page.getByTestId("system-message").getByText(`The conversation was assigned to ${admin.name}`).waitFor();
    await v.waitForMessage((m) => m.systemEvent?.targetName === admin.name);
    assert.deepEqual(pageErrors, []);
  });

  test("a bot answers first: chosen on the widget, shown under Bots, handed off to the team from the dashboard", async () => {
    const { token } = await api("AuthService/CreateApiToken", { name: "Shop bot", scope: "API_TOKEN_SCOPE_AGENT", botName: "Shop Assistant" });
    await page.goto(`${server.url}/widgets/${widget.id}`);
    const routing = page.getByTestId("routing-card");
    await routing.getByLabel("A bot answers first").selectOption(token.id);
    await routing.getByRole("button", { name: "Save" }).click();
    await routing.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    const { routing: stored } = await api("RoutingService/GetWidgetRouting", { widgetId: widget.id });
    assert.equal(stored.botTokenId, token.id);
    assert.equal(stored.hours.enabled, true, "saving the bot keeps the hours");

    const v = await visitors.startVisitor(server.url, widget.siteKey);
    opened.push(v);
    const sent = await v.send("Where is my parcel?");
    await page.goto(`${server.url}/inbox/bots`);
    const item = page.getByTestId("conversation-list").getByText("With bot Shop Assistant");
    await item.waitFor();
    await item.click();
    await page.getByTestId("conversation-handler").filter({ hasText: "With bot Shop Assistant" }).waitFor();
    await page.getByTestId("hand-off").click();
    await page.getByTestId("system-message").getByText(`${admin.name} handed the conversation over to the team`).waitFor();
    await page.getByTestId("system-message").getByText(`The conversation was assigned to ${admin.name}`).waitFor();
    const { conversation } = await api("ConversationService/GetConversation", { conversationId: sent.conversationId });
    assert.equal(conversation.botName ?? "", "");
    assert.deepEqual(pageErrors, []);
  });
});
