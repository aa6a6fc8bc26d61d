// Browser test: a reply sent with a bot's API token shows the bot's name
// above it in the visitor's widget, not the name of the admin who made the
// token.

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
});
