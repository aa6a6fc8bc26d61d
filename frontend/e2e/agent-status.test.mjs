// Browser test of agent status: the status menu offers Invisible (by
// keyboard), the agent then sees themself as Invisible, and the widget
// stops counting them as an available agent while their dashboard stays
// connected.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("agent status", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  let siteKey = "";
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
  const agentsOnline = async () => (await api("WidgetService/GetWidgetConfig", { siteKey })).config.agentsOnline === true;

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    server = await startServer();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "agent-status-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up and is online for the widget", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    siteKey = (await api("WidgetService/CreateWidget", { settings: { name: "Shop" } })).widget.siteKey;
    await page.getByTestId("status-menu").filter({ visible: true }).and(page.locator('[aria-label*="Online"]')).waitFor();
    assert.equal(await agentsOnline(), true);
  });

  test("the status menu offers Invisible; choosing it by keyboard hides the agent from visitors", async () => {
    const trigger = page.getByTestId("status-menu").filter({ visible: true });
    await trigger.focus();
    await page.keyboard.press("Enter");
    const item = page.getByRole("menuitemradio", { name: /Invisible/ });
    await item.waitFor();
    // Arrow down to it from the checked item: keyboard only.
    while (!(await item.evaluate((el) => el === document.activeElement))) await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Enter");
    await page.getByRole("menu").waitFor({ state: "detached" });
    // The agent sees themself as Invisible.
    await trigger.and(page.locator('[aria-label*="Invisible"]')).waitFor();
    assert.equal(await trigger.locator("[data-presence]").getAttribute("data-presence"), "invisible");
    // Still connected, but no longer counted as available.
    assert.equal(await agentsOnline(), false);

    // Online again: counted again.
    await trigger.click();
    await page.getByRole("menuitemradio", { name: "Online" }).click();
    await trigger.and(page.locator('[aria-label*="Online"]')).waitFor();
    assert.equal(await agentsOnline(), true);
  });

  test("with a short idle time the status turns Away by itself, and Online on activity; a chosen Away stays", async () => {
    const trigger = page.getByTestId("status-menu").filter({ visible: true });
    // The setting is in minutes on the page; the test needs seconds.
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByTestId("idle-away-minutes").fill("5");
    await page.getByTestId("idle-away-save").click();
    await page.getByText("Saved.").waitFor();
    assert.equal((await api("AuthService/GetMe", {})).agent.idleAwaySeconds, 300);
    await api("AuthService/SetMyIdleAway", { idleAwaySeconds: 2 });
    await page.reload();
    await trigger.and(page.locator('[aria-label*="Online"]')).waitFor();

    // No activity: Away within a few seconds, automatically.
    await trigger.and(page.locator('[aria-label*="Away"]')).waitFor({ timeout: 8_000 });
    assert.equal((await api("AuthService/GetMe", {})).agent.awayAutomatic, true);
    // Activity: Online again.
    await page.mouse.move(200, 300);
    await page.mouse.move(220, 320);
    await trigger.and(page.locator('[aria-label*="Online"]')).waitFor({ timeout: 5_000 });

    // A chosen Away stays through activity.
    await api("AuthService/SetMyIdleAway", { idleAwaySeconds: 0 });
    await page.reload();
    await trigger.click();
    await page.getByRole("menuitemradio", { name: "Away" }).click();
    await trigger.and(page.locator('[aria-label*="Away"]')).waitFor();
    for (let i = 0; i < 10; i++) {
      await page.mouse.move(100 + i * 10, 200);
      await page.waitForTimeout(150);
    }
    const me = (await api("AuthService/GetMe", {})).agent;
    assert.equal(me.status, "AGENT_STATUS_AWAY");
    assert.notEqual(me.awayAutomatic, true);
    await trigger.click();
    await page.getByRole("menuitemradio", { name: "Online" }).click();
    await trigger.and(page.locator('[aria-label*="Online"]')).waitFor();
  });

  test("in Vietnamese the menu says Ẩn", async () => {
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await page.locator("html[lang=vi]").waitFor({ state: "attached" });
    await page.getByTestId("status-menu").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: /^Ẩn/ }).waitFor();
    await page.keyboard.press("Escape");
    assert.deepEqual(pageErrors, []);
  });
});
