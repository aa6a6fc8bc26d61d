// Browser test of saved views: an agent saves the current inbox filters as
// a view by keyboard, sees it in the sidebar with its count, and the count
// changes live when a visitor starts a matching conversation and when the
// agent claims one; renaming, reordering and deleting work by keyboard.
// Team inboxes: a widget routed to a team shows its conversations under
// "Team Billing" in the sidebar.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 20_000;

describe("saved views and team inboxes", { timeout: 300_000 }, () => {
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
  let shopKey = "";
  let billingKey = "";
  const pageErrors = /** @type {string[]} */ ([]);

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

  const visitorWrites = async (siteKey, name, text) => {
    const v = await visitors.startVisitor(server.url, siteKey, { name });
    opened.push(v);
    const sent = await v.send(text);
    assert.ok(sent?.conversationId);
    return sent.conversationId;
  };

  const view = (name) => page.getByTestId("saved-view").filter({ hasText: name });
  const countOf = (name) => view(name).getByTestId("saved-view-count");

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "views-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up; two widgets, one routed to team Billing", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const prechat = { enabled: true, fields: [{ key: "name", label: "Name", type: "PRECHAT_FIELD_TYPE_NAME" }] };
    const shop = await api("WidgetService/CreateWidget", { settings: { name: "Shop", prechat } });
    const billing = await api("WidgetService/CreateWidget", { settings: { name: "Billing desk", prechat } });
    shopKey = shop.widget.siteKey;
    billingKey = billing.widget.siteKey;
    const team = await api("TeamService/CreateTeam", { name: "Billing" });
    await api("RoutingService/UpdateWidgetRouting", { widgetId: billing.widget.id, routing: { mode: "ASSIGNMENT_MODE_MANUAL", teamId: team.team.id } });
  });

  test("the current filters are saved as a view by keyboard, with their count", async () => {
    // The widgets were made through the API after the inbox loaded: the
    // filter bar reads them when the page loads.
    await page.reload();
    await page.getByTestId("views-nav").getByText("No saved views yet", { exact: false }).waitFor();
    await visitorWrites(shopKey, "Bình", "Just browsing");
    await page.getByTestId("conversation-item").filter({ hasText: "Bình" }).waitFor();
    // The Waiting queue filtered to the Shop widget.
    await page.getByLabel("Filter by widget").selectOption({ label: "Shop" });
    await page.getByRole("button", { name: "Save view" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.type("Shop waiting");
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/inbox\/view-/);
    await page.getByTestId("inbox-title").getByText("Shop waiting").waitFor();
    await view("Shop waiting").waitFor();
    assert.equal(await countOf("Shop waiting").textContent(), "1");
  });

  test("the count changes live when a visitor starts a matching conversation", async () => {
    // Somewhere else in the dashboard, the sidebar still counts.
    await page.getByRole("link", { name: "Canned responses" }).click();
    await visitorWrites(shopKey, "Chi", "Do you ship to Hanoi?");
    await page.waitForFunction(() => {
      const el = [...document.querySelectorAll('[data-testid="saved-view"]')].find((e) => e.textContent?.includes("Shop waiting"));
      return el?.querySelector('[data-testid="saved-view-count"]')?.textContent === "2";
    }, null, { timeout });
    // A conversation on the other widget does not match.
    await visitorWrites(billingKey, "Dũng", "Where is my invoice?");
    await page.waitForTimeout(2500);
    assert.equal(await countOf("Shop waiting").textContent(), "2");
  });

  test("opening the view lists its conversations; claiming one lowers the count live", async () => {
    await view("Shop waiting").getByRole("link").click();
    const items = page.getByTestId("conversation-item");
    await items.filter({ hasText: "Chi" }).waitFor();
    assert.equal(await items.count(), 2);
    const id = await items.filter({ hasText: "Chi" }).getAttribute("data-conversation-id");
    await api("ConversationService/ClaimConversation", { conversationId: id });
    await page.waitForFunction(() => {
      const el = [...document.querySelectorAll('[data-testid="saved-view"]')].find((e) => e.textContent?.includes("Shop waiting"));
      return el?.querySelector('[data-testid="saved-view-count"]')?.textContent === "1";
    }, null, { timeout });
  });

  test("views are renamed, reordered and deleted by keyboard", async () => {
    await api("ViewService/CreateView", { name: "Everything", filter: {} });
    await page.reload();
    await view("Everything").waitFor();
    let names = await page.getByTestId("saved-view").allTextContents();
    assert.ok(names[0].startsWith("Shop waiting") && names[1].startsWith("Everything"), names.join("|"));
    await page.getByRole("button", { name: "Move Everything up" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => document.querySelector('[data-testid="saved-view"]')?.textContent?.startsWith("Everything"));
    await page.getByRole("button", { name: "Rename Everything" }).focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("All conversations");
    await page.keyboard.press("Enter");
    await view("All conversations").waitFor();
    await page.getByRole("button", { name: "Delete All conversations" }).focus();
    await page.keyboard.press("Enter");
    // The dialog focuses Cancel; Tab reaches Delete.
    const dialog = page.getByRole("alertdialog", { name: "Delete All conversations" });
    await dialog.getByRole("button", { name: "Cancel" }).waitFor();
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await view("All conversations").waitFor({ state: "detached" });
    names = await page.getByTestId("saved-view").allTextContents();
    assert.equal(names.length, 1);
  });

  test("the Billing team's inbox lists its widget's conversations", async () => {
    await page.getByTestId("team-inboxes").getByRole("link", { name: "Team Billing" }).click();
    await page.getByTestId("inbox-title").getByText("Team Billing").waitFor();
    const items = page.getByTestId("conversation-item");
    await items.filter({ hasText: "Dũng" }).waitFor();
    assert.equal(await items.count(), 1);
    assert.deepEqual(pageErrors, []);
  });
});
