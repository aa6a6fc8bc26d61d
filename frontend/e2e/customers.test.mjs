// Browser test of customer profiles: an agent edits a customer from the
// conversation's customer panel, by keyboard; the edit history shows who
// changed what from which old value to which new one; the Customers page
// finds the customer by search and leads back to their conversation.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;

describe("customer profiles", { timeout: 300_000 }, () => {
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
  let conversationId = "";
  let customerId = "";
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

  before(async () => {
    mkdirSync(artifactsDir, { recursive: true });
    [server, visitors] = await Promise.all([startServer(), loadVisitorClient()]);
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: chromiumArgs });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "en-US" });
    context.setDefaultTimeout(timeout);
    page = await context.newPage();
    page.on("pageerror", (e) => pageErrors.push(String(e)));
  });

  after(async () => {
    for (const v of opened) v.close();
    if (page && process.exitCode) await page.screenshot({ path: join(artifactsDir, "customers-failure.png") }).catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("set-up: the admin signs up; a widget, an attribute and a visitor's chat exist", async () => {
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
    const v = await visitors.startVisitor(server.url, siteKey, { name: "Chi" });
    opened.push(v);
    const sent = await v.send("Can I upgrade my plan?");
    conversationId = sent.conversationId;
    customerId = (await api("ConversationService/GetConversation", { conversationId })).customer.id;
  });

  test("an admin defines a custom attribute from the Customers page", async () => {
    await page.goto(`${server.url}/customers`);
    await page.getByTestId("customer-row").filter({ hasText: "Chi" }).waitFor();
    await page.getByTestId("attributes-manage").click();
    const dialog = page.getByTestId("attributes-dialog");
    await dialog.getByTestId("attribute-label").fill("Plan");
    await dialog.getByTestId("attribute-key").fill("plan");
    await dialog.getByTestId("attribute-create").click();
    await dialog.getByTestId("attributes-list").filter({ hasText: "Plan" }).waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });

  test("an agent edits the customer from the conversation, by keyboard; the edit is recorded with old and new values", async () => {
    await page.goto(`${server.url}/inbox/waiting/${conversationId}`);
    const panel = page.getByTestId("customer-panel");
    const profile = panel.getByTestId("customer-profile");
    await profile.getByTestId("customer-conversations").filter({ hasText: "Can I upgrade my plan?" }).waitFor();
    await profile.getByText("No edits yet").waitFor();

    await profile.getByTestId("customer-edit").focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByTestId("customer-edit-dialog");
    // The first field (the name) has the focus.
    await page.keyboard.press("ControlOrMeta+a");
    await page.keyboard.type("Chi Tran");
    await dialog.getByTestId("customer-edit-company").fill("Acme");
    await dialog.getByTestId("customer-edit-notes").fill("Asked about the yearly plan.");
    await dialog.getByTestId("customer-edit-attr-plan").fill("gold");
    await dialog.getByTestId("customer-edit-attr-plan").press("Enter"); // submits the form
    await dialog.waitFor({ state: "detached" });

    await profile.getByTestId("customer-company").filter({ hasText: "Acme" }).waitFor();
    await profile.getByTestId("customer-attr-plan").filter({ hasText: "gold" }).waitFor();
    await profile.getByTestId("customer-notes").filter({ hasText: "Asked about the yearly plan." }).waitFor();
    const nameChange = profile.getByTestId("customer-change").filter({ hasText: "changed Name" });
    await nameChange.waitFor();
    assert.match(await nameChange.innerText(), /Lan Nguyen changed Name:\s*Chi\s*→\s*Chi Tran/);
    assert.equal(await nameChange.locator("del").innerText(), "Chi");
    assert.equal(await nameChange.locator("ins").innerText(), "Chi Tran");
    assert.equal(await profile.getByTestId("customer-change").count(), 4);
    // The conversation's header and the inbox read the new name.
    await page.locator(`[data-conversation-id="${conversationId}"]`).filter({ hasText: "Chi Tran" }).waitFor();

    // The server recorded exactly that: who, old, new.
    const got = await api("CustomerService/GetCustomer", { customerId });
    const byField = Object.fromEntries(got.changes.map((c) => [c.field, c]));
    assert.equal(byField.name.agentName, admin.name);
    assert.equal(byField.name.oldValue, "Chi");
    assert.equal(byField.name.newValue, "Chi Tran");
    assert.equal(byField["attributes.plan"].newValue, "gold");
    assert.equal(byField.company.oldValue ?? "", "");
  });

  test("the Customers page finds the customer and leads back to the conversation", async () => {
    await page.goto(`${server.url}/customers`);
    await page.getByLabel("Search name, email or phone").fill("tran");
    const row = page.getByTestId("customer-row").filter({ hasText: "Chi Tran" });
    await row.waitFor();
    assert.equal(await page.getByTestId("customer-row").count(), 1);
    await row.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/customers/${customerId}`);
    const profile = page.getByTestId("customer-profile");
    await profile.getByTestId("customer-change").first().waitFor();
    const past = profile.getByTestId("customer-conversations").getByRole("link");
    await past.focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/inbox/waiting/${conversationId}`);

    // A search with no match says so.
    await page.goto(`${server.url}/customers`);
    await page.getByLabel("Search name, email or phone").fill("nobody-like-this");
    await page.getByText("No customer matches “nobody-like-this”").waitFor();
    assert.deepEqual(pageErrors, []);
  });
  test("an agent tags the customer by keyboard; the change is recorded and the Customers page filters by the tag", async () => {
    await page.goto(`${server.url}/customers/${customerId}`);
    const profile = page.getByTestId("customer-profile");
    const tags = profile.getByTestId("customer-tags");
    await tags.getByLabel("Tag this customer").fill("VIP");
    await tags.getByLabel("Tag this customer").press("Enter");
    await tags.getByRole("button", { name: "Remove tag VIP" }).waitFor();
    await profile.getByTestId("customer-change").filter({ hasText: "changed Tags" }).filter({ hasText: "VIP" }).waitFor();
    const got = await api("CustomerService/GetCustomer", { customerId });
    assert.deepEqual(got.profile.tags.map((t) => t.name), ["VIP"]);

    await page.goto(`${server.url}/customers`);
    await page.getByTestId("customer-row").first().waitFor();
    const filter = page.getByLabel("Filter by tag");
    await filter.selectOption({ label: "VIP" });
    await page.getByTestId("customer-row").filter({ hasText: "Chi Tran" }).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="customer-row"]').length === 1);

    // Removing the tag empties the filtered list.
    await page.goto(`${server.url}/customers/${customerId}`);
    await page.getByTestId("customer-tags").getByRole("button", { name: "Remove tag VIP" }).click();
    await page.getByTestId("customer-tags").getByText("No tags").waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
