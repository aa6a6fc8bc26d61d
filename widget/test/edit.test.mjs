// Browser test of editing and deleting messages across both sides of one
// conversation, on the real server: the visitor corrects a message in the
// widget and the dashboard shows it edited, the original in its history;
// the admin edits a reply in the
// dashboard and the visitor's open widget shows the new text, marked
// edited, without a reload, and never the old text; the admin reads the
// original in the message's history; a deletion shows as deleted live.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { ADMIN } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

describe("edited and deleted messages, live on both sides (real server)", { timeout: 240000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  test("an edit shows as edited to the visitor at once; the admin keeps the original", async () => {
    const { page, seen } = await s.visit("/edit");
    await s.launcher(page).click();
    await s.send(page, "Where is order 1042?");
    const conv = await s.conversationWith("order 1042");

    const ctx = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const dash = await ctx.newPage();
    const errors = [];
    dash.on("pageerror", (e) => errors.push(String(e)));
    await dash.goto(`${s.server.url}/login`);
    await dash.getByLabel("Username").fill(ADMIN.username);
    await dash.getByLabel("Password").fill(ADMIN.password);
    await dash.getByRole("button", { name: "Sign in" }).click();
    await dash.waitForURL("**/inbox/**");
    await dash.goto(`${s.server.url}/inbox/all/${conv.id}`);
    await dash.getByTestId("customer-message").getByText("Where is order 1042?").waitFor();

    // The visitor corrects their message in the widget, with the keyboard.
    const mine = page.locator(".lc-msg.lc-me").filter({ hasText: "order 1042" });
    await mine.getByRole("button", { name: "Edit" }).click();
    const box = page.locator(".lc-edit-input");
    await box.fill("Where is order 1043?");
    await box.press("Enter");
    await page.locator(".lc-msg.lc-me .lc-meta").getByText("edited", { exact: false }).waitFor();
    // The dashboard shows the new text live, marked edited; the admin reads the original.
    const customerLine = dash.getByTestId("customer-message").filter({ hasText: "Where is order 1043?" });
    await customerLine.getByTestId("message-history-open").click();
    await dash.getByTestId("message-history").getByText("Where is order 1042?").waitFor();
    await dash.keyboard.press("Escape");
    await dash.getByTestId("message-history").waitFor({ state: "detached" });

    const composer = dash.getByTestId("composer");
    await composer.fill("It ships tomorow");
    await composer.press("Enter");
    await s.bubbles(page, "agent").getByText("It ships tomorow").waitFor();

    // The admin edits the reply with the keyboard: the actions menu, Edit, new text, Enter.
    const reply = dash.getByTestId("agent-message").filter({ hasText: "It ships tomorow" });
    await reply.getByTestId("message-actions").focus();
    await dash.keyboard.press("Enter");
    await dash.getByTestId("message-edit").waitFor();
    await dash.keyboard.press("Enter");
    const editor = dash.getByTestId("message-editor").locator("textarea");
    await editor.fill("It ships **tomorrow**");
    await editor.press("Enter");
    await dash.getByTestId("agent-message").filter({ hasText: "It ships tomorrow" }).getByTestId("message-history-open").waitFor();

    // The visitor's widget, untouched since: the new text, formatted, marked edited.
    const agentLine = page.locator(".lc-msg.lc-agent").last();
    await agentLine.locator(".lc-bubble strong").getByText("tomorrow").waitFor();
    await agentLine.locator(".lc-meta").getByText("edited", { exact: false }).waitFor();
    assert.ok(!(await page.locator(".lc-msg").allInnerTexts()).some((x) => x.includes("tomorow")), "the widget still shows the old text");

    // The admin opens the history and reads the original.
    await dash.getByTestId("agent-message").filter({ hasText: "It ships tomorrow" }).getByTestId("message-history-open").click();
    const history = dash.getByTestId("message-history");
    await history.getByTestId("message-revision").getByText("It ships tomorow").waitFor();
    await dash.keyboard.press("Escape");
    await history.waitFor({ state: "detached" });

    // A deletion shows as deleted on the visitor's side, live.
    const current = dash.getByTestId("agent-message").filter({ hasText: "It ships tomorrow" });
    await current.getByTestId("message-actions").click();
    await dash.getByTestId("message-delete").click();
    await dash.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
    await page.locator(".lc-msg.lc-agent.lc-del").getByText("This message was deleted.").waitFor();
    await until(async () => !(await page.locator(".lc-msg.lc-agent").last().innerText()).includes("tomorrow"), "the deleted text gone from the widget");

    // After a reload, the widget still shows only what is now.
    await page.reload();
    await s.launcher(page).click();
    await page.locator(".lc-msg.lc-del").getByText("This message was deleted.").waitFor();
    const shown = await page.locator(".lc-msg").allInnerTexts();
    assert.ok(!shown.some((x) => /tomorr?ow/.test(x)), `the widget shows a replaced text: ${shown}`);
    assert.deepEqual(errors, []);
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });
});
