// Browser test of the widget's emoji picker on the real server: its code
// (and its styles) load only when the visitor opens it; the keyboard alone
// picks an emoji (search, arrows, Enter), which goes in at the caret and is
// sent like typed text; Esc closes it and gives the focus back; names are
// in the visitor's language.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startSuite } from "./lib/suite.mjs";

describe("emoji picker in the widget (real server)", { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  test("loads when opened; the keyboard picks an emoji into the message at the caret", async () => {
    const { page, seen } = await s.visit("/emoji");
    const scripts = [];
    page.on("request", (r) => scripts.push(r.url()));
    await s.launcher(page).click();
    const input = page.locator(".lc-input");
    await input.waitFor();
    assert.ok(!scripts.some((u) => /\/emoji-/.test(u)), "the picker's code loaded before it was opened");

    await input.fill("Thanks  a lot");
    // The caret between the two spaces.
    await input.evaluate((el) => el.setSelectionRange(7, 7));
    const open = page.getByRole("button", { name: "Insert emoji" });
    await open.click();
    const picker = page.getByTestId("emoji-picker");
    await picker.waitFor();
    assert.ok(scripts.some((u) => /\/emoji-/.test(u)), "the picker's code did not load on demand");
    const search = picker.getByRole("combobox", { name: "Search emoji" });
    assert.equal(await search.evaluate((el) => el === el.getRootNode().activeElement), true, "focus is not in the search field");

    await search.fill("thumbs");
    assert.equal(await picker.getByRole("option").count(), 2, "thumbs up and thumbs down");
    await search.press("ArrowRight");
    assert.equal(await picker.getByRole("option", { selected: true }).getAttribute("aria-label"), "thumbs down");
    await search.press("ArrowLeft");
    await search.press("Enter");
    await picker.waitFor({ state: "hidden" });
    assert.equal(await input.inputValue(), "Thanks 👍 a lot");
    assert.equal(await input.evaluate((el) => el === el.getRootNode().activeElement), true, "focus is not back in the message box");

    // No match says so; Esc closes without inserting.
    await open.click();
    await search.fill("zzzz");
    await picker.getByText("No emoji matches").waitFor();
    await search.press("Escape");
    await picker.waitFor({ state: "hidden" });
    assert.equal(await input.inputValue(), "Thanks 👍 a lot");

    // A click inserts too, and the message goes out with its emoji.
    await open.click();
    await search.fill("heart eyes");
    await picker.getByRole("option", { name: "heart eyes" }).click();
    await input.press("End");
    await s.send(page, (await input.inputValue()) + "!");
    await s.bubbles(page, "me").filter({ hasText: "👍" }).waitFor();
    const conv = await s.conversationWith("Thanks");
    assert.deepEqual(await s.customerTexts(conv.id), ["Thanks 👍😍 a lot!"]);
    assert.deepEqual(seen.errors, []);
  });

  test("names are read in Vietnamese for a Vietnamese visitor", async () => {
    const ctx = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "vi-VN" });
    const { page } = await s.visit("/emoji-vi", { context: ctx });
    await s.launcher(page).click();
    await page.getByRole("button", { name: "Chèn biểu tượng cảm xúc" }).click();
    const picker = page.getByTestId("emoji-picker");
    await picker.getByRole("combobox", { name: "Tìm biểu tượng cảm xúc" }).fill("cảm ơn");
    await picker.getByRole("option", { name: "chắp tay, cảm ơn" }).waitFor();
  });
});
