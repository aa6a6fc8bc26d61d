// Browser test of satisfaction ratings, end to end on the real server: an
// agent resolves the conversation, the visitor's widget asks for a rating
// (its card loaded as a chunk of its own, only then), the visitor rates by
// keyboard and mouse with a comment, and the agent's dashboard, open on the
// conversation, shows the rating at once, and the change made within the
// window too. Run after `npm run build`.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ADMIN } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

const FIVE = 1; // livechat.v1.CsatScale.FIVE

describe("satisfaction rating (real server)", { timeout: 180000 }, () => {
  let s, env;

  before(async () => {
    s = await startSuite();
    env = s.env;
  });
  after(async () => {
    await s?.close();
  });

  test("the visitor rates a resolved conversation; the dashboard shows it live", async () => {
    const { siteKey } = await env.createWidget({ csat: FIVE });
    const { page, seen } = await s.visit("/rate", { siteKey });
    const ratingChunk = [];
    page.on("request", (r) => /\/widget-assets\/rating-/.test(r.url()) && ratingChunk.push(r.url()));
    await s.launcher(page).click();
    await s.send(page, "My parcel never arrived");
    const conv = await s.conversationWith("My parcel never arrived");
    assert.equal(ratingChunk.length, 0, "the rating card is not loaded before it is needed");

    // The agent, in the dashboard, has the conversation open.
    const dashCtx = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const dash = await dashCtx.newPage();
    await dash.goto(`${s.server.url}/login`);
    await dash.getByLabel("Username").fill(ADMIN.username);
    await dash.getByLabel("Password").fill(ADMIN.password);
    await dash.getByRole("button", { name: "Sign in" }).click();
    await dash.waitForURL("**/inbox/**");
    await dash.goto(`${s.server.url}/inbox/resolved/${conv.id}`);
    await dash.getByTestId("conversation-title").waitFor();

    await env.conversations.claimConversation({ conversationId: conv.id });
    await env.conversations.setConversationStatus({ conversationId: conv.id, status: env.api.ConversationStatus.RESOLVED });
    await dash.getByTestId("conversation-status").filter({ hasText: "Resolved" }).waitFor();

    // The widget asks; four stars by keyboard, then a comment.
    const card = page.locator(".lc-rate");
    await card.getByText("How would you rate this conversation?").waitFor();
    assert.equal(ratingChunk.length, 1, "the rating card is loaded once it is needed");
    await card.getByRole("button", { name: "4 of 5 stars" }).focus();
    await page.keyboard.press("Enter");
    assert.equal(await card.getByRole("button", { name: "4 of 5 stars" }).getAttribute("aria-pressed"), "true");
    assert.equal(await card.getByRole("button", { name: "5 of 5 stars" }).getAttribute("aria-pressed"), "false");
    await card.getByLabel("Add a comment (optional)").fill("Kind, but slow");
    await card.getByRole("button", { name: "Send rating" }).click();
    await card.getByText("Thank you for your feedback!").waitFor();

    // The dashboard shows it without a reload.
    const badge = dash.getByTestId("conversation-rating");
    await badge.filter({ hasText: "Rated 4/5" }).waitFor();
    assert.equal(await dash.getByTestId("conversation-rating-comment").textContent(), "“Kind, but slow”");

    // Changed within the window: the dashboard follows.
    await card.getByRole("button", { name: "Change rating" }).click();
    await card.getByRole("button", { name: "5 of 5 stars" }).click();
    await card.getByLabel("Add a comment (optional)").fill("");
    await card.getByRole("button", { name: "Send rating" }).click();
    await card.getByText("Thank you for your feedback!").waitFor();
    await badge.filter({ hasText: "Rated 5/5" }).waitFor();
    await dash.getByTestId("conversation-rating-comment").waitFor({ state: "detached" });

    // A reload of the host page remembers the rating: no second question.
    await page.reload();
    await s.launcher(page).click();
    await page.locator(".lc-rate").getByText("Thank you for your feedback!").waitFor();
    assert.deepEqual(seen.errors, []);
    await dashCtx.close();
  });
});
