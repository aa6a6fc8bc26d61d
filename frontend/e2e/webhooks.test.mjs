// Browser test of webhooks: an admin adds one on the page (the server
// refuses a loopback receiver until the private network is allowed), the
// secret is shown once, a visitor's message reaches a real receiver signed
// so that the independent `standardwebhooks` package verifies it, the
// delivery log resends and replays from a delivery, and a failing receiver
// shows as retrying with the reason. In English and Vietnamese. Also: an
// API token made a bot on the tokens page.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

/**
 * A webhook receiver: answers `status` and records every request's
 * headers and raw body.
 */
function startReceiver() {
  /** @type {{ headers: Record<string, string>, body: string }[]} */
  const got = [];
  /** @type {(() => void)[]} */
  let waiters = [];
  const r = {
    status: 200,
    got,
    url: "",
    /** Resolves when `n` requests have arrived. */
    waitFor(n, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver: ${got.length} requests, want ${n}`)), ms);
        const check = () => {
          if (got.length >= n) {
            clearTimeout(timer);
            resolve(got[n - 1]);
            return true;
          }
          return false;
        };
        if (!check()) waiters.push(check);
      });
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: /** @type {Record<string, string>} */ (req.headers), body });
      res.writeHead(r.status, { "Content-Type": "text/plain" });
      res.end(`answered ${r.status}`);
      waiters = waiters.filter((w) => !w());
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const addr = /** @type {import("node:net").AddressInfo} */ (server.address());
      r.url = `http://127.0.0.1:${addr.port}/hooks`;
      resolve(r);
    });
  });
}

describe("webhooks", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor | undefined} */
  let visitor;
  /** @type {Awaited<ReturnType<typeof startReceiver>>} */
  let receiver;
  let siteKey = "";
  let secret = "";
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
    [server, visitors, receiver] = await Promise.all([startServer(), loadVisitorClient(), startReceiver()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    visitor?.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "webhooks-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
    await receiver?.close();
  });

  test("set-up: the admin signs up and makes a widget", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const created = await api("WidgetService/CreateWidget", { settings: { name: "Shop" } });
    siteKey = created.widget.siteKey;
  });

  test("the page adds a webhook by keyboard, refusing a private address until allowed, and shows the secret once", async () => {
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.waitForURL("**/webhooks");
    await page.getByText("No webhooks yet").waitFor();

    await page.getByTestId("create-webhook").focus();
    await page.keyboard.press("Enter");
    const url = page.getByTestId("webhook-url");
    await url.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute("data-testid")), "webhook-url");
    await page.keyboard.type(receiver.url);
    // The defaults: conversation created and message sent.
    assert.equal(await page.getByRole("checkbox", { name: "Message sent" }).isChecked(), true);
    await page.getByRole("checkbox", { name: "Conversation created" }).uncheck();
    await page.getByTestId("webhook-save").click();
    await page.getByText("This address is on a private network. Turn on “Allow private network” to use it.").waitFor();

    await page.getByTestId("webhook-allow-private").focus();
    await page.keyboard.press("Space");
    assert.equal(await page.getByTestId("webhook-allow-private").getAttribute("aria-checked"), "true");
    await page.getByTestId("webhook-save").focus();
    await page.keyboard.press("Enter");
    const shown = page.getByTestId("webhook-secret");
    await shown.waitFor();
    secret = (await shown.innerText()).trim();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    await page.getByText("This is the only time it's shown. If you lose it, rotate it.").waitFor();
    await page.getByRole("button", { name: "Done" }).click();

    const row = page.getByTestId("webhook-row");
    await row.getByText(receiver.url).waitFor();
    assert.equal(await row.getByTestId("webhook-state").innerText(), "Healthy");
    assert.match(await row.innerText(), /Message sent/);
    assert.doesNotMatch(await row.innerText(), /whsec_/);
  });

  test("a visitor's message arrives signed; standardwebhooks verifies it", async () => {
    visitor = await visitors.startVisitor(server.url, siteKey);
    await visitor.send("Where is my parcel?");
    const first = await receiver.waitFor(1);
    const payload = new Webhook(secret).verify(first.body, first.headers);
    assert.equal(payload.type, "message.created");
    assert.equal(payload.data.message.text, "Where is my parcel?");
    assert.match(first.headers["webhook-id"], /^evt_\d+_message\.created$/);
    // A forged body does not verify.
    assert.throws(() => new Webhook(secret).verify(first.body.replace("parcel", "refund"), first.headers));
  });

  test("the delivery log resends and replays from a delivery", async () => {
    await page.getByRole("link", { name: "Delivery log" }).click();
    await page.waitForURL("**/webhooks/*");
    const row = page.getByTestId("delivery-row");
    await row.first().waitFor();
    assert.equal(await row.getByTestId("delivery-result").innerText(), "OK 200");
    assert.match(await row.innerText(), /answered 200/);

    await row.getByRole("button", { name: "Resend" }).click();
    const resent = await receiver.waitFor(2);
    assert.equal(resent.headers["webhook-id"], receiver.got[0].headers["webhook-id"]);
    new Webhook(secret).verify(resent.body, resent.headers);
    await page.getByTestId("delivery-row").nth(1).waitFor();
    assert.match(await page.getByTestId("delivery-row").first().innerText(), /Resent/);

    await page.getByTestId("delivery-row").last().getByRole("button", { name: "Replay from here" }).click();
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    const replayed = await receiver.waitFor(3);
    assert.equal(replayed.headers["webhook-id"], receiver.got[0].headers["webhook-id"]);
    new Webhook(secret).verify(replayed.body, replayed.headers);
  });

  test("a failing receiver shows as retrying with the reason, then recovers", async () => {
    receiver.status = 500;
    const before = receiver.got.length;
    await visitor?.send("Hello?");
    await receiver.waitFor(before + 1);
    await page.goto(`${server.url}/webhooks`);
    const row = page.getByTestId("webhook-row");
    await row.getByTestId("webhook-error").getByText("the receiver answered 500").waitFor();
    assert.equal(await row.getByTestId("webhook-state").innerText(), "Retrying");

    receiver.status = 200;
    const ok = await receiver.waitFor(before + 2, 60_000);
    assert.equal(new Webhook(secret).verify(ok.body, ok.headers).data.message.text, "Hello?");
    await page.reload();
    await page.getByTestId("webhook-row").getByTestId("webhook-state").getByText("Healthy").waitFor();
  });

  test("API tokens: a bot token is named in the dialog and marked in the list", async () => {
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByTestId("create-token").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Name").fill("Order bot");
    await dialog.getByLabel("Bot (optional)").fill("Shop Assistant");
    await dialog.getByRole("button", { name: "Create token" }).click();
    await dialog.getByTestId("token-secret").waitFor();
    await dialog.getByRole("button", { name: "Done" }).click();
    const row = page.getByTestId("token-row").filter({ hasText: "Order bot" });
    assert.equal(await row.getByTestId("token-bot").innerText(), "Bot: Shop Assistant");
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.getByTestId("webhook-row").waitFor();
  });

  test("in Vietnamese", async () => {
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
    await page.locator("html[lang=vi]").waitFor({ state: "attached" });
    await page.getByRole("heading", { name: "Webhook" }).waitFor();
    assert.equal(await page.getByTestId("webhook-state").innerText(), "Ổn định");
    await page.getByRole("button", { name: "Nhật ký gửi" }).or(page.getByRole("link", { name: "Nhật ký gửi" })).first().waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
