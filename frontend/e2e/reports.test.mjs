// Browser test of the reports page: a small real history (conversations
// answered, missed, resolved and rated through the API), then the page in
// Chromium. Every chart's CSV matches its table view and the chart's own
// marks, the tables by team and by tag match their CSV, the team filter
// narrows the report, and the page's code is loaded only when the page is
// opened.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

/** Parses the CSV the page writes (no quoted commas in these figures). */
function parseCsv(text) {
  return text
    .trim()
    .split("\r\n")
    .map((l) => l.split(","));
}

describe("reports page", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  let visitors;
  const opened = [];
  const pageErrors = [];
  const scripts = [];

  const api = (method, body) =>
    page.evaluate(
      async ([m, b]) => {
        const res = await fetch(`/livechat.v1.${m}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const json = await res.json();
        if (!res.ok) throw new Error(`${m}: ${JSON.stringify(json)}`);
        return json;
      },
      [method, body],
    );

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US", acceptDownloads: true });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("request", (r) => r.resourceType() === "script" && scripts.push(r.url()));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "reports-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("a small history: answered, missed, resolved and rated", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    assert.ok(!scripts.some((u) => /reports-page/.test(u)), "the inbox does not load the reports page's code");

    const { widget } = await api("WidgetService/CreateWidget", { settings: { name: "Shop", csat: "CSAT_SCALE_FIVE" } });
    // The widget's editor shows the scale and changes it, by keyboard.
    await page.goto(`${server.url}/widgets/${widget.id}`);
    const five = page.getByRole("radio", { name: "1 to 5 stars" });
    await five.waitFor();
    assert.equal(await five.isChecked(), true);
    await page.getByRole("radio", { name: "Thumbs up or down" }).check();
    await page.getByTestId("save-widget").click();
    await page.getByText("Saved").first().waitFor();
    assert.equal((await api("WidgetService/GetWidget", { widgetId: widget.id })).widget.settings.csat, "CSAT_SCALE_THUMBS");
    await page.getByRole("radio", { name: "1 to 5 stars" }).check();
    await page.getByTestId("save-widget").click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="save-widget"]:not([disabled])'));
    assert.equal((await api("WidgetService/GetWidget", { widgetId: widget.id })).widget.settings.csat, "CSAT_SCALE_FIVE");
    // The widget routes to Sales; a second team has no widget.
    const { team } = await api("TeamService/CreateTeam", { name: "Sales" });
    await api("TeamService/CreateTeam", { name: "Idle" });
    await api("RoutingService/UpdateWidgetRouting", { widgetId: widget.id, routing: { mode: "ASSIGNMENT_MODE_MANUAL", teamId: team.id } });
    const { tag: vip } = await api("TagService/CreateTag", { name: "VIP", color: "TAG_COLOR_RED" });
    const { tag: billing } = await api("TagService/CreateTag", { name: "Billing", color: "TAG_COLOR_BLUE" });
    const tagsOf = [[vip.id], [vip.id, billing.id], [billing.id]];
    for (const [i, score] of [5, 3, 0].entries()) {
      const v = await visitors.startVisitor(server.url, widget.siteKey);
      opened.push(v);
      const sent = await v.send(`question ${i}`);
      await api("ConversationService/SetConversationTags", { conversationId: sent.conversationId, tagIds: tagsOf[i] });
      if (!score) continue; // never answered: missed
      const id = sent.conversationId;
      await api("ConversationService/SendMessage", { conversationId: id, text: "Happy to help", clientMessageId: `a${i}` });
      await api("ConversationService/SetConversationStatus", { conversationId: id, status: "CONVERSATION_STATUS_RESOLVED" });
      await v.rate(id, score, "thanks");
    }
  });

  test("each chart's CSV is what its table and its marks show", async () => {
    await page.goto(`${server.url}/inbox/waiting`);
    await page.getByRole("link", { name: "Reports" }).click();
    await page.waitForURL("**/reports");
    assert.ok(scripts.some((u) => /reports-page/.test(u)), "the page's code arrives with the page");
    await page.getByTestId("report-summary").getByText("Conversations").waitFor();

    const csvOf = async (name) => {
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId(`csv-${name}`).click()]);
      return parseCsv(readFileSync(await download.path(), "utf8"));
    };
    const tableOf = async (name) => {
      const card = page.getByTestId(`chart-${name}`);
      await card.getByRole("button", { name: "Show table" }).click();
      const table = card.getByRole("table");
      await table.waitFor();
      return table.locator("tr").evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    };

    // Volume: one row per day; today has 3 conversations, 1 missed.
    const csv = await csvOf("volume");
    const table = await tableOf("volume");
    assert.deepEqual(csv[0], ["Date", "Conversations", "Missed"]);
    assert.equal(csv.length, 31, "a header and 30 days");
    assert.deepEqual(table, csv, "the table shows the CSV's rows");
    const today = csv[csv.length - 1];
    assert.deepEqual(today.slice(1), ["3", "1"]);
    const card = page.getByTestId("chart-volume");
    const bars = await card.locator('[data-series="Conversations"] rect').evaluateAll((rs) => rs.map((r) => r.getAttribute("data-value")));
    assert.deepEqual(bars, csv.slice(1).map((r) => r[1]), "the bars are the CSV's conversations");
    const missed = await card.locator('[data-series="Missed"] rect').evaluateAll((rs) => rs.map((r) => r.getAttribute("data-value")));
    assert.deepEqual(missed, csv.slice(1).map((r) => r[2]));

    // Satisfaction: one 3 and one 5.
    const dist = await csvOf("csat");
    assert.deepEqual(dist, [["Score", "Ratings"], ["1", "0"], ["2", "0"], ["3", "1"], ["4", "0"], ["5", "1"]]);
    assert.deepEqual(await tableOf("csat"), dist);
    const csatBars = await page.getByTestId("chart-csat").locator("[data-series] rect").evaluateAll((rs) => rs.map((r) => r.getAttribute("data-value")));
    assert.deepEqual(csatBars, ["0", "0", "1", "0", "1"]);

    // First response: the CSV holds seconds, the marks the same values.
    const frt = await csvOf("first-response");
    const points = await page.getByTestId("chart-first-response").locator('[data-series="Median"] circle').evaluateAll((cs) => cs.map((c) => c.getAttribute("data-value")));
    assert.deepEqual(points, frt.slice(1).map((r) => r[1]).filter((v) => v !== "").map((v) => String(Number(v))));
    assert.equal(points.length, 1, "answers today only");

    // Agents: Lan handled two, both rated (average 4); the sparkline is there.
    const agents = await csvOf("agents");
    assert.deepEqual(agents[0], ["Agent", "Handled", "Median first response", "Ratings", "CSAT average"]);
    assert.deepEqual([agents[1][0], agents[1][1], agents[1][3], agents[1][4]], [admin.name, "2", "2", "4"]);
    const row = page.getByTestId("agents-table").getByRole("row", { name: new RegExp(admin.name) });
    await row.getByRole("img", { name: `Conversations handled by ${admin.name} over time` }).waitFor();

    // By team and by tag: tables always shown, their CSV the same rows
    // (durations in seconds in the CSV, written out in the table).
    const header = ["Conversations", "Missed", "Median first response", "Median resolution time", "Ratings", "CSAT average"];
    const shown = async (name) =>
      page
        .getByTestId(`table-${name}`)
        .locator("tr")
        .evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    const counts = (rows) => rows.map((r) => [r[0], r[1], r[2], r[5], r[6]]);
    const teams = await csvOf("teams");
    assert.deepEqual(teams[0], ["Team", ...header]);
    assert.deepEqual(counts(teams.slice(1)), [["Sales", "3", "1", "2", "4"]]);
    assert.ok(Number(teams[1][3]) >= 0 && Number(teams[1][4]) >= 0, "the median times are in the CSV");
    assert.deepEqual(counts(await shown("teams")), counts(teams));
    // The CSV button works from the keyboard.
    await page.getByTestId("csv-tags").focus();
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    const tags = parseCsv(readFileSync(await download.path(), "utf8"));
    assert.deepEqual(tags[0], ["Tag", ...header]);
    // Billing: the 3 and the missed one; VIP: the 5 and the 3.
    assert.deepEqual(counts(tags.slice(1)), [
      ["Billing", "2", "1", "1", "3"],
      ["VIP", "2", "0", "2", "4"],
    ]);
    assert.deepEqual(counts(await shown("tags")), counts(tags));

    // The team filter: Sales is all of it; Idle has no widget, so nothing.
    const team = page.getByRole("combobox", { name: "Team", exact: true });
    await team.selectOption({ label: "Idle" });
    await page.getByText("No conversations in this range yet").waitFor();
    await team.selectOption({ label: "Sales" });
    await page.getByTestId("table-teams").waitFor();
    assert.deepEqual(counts((await shown("teams")).slice(1)), [["Sales", "3", "1", "2", "4"]]);
    await team.selectOption({ label: "All teams" });
    assert.deepEqual(pageErrors, []);
  });

  test("in Vietnamese", async () => {
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await page.getByRole("heading", { name: "Báo cáo" }).waitFor();
    await page.getByRole("heading", { name: "Số cuộc trò chuyện theo thời gian" }).waitFor();
    await page.getByRole("heading", { name: "Theo nhóm" }).waitFor();
    await page.getByRole("heading", { name: "Theo nhãn" }).waitFor();
  });
});
