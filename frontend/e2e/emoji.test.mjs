// Browser test of the composer's emoji picker: its code is not loaded with
// the conversation, only when the picker is first opened; the keyboard alone
// opens it, searches (in Vietnamese too), moves and inserts at the caret;
// Esc closes it and gives the composer its focus back.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };

describe("emoji picker", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {import("./visitor-client.ts").Visitor | undefined} */
  let visitor;
  const pageErrors = /** @type {string[]} */ ([]);
  const scripts = /** @type {string[]} */ ([]);

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    const [srv, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    server = srv;
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    page.on("request", (r) => r.resourceType() === "script" && scripts.push(r.url()));

    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const created = await page.evaluate(async () => {
      const res = await fetch("/livechat.v1.WidgetService/CreateWidget", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ settings: { name: "Shop" } }),
      });
      return res.json();
    });
    visitor = await visitors.startVisitor(server.url, created.widget.siteKey);
    const sent = await visitor.send("Hello there");
    await page.goto(`${server.url}/inbox/all/${sent.conversationId}`);
    await page.getByTestId("composer").waitFor();
  });

  after(async () => {
    visitor?.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "emoji-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("loads on demand and inserts with the keyboard alone", async () => {
    assert.ok(!scripts.some((u) => /emoji-picker/.test(u)), `the picker loaded with the page: ${scripts.join(", ")}`);
    const composer = page.getByTestId("composer");
    await composer.fill("Thanks ");
    await composer.press("End");

    await page.getByTestId("emoji-open").focus();
    await page.keyboard.press("Enter");
    const picker = page.getByTestId("emoji-picker");
    await picker.waitFor();
    assert.ok(scripts.some((u) => /emoji-picker/.test(u)), "the picker's code was not loaded separately");
    const search = picker.getByRole("combobox", { name: "Search emoji" });
    assert.ok(await search.evaluate((el) => el === document.activeElement), "focus starts in the search");

    await page.keyboard.type("thumbs");
    assert.deepEqual(await picker.getByRole("option").evaluateAll((os) => os.map((o) => o.getAttribute("aria-label"))), ["thumbs up", "thumbs down"]);
    await page.keyboard.press("ArrowRight");
    assert.equal(await picker.getByRole("option", { selected: true }).getAttribute("aria-label"), "thumbs down");
    await page.keyboard.press("ArrowLeft");
    await page.keyboard.press("Enter");
    await picker.waitFor({ state: "detached" });
    assert.equal(await composer.inputValue(), "Thanks 👍");
    assert.ok(await composer.evaluate((el) => el === document.activeElement), "focus is back in the composer");

    // Vietnamese names are searched too; Esc closes without inserting.
    await page.getByTestId("emoji-open").focus();
    await page.keyboard.press("Enter");
    await picker.waitFor();
    await page.keyboard.type("cảm ơn");
    assert.equal(await picker.getByRole("option").count(), 1);
    await page.keyboard.type("zzz");
    await picker.getByText("No emoji matches").waitFor();
    await page.keyboard.press("Escape");
    await picker.waitFor({ state: "detached" });
    assert.equal(await composer.inputValue(), "Thanks 👍");
    assert.ok(await composer.evaluate((el) => el === document.activeElement));
    assert.deepEqual(pageErrors, []);
  });
});
