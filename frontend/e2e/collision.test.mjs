// Browser test of collision warnings: two agents in two browsers. When Lan
// opens the conversation Mai has open, Mai's composer says "Lan is viewing";
// when Lan types, "Lan is replying…"; when Lan leaves, it clears at once.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const mai = { name: "Mai Tran", username: "mai", password: "correct horse battery" };
const lan = { name: "Lan", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("collision warnings", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let pageA;
  /** @type {import("playwright-core").Page} */
  let pageB;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor | undefined} */
  let visitor;
  let conversationId = "";
  const pageErrors = /** @type {string[]} */ ([]);

  /** Calls the API from Mai's signed-in page, in the Connect JSON form. */
  const api = (method, body) =>
    pageA.evaluate(
      async ([m, b]) => {
        const res = await fetch(`/livechat.v1.${m}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const json = await res.json();
        if (!res.ok) throw new Error(`${m}: ${JSON.stringify(json)}`);
        return json;
      },
      /** @type {[string, object]} */ ([method, body]),
    );

  const newPage = async () => {
    // Separate contexts: separate cookies, so two agents signed in at once.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    const page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
    return page;
  };

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    pageA = await newPage();
    pageB = await newPage();
  });

  after(async () => {
    visitor?.close();
    if (pageA && process.exitCode) await pageA.screenshot({ path: join(artifactsDir, "collision-failure-a.png") }).catch(() => {});
    if (pageB && process.exitCode) await pageB.screenshot({ path: join(artifactsDir, "collision-failure-b.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: Mai signs up and adds Lan; a customer writes", async () => {
    await pageA.goto(server.url);
    await pageA.waitForURL("**/setup");
    await pageA.getByLabel("Display name").fill(mai.name);
    await pageA.getByLabel("Username").fill(mai.username);
    await pageA.getByLabel("Password", { exact: true }).fill(mai.password);
    await pageA.getByLabel("Confirm password").fill(mai.password);
    await pageA.getByRole("button", { name: "Create admin account" }).click();
    await pageA.waitForURL("**/inbox/waiting");
    await api("AuthService/CreateAgent", { username: lan.username, displayName: lan.name, role: "AGENT_ROLE_AGENT", password: lan.password });
    const created = await api("WidgetService/CreateWidget", { settings: { name: "Shop" } });
    visitor = await visitors.startVisitor(server.url, created.widget.siteKey);
    const sent = await visitor.send("Where is my parcel?");
    assert.ok(sent?.conversationId);
    conversationId = sent.conversationId;

    await pageB.goto(`${server.url}/login`);
    await pageB.getByLabel("Username").fill(lan.username);
    await pageB.getByLabel("Password").fill(lan.password);
    await pageB.getByRole("button", { name: "Sign in" }).click();
    await pageB.waitForURL("**/inbox/**");
  });

  test("Lan opening and typing shows in Mai's composer, and clears when Lan leaves", async () => {
    await pageA.goto(`${server.url}/inbox/all/${conversationId}`);
    await pageA.getByTestId("composer").waitFor();
    const warning = pageA.getByTestId("collision-warning");
    assert.equal(await warning.innerText(), "", "nobody else is here yet");

    await pageB.goto(`${server.url}/inbox/all/${conversationId}`);
    await warning.getByText("Lan is viewing", { exact: true }).waitFor();
    // Mai's own presence is not shown to Mai, but Lan sees it.
    await pageB.getByTestId("collision-warning").getByText("Mai Tran is viewing").waitFor();

    await pageB.getByTestId("composer").focus();
    await pageB.keyboard.type("Let me check");
    await warning.getByText("Lan is replying…", { exact: true }).waitFor();
    // Replying replaces viewing: one line per colleague.
    assert.equal(await pageA.getByTestId("collision-viewing").count(), 0);
    // The customer's typing line stays for the customer only.
    assert.doesNotMatch(await pageA.getByTestId("typing-indicator").innerText(), /Lan/);

    // Lan leaves for another page of the dashboard: the warning clears at
    // once, not after the signals lapse (6 s typing, 20 s viewing).
    await pageB.getByRole("link", { name: "Settings" }).click();
    await pageB.waitForURL("**/settings**");
    await pageA.getByTestId("collision-replying").waitFor({ state: "detached", timeout: 4_000 });
    await pageA.getByTestId("collision-viewing").waitFor({ state: "detached", timeout: 4_000 });
    assert.equal(await warning.innerText(), "");
  });

  test("Lan reloading elsewhere (no unmount) also clears the viewing warning at once", async () => {
    await pageB.goBack();
    const viewing = pageA.getByTestId("collision-viewing");
    await viewing.getByText("Lan is viewing", { exact: true }).waitFor();
    await pageB.goto(`${server.url}/inbox/waiting`);
    await viewing.waitFor({ state: "detached", timeout: 5_000 });
  });

  test("in Vietnamese the warning speaks Vietnamese", async () => {
    await pageA.getByTestId("language-switch").filter({ visible: true }).click();
    await pageA.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await pageA.locator("html[lang=vi]").waitFor({ state: "attached" });
    await pageB.goto(`${server.url}/inbox/all/${conversationId}`);
    await pageA.getByTestId("collision-warning").getByText("Lan đang xem", { exact: true }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
