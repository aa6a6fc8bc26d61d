// What every browser test file of the widget shares: a host site on its own
// origin, the real server with a first admin, an API token and a widget for
// that origin, Chromium, and helpers to visit a host page as a visitor, act
// in the widget and act as the agent through the API.

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { embedPage, launch, startHostSite, until, watch } from "./browser.mjs";
import { setUp, startRealServer } from "./real-server.mjs";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "dist");

export async function startSuite() {
  if (!existsSync(join(dist, "widget.js"))) throw new Error("dist/widget.js is missing: run `npm run build` first");
  const [host, server, browser] = await Promise.allSettled([startHostSite(), startRealServer(), launch()]).then(
    async (all) => {
      const failed = all.find((r) => r.status === "rejected");
      if (!failed) return all.map((r) => r.value);
      const [h, srv, b] = all.map((r) => (r.status === "fulfilled" ? r.value : null));
      await b?.close();
      await srv?.stop();
      await h?.close();
      throw failed.reason;
    },
  );
  let env;
  try {
    env = await setUp(server.url, host.origin);
  } catch (err) {
    await browser.close();
    await server.stop();
    await host.close();
    throw err;
  }
  let n = 0;

  const suite = {
    host,
    server,
    browser,
    env,

    /**
     * Opens a host page embedding the widget as a visitor. opts: via (the
     * server URL the page loads widget.js from), siteKey, viewport, context
     * (a browser context to use), and embedPage's options.
     */
    async visit(path, opts = {}) {
      const { via = server.url, siteKey = env.siteKey, viewport, context, ...embed } = opts;
      const { html, headers } = embedPage({ server: via, config: { siteKey }, ...embed });
      const url = host.page(path, html, headers);
      const ctx = context || (await browser.newContext({ viewport: viewport || { width: 1280, height: 800 } }));
      const page = await ctx.newPage();
      const seen = watch(page);
      await page.goto(url);
      return { page, ctx, seen, url };
    },

    /** A host page's HTML and headers for config, loading widget.js from the server. */
    embed: (config, opts = {}) => embedPage({ server: server.url, config, ...opts }),

    launcher: (page) => page.locator(".lc-launcher"),
    /** Delivered messages (not pending ones) of the visitor ("me") or agents ("agent"). */
    bubbles: (page, who) => page.locator(`.lc-msg.lc-${who}:not(.lc-pending) .lc-bubble`),

    async send(page, text) {
      await page.locator(".lc-input").fill(text);
      await page.locator(".lc-input").press("Enter");
    },

    /** A reply from the agent through the API (retried while the server restarts). */
    agentSend: (conversationId, text) => {
      const clientMessageId = `agent-${Date.now()}-${++n}`;
      return until(
        () => env.conversations.sendMessage({ conversationId, text, clientMessageId }),
        `the agent's "${text}"`,
        20000,
      );
    },

    /** The conversation whose messages include this text. */
    conversationWith: (text) =>
      until(async () => {
        const { conversations } = await env.conversations.listConversations({ query: text });
        return conversations[0];
      }, `conversation with "${text}"`),

    /** The texts of a conversation's messages from the customer. */
    async customerTexts(conversationId) {
      const { messages } = await until(
        () => env.conversations.listMessages({ conversationId, pageSize: 200 }),
        "the conversation's messages",
      );
      return messages.filter((m) => m.senderType === env.api.SenderType.CUSTOMER).map((m) => m.text);
    },

    async close() {
      await browser?.close();
      await server?.stop();
      await host?.close();
    },
  };
  return suite;
}
