// Browser test: a message the real server refuses shows the reason the
// server's livechat.v1.ErrorDetail gives, translated, never the server's
// English text. The text chosen by the detail's reason differs from the one
// the Connect code alone would give ("This message cannot be sent."), so the
// test fails if the widget stops reading the detail.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startSuite } from "./lib/suite.mjs";

describe("refused messages say why, from the error detail (real server)", { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  for (const [locale, expected] of [
    ["en-US", "Not sent: The message contains characters that cannot be sent."],
    ["vi-VN", "Chưa gửi được: Tin nhắn chứa ký tự không gửi được."],
  ]) {
    test(`in ${locale}`, async () => {
      const context = await s.browser.newContext({ locale, viewport: { width: 1280, height: 800 } });
      const { page, seen } = await s.visit(`/refused-${locale}`, { context });
      await s.launcher(page).click();
      // A control character: only the server's validator refuses it.
      await page.locator(".lc-input").evaluate((el) => {
        el.value = "bell \u0007 rings";
      });
      await page.locator(".lc-input").press("Enter");
      const failed = page.locator(".lc-failed .lc-meta");
      await failed.getByText(expected, { exact: false }).waitFor();
      assert.doesNotMatch(await failed.innerText(), /control character|invalid_argument|TEXT_INVALID/);
      // Retry and Remove are offered; Remove drops it.
      await failed.getByRole("button").last().click();
      await failed.waitFor({ state: "detached" });
      assert.deepEqual(seen.errors.filter((e) => e.startsWith("LiveChat")), []);
      await context.close();
    });
  }
});
