// Browser test of canned responses: the page creates one (with validation
// and a reason-based refusal of a taken shortcut), and in a conversation
// typing "/" opens the picker, where the keyboard alone chooses a response
// that is inserted with the customer's and the agent's names filled in.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("canned responses", { timeout: 300_000 }, () => {
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
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "canned-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up; a widget asks for a name and a plan", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const created = await api("WidgetService/CreateWidget", {
      settings: {
        name: "Shop",
        prechat: {
          enabled: true,
          fields: [
            { key: "name", label: "Name", type: "PRECHAT_FIELD_TYPE_NAME" },
            { key: "plan", label: "Plan", type: "PRECHAT_FIELD_TYPE_TEXT" },
          ],
        },
      },
    });
    siteKey = created.widget.siteKey;
  });

  test("the page creates a canned response, checking the shortcut first", async () => {
    await page.getByRole("link", { name: "Canned responses" }).click();
    await page.waitForURL("**/canned");
    await page.getByText("No canned responses yet").waitFor();

    await page.getByTestId("canned-new").click();
    const dialog = page.getByTestId("canned-dialog");
    await page.getByTestId("canned-shortcut").fill("Thanks!");
    await page.getByTestId("canned-title").fill("Thank the customer");
    await page.getByTestId("canned-text").fill("Hi {{customer.name}}, this is {{agent.name}}. Plan: {{customer.attributes.plan}}{{customer.nickname}}.");
    await page.getByTestId("canned-text-vi").fill("Chào {{customer.name}}, mình là {{agent.name}}.");
    await page.getByTestId("canned-save").click();
    // Refused before any call: capitals and "!" are not allowed.
    await dialog.getByText("1–32 characters: a–z, 0–9, - and _.", { exact: true }).waitFor();
    await page.getByTestId("canned-shortcut").fill("thanks");
    await page.getByTestId("canned-save").click();
    await dialog.waitFor({ state: "detached" });
    const row = page.getByTestId("canned-row").filter({ hasText: "/thanks" });
    await row.getByText("Thank the customer").waitFor();
    assert.match(await row.innerText(), /Team-wide/);

    // The server refuses a second team-wide "/thanks"; the dialog says why, under the field.
    await page.getByTestId("canned-new").click();
    await page.getByTestId("canned-shortcut").fill("thanks");
    await page.getByTestId("canned-title").fill("Again");
    await page.getByTestId("canned-text").fill("Again");
    await page.getByTestId("canned-save").click();
    await dialog.getByText("This shortcut is already used here. Choose another.").waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });

    // A second response starting the same way, so the arrows have a choice.
    await api("CannedResponseService/CreateCannedResponse", {
      scope: "CANNED_RESPONSE_SCOPE_PERSONAL",
      response: { shortcut: "thanks-later", title: "Thanks, later", text: "Thanks, talk later." },
    });
    await page.reload();
    await page.getByTestId("canned-row").filter({ hasText: "/thanks-later" }).waitFor();
    // Search narrows the list.
    await page.getByLabel("Search shortcut, title or text").fill("later");
    await page.getByTestId("canned-row").filter({ hasText: "/thanks" }).filter({ hasNotText: "later" }).waitFor({ state: "detached" });
  });

  test("typing / in the composer inserts a response with its variables filled, by keyboard only", async () => {
    const v = await visitors.startVisitor(server.url, siteKey, { name: "Nguyễn Văn An", plan: "Pro" });
    opened.push(v);
    const sent = await v.send("Is my order on its way?");
    assert.ok(sent?.conversationId);
    await page.goto(`${server.url}/inbox/all/${sent.conversationId}`);
    const composer = page.getByTestId("composer");
    await composer.waitFor();
    await composer.focus();

    await page.keyboard.type("Sure! /than");
    const options = page.getByTestId("canned-option");
    await options.nth(1).waitFor();
    assert.deepEqual(await options.locator("code").allInnerTexts(), ["/thanks", "/thanks-later"]);
    assert.equal(await page.locator('[role="option"][aria-selected="true"] code').innerText(), "/thanks");
    await page.keyboard.press("ArrowDown");
    assert.equal(await page.locator('[role="option"][aria-selected="true"] code').innerText(), "/thanks-later");
    await page.keyboard.press("ArrowDown"); // wraps to the first
    assert.equal(await page.locator('[role="option"][aria-selected="true"] code').innerText(), "/thanks");
    assert.equal(await composer.getAttribute("aria-activedescendant"), await page.locator('[role="option"][aria-selected="true"]').getAttribute("id"));
    await page.keyboard.press("Enter");
    await page.getByTestId("canned-picker").waitFor({ state: "detached" });
    const want = "Sure! Hi Nguyễn Văn An, this is Lan Nguyen. Plan: Pro.";
    assert.equal(await composer.inputValue(), want);
    // The caret is after the insert: typing goes on from there.
    await page.keyboard.type(" :)");
    assert.equal(await composer.inputValue(), `${want} :)`);

    // Esc closes the picker and leaves the text as typed.
    await page.keyboard.type(" /th");
    await page.getByTestId("canned-picker").waitFor();
    await page.keyboard.press("Escape");
    await page.getByTestId("canned-picker").waitFor({ state: "detached" });
    assert.equal(await composer.inputValue(), `${want} :) /th`);
    for (let i = 0; i < 4; i++) await page.keyboard.press("Backspace");

    // Enter sends it; the visitor receives the filled-in text, no braces.
    await page.keyboard.press("Enter");
    const got = await v.waitForMessage((m) => m.text.startsWith("Sure!"));
    assert.equal(got.text, `${want} :)`);
    assert.doesNotMatch(got.text, /[{}]/);

    // When nothing matches, Enter sends what was typed.
    await page.keyboard.type("/no-such-reply");
    await page.getByText("No canned response matches “/no-such-reply”").waitFor();
    await page.keyboard.press("Enter");
    await v.waitForMessage((m) => m.text === "/no-such-reply");
    assert.deepEqual(pageErrors, []);
  });

  test("in Vietnamese the response's Vietnamese text is inserted, and the picker speaks Vietnamese", async () => {
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await page.locator("html[lang=vi]").waitFor({ state: "attached" });
    const composer = page.getByTestId("composer");
    await composer.focus();
    await page.keyboard.type("/thanks");
    await page.getByText("↑↓ để chọn · Enter để chèn · Esc để đóng").waitFor();
    await page.keyboard.press("Enter");
    assert.equal(await composer.inputValue(), "Chào Nguyễn Văn An, mình là Lan Nguyen.");
    // "/thanks-later" has no Vietnamese text: the default one stands in.
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Backspace");
    await page.keyboard.type("/thanks-l");
    await page.getByTestId("canned-option").filter({ hasText: "/thanks-later" }).waitFor();
    await page.getByTestId("canned-option").filter({ hasNotText: "later" }).waitFor({ state: "detached" });
    await page.keyboard.press("Enter");
    assert.equal(await composer.inputValue(), "Thanks, talk later.");
    assert.deepEqual(pageErrors, []);
  });
});
