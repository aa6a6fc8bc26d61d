// Browser test of two-factor sign-in: the admin enrols in Settings with a
// code computed from the shown secret (RFC 6238, as an authenticator app
// does), sees the QR code and recovery codes once, signs out, and signs in
// again with the password and then a code; a wrong code is refused with
// its reason.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
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

/** The TOTP code (SHA-1, 6 digits, 30 s) of secret, offset steps from now. */
function totp(secret, offset = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + offset));
  const mac = createHmac("sha1", base32(secret)).update(counter).digest();
  const off = mac[mac.length - 1] & 0x0f;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

describe("two-factor sign-in", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  let secret = "";
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
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "two-factor-failure.png") }).catch(() => {});
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

  test("enrolling in Settings shows a QR code, the secret, then recovery codes once", async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    const card = page.getByTestId("two-factor-card");
    await card.getByRole("button", { name: "Set up two-factor sign-in" }).click();
    await card.getByTestId("two-factor-qr").waitFor();
    secret = await card.getByTestId("two-factor-secret").inputValue();
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const code = card.getByLabel("Authentication code");
    await code.fill(totp(secret) === "000000" ? "111111" : "000000");
    await card.getByRole("button", { name: "Turn on" }).click();
    await card.getByText("That code is wrong or was already used.").waitFor();
    await code.fill(totp(secret, -1));
    await card.getByRole("button", { name: "Turn on" }).click();
    const codes = await card.getByTestId("recovery-codes").locator("li").allTextContents();
    assert.equal(codes.length, 10);
    await card.getByText("Two-factor sign-in is on.", { exact: false }).waitFor();
    assert.equal(await card.getByTestId("two-factor-secret").count(), 0, "the secret is not shown after enrolment");
  });

  test("signing in again needs the password and then a code", async () => {
    await page.getByTestId("status-menu").filter({ visible: true }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill(admin.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const code = page.getByLabel("Authentication code");
    await code.waitFor();
    assert.ok(page.url().includes("/login"), "no session before the code");
    // The code that confirmed the enrolment is spent.
    await code.fill(totp(secret, -1));
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByRole("alert").getByText("That code is wrong or was already used.").waitFor();
    await code.press("Control+a");
    await code.fill(totp(secret));
    await code.press("Enter");
    await page.waitForURL("**/inbox/waiting");
    assert.deepEqual(pageErrors, []);
  });
});
