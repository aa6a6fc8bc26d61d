// Browser test of the markdown subset on both sides of one conversation:
// hostile messages (HTML, javascript:/data: links, markers around HTML)
// sent by the visitor through the widget and by the agent through the API
// render as inert text and safe links in the widget and in the dashboard,
// and both sides build the same elements from the same text.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { ADMIN } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

const REL = "noopener noreferrer nofollow";
// Each payload would set window.__pwned if any of it ran as HTML or script.
const fromVisitor = [
  "**Bold** and _it_ and `<b>code</b>` <img src=x onerror=\"window.__pwned='img'\">",
  "[click me](javascript:window.__pwned='js') [data](data:text/html,<script>window.__pwned='data'</script>)",
];
const fromAgent = [
  "- one **<svg onload=\"window.__pwned='svg'\">**\n- two https://example.com/a_b.\n\n```\n<script>window.__pwned='pre'</script>\n```",
  "[docs](https://example.com/docs) <iframe src=\"javascript:window.__pwned='frame'\"></iframe> [mail](mailto:help@example.com)",
];

/** The element tree of each message bubble in page order: tags, the attributes that matter and text. */
function shapeOf(bubbles) {
  const walk = (n) =>
    n.nodeType === 3
      ? n.textContent
      : {
          tag: n.tagName.toLowerCase(),
          href: n.getAttribute("href") ?? undefined,
          target: n.getAttribute("target") ?? undefined,
          rel: n.getAttribute("rel") ?? undefined,
          attrs: n.getAttributeNames().filter((a) => !["href", "target", "rel", "class", "start"].includes(a)),
          kids: [...n.childNodes].map(walk),
        };
  return bubbles.map((b) => [...b.childNodes].map(walk));
}

describe("markdown renders safely and identically in the widget and the dashboard (real server)", { timeout: 240000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  test("hostile messages stay inert on both sides", async () => {
    const { page, seen } = await s.visit("/markdown");
    await s.launcher(page).click();
    for (const text of fromVisitor) {
      await s.send(page, text);
      await until(async () => (await s.bubbles(page, "me").count()) >= fromVisitor.indexOf(text) + 1, "the visitor's message");
    }
    const conv = await s.conversationWith("Bold");
    for (const text of fromAgent) await s.agentSend(conv.id, text);
    await until(async () => (await s.bubbles(page, "agent").count()) === fromAgent.length, "the agent's replies in the widget");

    // The widget: formatting applied, no element from the text, only the two safe links.
    const widget = page.locator(".lc-msg:not(.lc-pending) .lc-bubble");
    await page.locator(".lc-bubble strong").getByText("Bold").waitFor();
    assert.equal(await page.locator(".lc-bubble em").first().innerText(), "it");
    assert.equal(await page.locator(".lc-bubble code").first().innerText(), "<b>code</b>");
    assert.equal(await page.locator(".lc-bubble li").count(), 2);
    assert.match(await page.locator(".lc-bubble pre").innerText(), /<script>/);
    assert.equal(await page.locator(".lc-bubble :is(img,script,svg,iframe,b,i)").count(), 0);
    const links = await page.locator(".lc-bubble a").evaluateAll((as) => as.map((a) => [a.getAttribute("href"), a.target, a.rel]));
    assert.deepEqual(links, [
      ["https://example.com/a_b", "_blank", REL],
      ["https://example.com/docs", "_blank", REL],
      ["mailto:help@example.com", "_blank", REL],
    ]);
    await page.locator(".lc-bubble").getByText("[click me](javascript:window.__pwned='js')").waitFor();
    assert.equal(await page.evaluate(() => window.__pwned ?? null), null, "nothing ran in the host page");
    const widgetShape = await widget.evaluateAll(shapeOf);

    // The dashboard, signed in as the admin: the same elements from the same texts.
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
    const bubbles = dash.locator("[data-testid=bubble] > .md");
    await until(async () => (await bubbles.count()) === fromVisitor.length + fromAgent.length, "all four messages in the dashboard");
    assert.equal(await dash.locator("[data-testid=bubble] :is(img,script,svg,iframe,b,i)").count(), 0);
    const dashShape = await bubbles.evaluateAll(shapeOf);
    assert.deepEqual(dashShape, widgetShape, "the dashboard and the widget build the same elements");
    // Following the javascript: text is not possible: it is not a link.
    await dash.getByText("[click me](javascript:window.__pwned='js')").click();
    assert.equal(await dash.evaluate(() => window.__pwned ?? null), null, "nothing ran in the dashboard");
    assert.deepEqual(errors, []);
    assert.deepEqual(seen.errors, []);
    await ctx.close();
  });
});
