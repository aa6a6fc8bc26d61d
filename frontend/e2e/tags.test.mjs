// Browser test of tags and inbox filters: an agent tags a conversation by
// typing a new tag's name, filters the inbox by that tag, and sees a new
// conversation join the filtered list live when someone else (a backend
// with an API token) tags it.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("tags and filters", { timeout: 300_000 }, () => {
  /** @type {import("./harness.mjs").Server} */
  let server;
  /** @type {import("playwright-core").Browser} */
  let browser;
  /** @type {import("playwright-core").Page} */
  let page;
  /** @type {Awaited<ReturnType<typeof loadVisitorClient>>} */
  let visitors;
  /** @type {import("./visitor-client.ts").Visitor[]} */
  const opened = [];
  let siteKey = "";
  let token = "";
  const pageErrors = /** @type {string[]} */ ([]);

  /** Calls the API from the signed-in page, in the Connect JSON form. */
  const api = (method, body) =>
    page.evaluate(
      async ([m, b]) => {
        const res = await fetch(`/livechat.v1.${m}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(b) });
        const json = await res.json();
        if (!res.ok) throw new Error(`${m}: ${JSON.stringify(json)}`);
        return json;
      },
      /** @type {[string, object]} */ ([method, body]),
    );

  /** Calls the API as a backend would, with the API token. */
  const backend = async (method, body) => {
    const res = await fetch(`${server.url}/livechat.v1.${method}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method}: ${JSON.stringify(json)}`);
    return json;
  };

  /** A visitor writes; returns the conversation's id. */
  const visitorWrites = async (name, text) => {
    const v = await visitors.startVisitor(server.url, siteKey, { name });
    opened.push(v);
    const sent = await v.send(text);
    assert.ok(sent?.conversationId);
    return sent.conversationId;
  };

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "tags-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up, a widget and an API token exist", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
    const created = await api("WidgetService/CreateWidget", { settings: { name: "Shop", prechat: { enabled: true, fields: [{ key: "name", label: "Name", type: "PRECHAT_FIELD_TYPE_NAME" }] } } });
    siteKey = created.widget.siteKey;
    token = (await api("AuthService/CreateApiToken", { name: "CRM", scope: "API_TOKEN_SCOPE_AGENT" })).secret;
  });

  test("an agent tags a conversation with a new tag, by keyboard", async () => {
    await visitorWrites("Bình", "Just browsing");
    const id = await visitorWrites("Chi", "I am a big customer");
    await page.goto(`${server.url}/inbox/waiting/${id}`);
    const input = page.getByLabel("Add a tag");
    await input.focus();
    await page.keyboard.type("VIP");
    await page.keyboard.press("Enter");
    const editor = page.getByTestId("tag-editor");
    await editor.getByTestId("tag-chip").filter({ hasText: "VIP" }).waitFor();
    assert.equal(await input.inputValue(), "");
    // The inbox row shows it too.
    await page.locator(`[data-conversation-id="${id}"]`).getByTestId("tag-chip").filter({ hasText: "VIP" }).waitFor();
    // Typing the name in another case picks the same tag: still one.
    const tags = await api("TagService/ListTags", {});
    assert.deepEqual(tags.tags.map((t) => t.name), ["VIP"]);
  });

  test("the inbox filters by tag, and a conversation tagged elsewhere joins live", async () => {
    const items = page.getByTestId("conversation-item");
    await items.nth(1).waitFor();
    await page.getByLabel("Filter by tag").selectOption({ label: "VIP" });
    await items.filter({ hasText: "Chi" }).waitFor();
    await items.filter({ hasText: "Bình" }).waitFor({ state: "detached" });
    assert.equal(await items.count(), 1);

    // A new conversation arrives untagged: not in the filtered list.
    const id = await visitorWrites("Dũng", "Where is my invoice?");
    const { tags } = await api("TagService/ListTags", {});
    // A backend tags it through the API; the filtered list shows it live.
    await backend("ConversationService/SetConversationTags", { conversationId: id, tagIds: [tags[0].id] });
    await items.filter({ hasText: "Dũng" }).waitFor();
    assert.equal(await items.count(), 2);

    // Clearing the filter brings everyone back; the keyboard reaches it.
    await page.getByRole("button", { name: "Clear filters" }).focus();
    await page.keyboard.press("Enter");
    await items.filter({ hasText: "Bình" }).waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
