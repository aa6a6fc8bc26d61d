// Browser test of the Email page: an admin sets the outgoing mail server
// (a real Mailpit), sends a test mail that arrives, sees the server's
// refusal when the mail server is down, finds a customer's
// acknowledgement mail in the outbox, and emails a transcript.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, freePort, loadVisitorClient, repoRoot, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

/** Starts the Mailpit `make mailpit` installs (or $LIVECHAT_MAILPIT); fails when there is none. */
async function startMailpit() {
  const bin = process.env.LIVECHAT_MAILPIT || join(repoRoot, "bin", "mailpit");
  assert.ok(existsSync(bin), `Mailpit is not installed at ${bin}: run make mailpit`);
  const [smtp, http] = await Promise.all([freePort(), freePort()]);
  let child = null;
  const api = `http://127.0.0.1:${http}/api/v1`;
  const start = async () => {
    child = spawn(bin, ["--smtp", `127.0.0.1:${smtp}`, "--listen", `127.0.0.1:${http}`, "--disable-version-check", "--quiet"], { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${http}/readyz`)).ok) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("Mailpit did not start");
  };
  const stop = () =>
    new Promise((done) => {
      if (!child || child.exitCode !== null) return done(undefined);
      child.once("exit", () => done(undefined));
      child.kill("SIGKILL");
    });
  await start();
  return {
    smtp,
    stop,
    start,
    /** @returns {Promise<{ID: string, Subject: string, To: {Address: string}[]}[]>} */
    messages: async () => (await (await fetch(`${api}/messages`)).json()).messages,
  };
}

describe("email page", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {Awaited<ReturnType<typeof startMailpit>>} */
  let mailpit;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor[]} */
  const opened = [];
  let siteKey = "";
  let conversationId = "";
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

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors, mailpit] = await Promise.all([startServer(), loadVisitorClient(), startMailpit()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "mail-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
    await mailpit?.stop();
  });

  test("set-up: the admin signs up; a widget asks for an email", async () => {
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
        prechat: { enabled: true, fields: [{ key: "email", label: "Email", type: "PRECHAT_FIELD_TYPE_EMAIL" }] },
      },
    });
    siteKey = created.widget.siteKey;
  });

  test("the admin sets the mail server, checking the form first, and a test mail arrives", async () => {
    await page.getByRole("link", { name: "Email" }).click();
    await page.waitForURL("**/email");
    await page.getByText("No mail yet").waitFor();
    const form = page.getByTestId("mail-settings");
    // Nothing configured: the save is held back until host and sender are given.
    assert.equal(await page.getByTestId("mail-save").isDisabled(), true);
    await page.getByTestId("mail-host").fill("127.0.0.1");
    await page.getByTestId("mail-port").fill(String(mailpit.smtp));
    await page.getByTestId("mail-security").click();
    await page.getByRole("option", { name: "None (local relay only)" }).click();
    await page.getByTestId("mail-username").fill("mailer");
    await form.getByText("Signing in needs STARTTLS or TLS.").waitFor();
    await page.getByTestId("mail-username").fill("");
    await page.getByTestId("mail-from").fill("support@example.com");
    await page.getByTestId("mail-from-name").fill("Shop Support");
    await page.getByTestId("mail-save").click();
    await form.getByRole("status").getByText("Saved.", { exact: false }).waitFor();

    await page.getByTestId("mail-test-to").fill("lan@example.com");
    await page.getByTestId("mail-test-send").click();
    await page.getByTestId("mail-test-sent").waitFor();
    const got = await mailpit.messages();
    assert.equal(got.length, 1);
    assert.equal(got[0].To[0].Address, "lan@example.com");
    assert.equal(got[0].Subject, "Test mail from livechat");
  });

  test("with the mail server down, the test mail says why", async () => {
    await mailpit.stop();
    await page.getByTestId("mail-test-send").click();
    const err = page.getByTestId("mail-test-error");
    await err.getByText("The mail server refused the mail or could not be reached.").waitFor();
    assert.match(await err.innerText(), /could not be sent/);
    await mailpit.start();
  });

  test("a customer's offline message is acknowledged; the outbox shows it sent", async () => {
    // Away: no agent is online, so the message is an offline one.
    await api("AuthService/SetMyStatus", { status: "AGENT_STATUS_AWAY" });
    const v = await visitors.startVisitor(server.url, siteKey, { email: "khach@example.com" });
    opened.push(v);
    conversationId = (await v.send("Do you ship to Da Nang?"))?.conversationId ?? "";
    for (let i = 0; i < 100 && (await mailpit.messages()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const got = await mailpit.messages();
    assert.equal(got.length, 1);
    assert.equal(got[0].To[0].Address, "khach@example.com");
    await page.getByRole("button", { name: "Refresh" }).click();
    const row = page.getByTestId("outbox-row").filter({ hasText: "khach@example.com" });
    await row.getByText("Offline message received").waitFor();
    await row.getByText("Sent").waitFor();
    await page.getByTestId("outbox-filter").click();
    await page.getByRole("option", { name: "Failed" }).click();
    await page.getByText("No mail yet").waitFor();
  });

  test("an agent emails the customer the transcript from the conversation", async () => {
    await page.goto(`${server.url}/inbox/waiting/${conversationId}`);
    await page.getByTestId("send-transcript").click();
    await page.getByText("The transcript is on its way to khach@example.com.").waitFor();
    for (let i = 0; i < 100 && (await mailpit.messages()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    const got = await mailpit.messages();
    assert.equal(got.length, 2);
    assert.equal(got[0].Subject, "Transcript of your conversation with Shop");
    assert.deepEqual(pageErrors, []);
  });

  test("the agent chooses email notifications in Settings; a new conversation while nobody is online is mailed", async () => {
    await page.goto(`${server.url}/settings`);
    const card = page.getByTestId("mail-notifications");
    await card.getByText("Email notifications").waitFor();
    // A notification without an address is held back.
    await card.getByTestId("notify-new").click();
    await card.getByText("Enter the address to email.").waitFor();
    assert.equal(await card.getByTestId("notify-save").isDisabled(), true);
    await card.getByTestId("notify-address").fill("lan@example.com");
    await card.getByTestId("notify-save").click();
    await card.getByRole("status").getByText("Saved.").waitFor();
    await page.reload();
    // Stored for the account: the reload reads it back from the server.
    let address = "";
    for (let i = 0; i < 100 && !address; i++) {
      address = await page.getByTestId("notify-address").inputValue();
      if (!address) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(address, "lan@example.com");
    assert.equal(await page.getByTestId("notify-new").getAttribute("aria-checked"), "true");
    assert.equal(await page.getByTestId("notify-assigned").getAttribute("aria-checked"), "false");

    const before = (await mailpit.messages()).length;
    const v = await visitors.startVisitor(server.url, siteKey, {});
    opened.push(v);
    await v.send("Anyone there tonight?");
    let got = [];
    for (let i = 0; i < 100; i++) {
      got = (await mailpit.messages()).filter((m) => m.To[0].Address === "lan@example.com" && m.Subject.startsWith("New conversation"));
      if (got.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(got.length, 1, `one notification, Mailpit had ${before} mails before`);
    assert.equal(got[0].Subject, "New conversation from a visitor (Shop)");
    assert.deepEqual(pageErrors, []);
  });
});
