// Browser test of data protection for admins: turning on "require two-factor
// sign-in for everyone" in Settings leads the admin (who has none) to the
// enrolment page before anything else; enrolling with a code computed as an
// authenticator app does lets them continue; the Audit log page lists the
// change and filters by action; the retention policies take a widget's own
// periods, count what each rule would remove before saving, and keep them.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, startServer } from "./harness.mjs";

const admin = { name: "Mai Tran", username: "mai", password: "correct horse battery" };
const timeout = 15_000;

/** Decodes unpadded RFC 4648 base32. */
function base32(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of s.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const out = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(out);
}

/** The TOTP code (SHA-1, 6 digits, 30 s) of secret, now. */
function totp(secret) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000)));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

describe("data protection", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  const pageErrors = /** @type {string[]} */ ([]);

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
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "privacy-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
  });

  test("requiring two-factor sign-in leads to the enrolment first", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const card = page.getByTestId("security-card");
    await card.getByRole("switch", { name: "Require two-factor sign-in for everyone" }).click();
    const gate = page.getByTestId("two-factor-gate");
    await gate.waitFor();
    assert.equal(await page.getByRole("link", { name: "Inbox" }).count(), 0, "the dashboard is hidden until enrolment");
    await gate.getByRole("button", { name: "Set up two-factor sign-in" }).first().click();
    const secret = await gate.getByTestId("two-factor-secret").inputValue();
    await gate.getByLabel("Authentication code").fill(totp(secret));
    await gate.getByRole("button", { name: "Turn on" }).click();
    await gate.getByTestId("recovery-codes").waitFor();
    // The recovery codes stay until the admin chooses to go on.
    await gate.getByTestId("enrol-continue").click();
    await page.getByRole("link", { name: "Inbox" }).waitFor();
  });

  test("the audit log lists the change and filters by action", async () => {
    await page.getByRole("link", { name: "Audit log" }).click();
    const table = page.getByTestId("audit-table");
    await table.waitFor();
    await table.getByText("Settings changed").waitFor();
    await table.getByText("Two-factor turned on").waitFor();
    await page.getByTestId("audit-action").click();
    await page.getByRole("option", { name: "Settings changed" }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-row"]').length === 1);
    const row = page.getByTestId("audit-row");
    assert.match(await row.textContent(), /Mai Tran/);
    assert.match(await row.textContent(), /require_two_factor/);
    assert.deepEqual(pageErrors, []);
  });

  test("retention: a widget override, the dry run per rule, saved", async () => {
    await page.evaluate(async () => {
      const res = await fetch("/livechat.v1.WidgetService/CreateWidget", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ settings: { name: "Vault" } }),
      });
      if (!res.ok) throw new Error(`CreateWidget: ${res.status}`);
    });
    await page.getByRole("link", { name: "Privacy" }).click();
    const card = page.getByTestId("retention-card");
    await card.getByTestId("retention-attachments").fill("30");
    await card.getByTestId("retention-add-widget").selectOption({ label: "Vault" });
    await card.getByRole("button", { name: "Add widget" }).click();
    const row = card.getByTestId("retention-widget-row");
    await row.getByLabel("Vault: Remove files sent more than … days ago (the message keeps a “file removed” note)").fill("7");
    await card.getByRole("button", { name: "Count what would be removed" }).click();
    const preview = card.getByTestId("retention-preview");
    await preview.getByText("All widgets").waitFor();
    assert.match(await preview.textContent(), /Files/);
    await card.getByRole("button", { name: "Save" }).click();
    await card.getByText("Saved").waitFor();
    await page.reload();
    const again = page.getByTestId("retention-card");
    await again.getByTestId("retention-widget-row").waitFor();
    assert.equal(await again.getByTestId("retention-attachments").inputValue(), "30");
    assert.equal(await again.getByTestId("retention-widget-row").locator("td").first().textContent(), "Vault");
    assert.deepEqual(pageErrors, []);
  });
});
