// Browser test: a reply sent with a bot's API token shows the bot's name
// above it in the visitor's widget, not the name of the admin who made the
// token. On a widget whose bot answers first, the visitor's "Talk to a
// person" hands the conversation to the team: the bot no longer holds it and
// the button goes.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { startSuite } from "./lib/suite.mjs";
import { ADMIN } from "./lib/real-server.mjs";

describe("a bot's reply in the widget (real server)", { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  test("shows the bot's name", async () => {
    const { api } = s.env;
    const { secret, token } = await s.env.auth.createApiToken({ name: "Order bot", scope: api.ApiTokenScope.AGENT, botName: "Shop Assistant" });
    assert.equal(token.botName, "Shop Assistant");
    const bot = createClient(
      api.ConversationService,
      createConnectTransport({
        baseUrl: s.server.url,
        interceptors: [(next) => (req) => (req.header.set("Authorization", "Bearer " + secret), next(req))],
      }),
    );

    const { page } = await s.visit("/bot");
    await s.launcher(page).click();
    await s.send(page, "Where is order 1042?");
    const conv = await s.conversationWith("Where is order 1042?");
    await bot.sendMessage({ conversationId: conv.id, text: "It ships today.", clientMessageId: "bot-1" });

    const reply = page.locator(".lc-msg.lc-agent").filter({ hasText: "It ships today." });
    await reply.waitFor();
    assert.equal(await reply.locator(".lc-name").innerText(), "Shop Assistant");
    assert.doesNotMatch(await page.locator(".lc-msg, .lc-sys").allInnerTexts().then((t) => t.join("\n")), new RegExp(ADMIN.displayName));
  });

  test("talk to a person ends the bot's hold", async () => {
    const { api } = s.env;
    const { token } = await s.env.auth.createApiToken({ name: "First bot", scope: api.ApiTokenScope.AGENT, botName: "Helper" });
    const { widget, siteKey } = await s.env.createWidget();
    await s.env.routing.updateWidgetRouting({ widgetId: widget.id, routing: { mode: api.AssignmentMode.MANUAL, botTokenId: token.id } });

    const { page } = await s.visit("/bot-first", { siteKey });
    await s.launcher(page).click();
    await s.send(page, "I need help with a refund");
    const conv = await s.conversationWith("I need help with a refund");
    assert.equal(conv.botName, "Helper");

    const button = page.locator("[data-lc-handoff]");
    await button.waitFor();
    assert.equal(await button.innerText(), "Talk to a person");
    await button.click();
    await button.waitFor({ state: "detached" });
    // The handoff line reads in the visitor's language, not the server's English.
    await page.locator(".lc-sys").getByText("Passed to our team").waitFor();
    const { conversation } = await s.env.conversations.getConversation({ conversationId: conv.id });
    assert.equal(conversation.botName, "");
  });
});
