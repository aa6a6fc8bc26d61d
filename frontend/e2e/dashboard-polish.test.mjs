// Browser tests of what agents ran into in daily use of the dashboard: long
// unbroken text, links, pre-chat answers, e-mail addresses in the customer
// panel, replies into waiting or a colleague's conversations, their own
// presence at load, labels that must fit at 1280 px in both languages, the
// reconnecting notice, per-language widget texts in the widget editor and
// its preview, and what a failed sign-in says.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { artifactsDir, chromiumArgs, loadVisitorClient, startServer } from "./harness.mjs";

const admin = { name: "Lan Nguyen", username: "lan", password: "correct horse battery" };
const timeout = 15_000;
const longUrl = `https://track.example.com/parcel?id=${"A1b2C3d4E5".repeat(21)}`; // 250+ characters, no break
const longEmail = "maximilian.nguyen-tran.customer@support.example-shop.com.vn";
const subscribeUrl = "**/livechat.v1.ConversationService/Subscribe";
const listAgentsUrl = "**/livechat.v1.AuthService/ListAgents";

describe("dashboard polish", { timeout: 300_000 }, () => {
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
  let minhId = "";
  const pageErrors = /** @type {string[]} */ ([]);

  /**
   * Calls the API from the signed-in page (its session cookie), in the
   * Connect JSON form.
   * @param {string} method e.g. "AuthService/CreateAgent"
   * @param {object} body
   */
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

  /** A visitor who sends one message, and the dashboard address of their conversation. */
  async function visitorWith(text, prechat = {}) {
    const v = await visitors.startVisitor(server.url, siteKey, prechat);
    opened.push(v);
    const sent = await v.send(text);
    assert.ok(sent?.conversationId, "no conversation for the visitor's message");
    return { visitor: v, conversationId: sent.conversationId, url: `${server.url}/inbox/all/${sent.conversationId}` };
  }

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
    await browser?.close();
    await server?.stop();
  });

  test("first run: the admin signs up", async () => {
    await page.goto(server.url);
    await page.waitForURL("**/setup");
    await page.getByLabel("Display name").fill(admin.name);
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password", { exact: true }).fill(admin.password);
    await page.getByLabel("Confirm password").fill(admin.password);
    // A slow network for the first answer about the team: the server reads
    // it before my event stream opens (so it says I am offline), and it
    // arrives after the stream said I am online. Nothing else is changed.
    let streamMayOpen = () => {};
    const teamRead = new Promise((resolve) => (streamMayOpen = resolve));
    let gated = false;
    let held = false;
    await page.route(subscribeUrl, async (route) => {
      if (gated) return route.continue();
      gated = true;
      await teamRead;
      await route.continue();
    });
    await page.route(listAgentsUrl, async (route) => {
      if (held) return route.continue();
      held = true;
      const response = await route.fetch();
      streamMayOpen(undefined);
      await new Promise((r) => setTimeout(r, 1_500));
      await route.fulfill({ response });
    });
    await page.getByRole("button", { name: "Create admin account" }).click();
    await page.waitForURL("**/inbox/waiting");
  });

  test("my own presence is online as soon as I am signed in", async () => {
    // The first sign-in: the team list is fetched while the stream that
    // makes me online is still opening, so the server may answer it with
    // me offline; the stream's word must win at once.
    const mine = page.getByTestId("team-list").locator("li").filter({ hasText: admin.name }).locator("[data-presence]");
    await mine.waitFor();
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('[data-testid="status-menu"]')].some((el) => /Online/.test(el.getAttribute("aria-label") ?? "")),
    );
    await page.locator('[data-testid="team-list"] li [data-presence="online"]').waitFor({ timeout: 2_000 });
    await page.waitForTimeout(1_000);
    assert.equal(await mine.getAttribute("data-presence"), "online");
    // The agents screen says so too.
    await page.getByRole("link", { name: "Agents" }).click();
    await page.locator('[data-testid="agent-row"][data-username="lan"] [data-presence="online"]').waitFor({ timeout: 2_000 });
    await page.unroute(subscribeUrl);
    await page.unroute(listAgentsUrl);
  });

  test("more set-up: a colleague and a widget that asks for an order number", async () => {
    const minh = await api("AuthService/CreateAgent", {
      username: "minh",
      displayName: "Minh Tran",
      role: "AGENT_ROLE_AGENT",
      password: "minh's first password",
    });
    minhId = minh.agent.id;
    const created = await api("WidgetService/CreateWidget", {
      settings: {
        name: "Shop",
        allowedOrigins: ["https://shop.example.com"],
        appearance: {
          primaryColor: "#4f46e5",
          position: "WIDGET_POSITION_BOTTOM_RIGHT",
          title: "Support",
          greeting: "Hi!",
          launcherLabel: "Chat",
          locale: "WIDGET_LOCALE_AUTO",
        },
        prechat: {
          enabled: true,
          fields: [
            { key: "email", label: "Email", type: "PRECHAT_FIELD_TYPE_EMAIL" },
            { key: "order_number", label: "Order number", type: "PRECHAT_FIELD_TYPE_TEXT" },
          ],
        },
        offline: { message: "We're away.", collectEmail: true },
      },
    });
    siteKey = created.widget.siteKey;
  });

  test("my own presence stays online across a reload", async () => {
    await page.goto(`${server.url}/agents`);
    const me = page.locator('[data-testid="agent-row"][data-username="lan"]');
    await me.locator('[data-presence="online"]').waitFor();
    await page.reload();
    await page.getByTestId("team-list").waitFor();
    await me.locator('[data-presence="online"]').waitFor({ timeout: 2_000 });
  });

  test("a 250-character URL wraps inside its bubble and is a safe link", async () => {
    const { url } = await visitorWith(`Tracking: ${longUrl} and javascript:alert(1) or http://x.test/a.`, {
      email: longEmail,
      order_number: "A-1042",
    });
    await page.goto(url);
    const message = page.getByTestId("customer-message").filter({ hasText: "Tracking:" });
    await message.waitFor();
    await page.getByTestId("customer-panel").waitFor();
    const layout = await message.evaluate((li) => {
      const bubble = /** @type {HTMLElement} */ (li.querySelector("[data-testid=bubble]") ?? li.lastElementChild);
      const column = /** @type {HTMLElement} */ (li.parentElement);
      const panel = /** @type {HTMLElement} */ (document.getElementById("customer-panel"));
      const b = bubble.getBoundingClientRect();
      const c = column.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      return { bubble: b.width, bubbleRight: b.right, column: c.width, columnRight: c.right, panelLeft: p.left, scroll: column.scrollWidth };
    });
    assert.ok(layout.bubble <= layout.column, `bubble ${layout.bubble} px in a ${layout.column} px column`);
    assert.ok(layout.columnRight <= layout.panelLeft + 1, `the thread runs under the customer panel: ${JSON.stringify(layout)}`);
    assert.ok(layout.bubbleRight <= layout.panelLeft, `the bubble runs under the customer panel: ${JSON.stringify(layout)}`);

    const link = message.locator(`a[href="${longUrl}"]`);
    assert.equal(await link.count(), 1, "the URL is not a link");
    assert.equal(await link.getAttribute("target"), "_blank");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    assert.equal(await link.textContent(), longUrl);
    // The full stop after a URL ends the sentence, not the URL.
    assert.equal(await message.locator('a[href="http://x.test/a"]').count(), 1);
    assert.equal(await message.locator('a[href^="javascript"]').count(), 0);
    assert.equal(await message.locator("a").count(), 2);
    await page.screenshot({ path: join(artifactsDir, "polish-long-url.png") });
  });

  test("the customer panel names pre-chat questions and breaks an e-mail only between its parts", async () => {
    const panel = page.getByTestId("customer-panel");
    await panel.getByText("Order number", { exact: true }).waitFor();
    assert.equal(await panel.getByText("order_number", { exact: true }).count(), 0);
    assert.equal(await panel.getByText("A-1042").count(), 1);

    const email = panel.locator(`a[href="mailto:${longEmail}"]`);
    await email.waitFor();
    // Where each line of the address starts: only at "@" or "." (or the start).
    const lineStarts = await email.evaluate((a) => {
      const starts = [];
      let lastTop = -1;
      const walker = document.createTreeWalker(a, NodeFilter.SHOW_TEXT);
      let offset = 0;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? "";
        for (let i = 0; i < text.length; i++) {
          const r = document.createRange();
          r.setStart(node, i);
          r.setEnd(node, i + 1);
          const top = Math.round(r.getBoundingClientRect().top);
          if (top > lastTop + 2) {
            starts.push({ at: offset + i, char: text[i] });
            lastTop = top;
          }
        }
        offset += text.length;
      }
      return starts;
    });
    assert.equal((await email.textContent())?.replace(/\s/g, ""), longEmail);
    assert.ok(lineStarts.length > 1, "the long address fits on one line: the test proves nothing");
    for (const { at, char } of lineStarts.slice(1)) {
      assert.ok(char === "@" || char === ".", `the address breaks before "${longEmail.slice(at, at + 6)}…" (${JSON.stringify(lineStarts)})`);
    }
    // A short one does not break at all.
  });

  test("a reply into a colleague's conversation asks first, by keyboard too", async () => {
    const { url, conversationId, visitor } = await visitorWith("Minh was helping me");
    await api("ConversationService/AssignConversation", { conversationId, agentId: minhId });
    await page.goto(url);
    await page.getByText("Assigned to Minh Tran").first().waitFor();
    const composer = page.getByTestId("composer");

    // A note needs no confirmation.
    await page.getByTestId("mode-note").click();
    await composer.fill("Taking a look for Minh");
    await composer.press("Enter");
    await page.getByTestId("note-message").filter({ hasText: "Taking a look" }).waitFor();
    await page.getByTestId("mode-reply").click();

    await composer.fill("I can help too");
    await composer.press("Enter");
    const dialog = page.getByRole("alertdialog", { name: "Reply in Minh Tran's conversation?" });
    await dialog.waitFor();
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await composer.inputValue(), "I can help too");
    assert.equal(await page.getByTestId("agent-message").count(), 0);
    assert.equal(await page.evaluate(() => document.activeElement?.id), "composer");

    await composer.press("Enter");
    await dialog.waitFor();
    // The confirming button has the focus: Enter sends.
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Send reply");
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "detached" });
    await page.getByTestId("agent-message").filter({ hasText: "I can help too" }).waitFor();
    await visitor.waitForMessage((m) => m.text === "I can help too");
    assert.equal(await composer.inputValue(), "");

    // Once confirmed, the next reply in the same conversation goes straight out.
    await composer.fill("Here is what I found");
    await composer.press("Enter");
    await page.getByTestId("agent-message").filter({ hasText: "Here is what I found" }).waitFor();
    assert.equal(await dialog.count(), 0);
  });

  test("a reply to a waiting conversation claims it, and the view shows it", async () => {
    const { url } = await visitorWith("Nobody has claimed me yet");
    await page.goto(url);
    await page.getByTestId("conversation-status").filter({ hasText: "Waiting" }).waitFor();
    const composer = page.getByTestId("composer");
    await composer.fill("I'm on it");
    await composer.press("Enter");
    await page.getByTestId("agent-message").filter({ hasText: "I'm on it" }).waitFor();
    await page.getByTestId("conversation-status").filter({ hasText: "Active" }).waitFor();
    await page.getByText(`Assigned to ${admin.name}`).first().waitFor();
    assert.equal(await page.getByTestId("claim").count(), 0);
  });

  test("the reconnecting notice keeps clear of the composer", async () => {
    const notice = page.getByTestId("reconnecting");
    await page.context().setOffline(true);
    try {
      await notice.waitFor({ timeout: 10_000 });
      const [n, form] = await Promise.all([notice.boundingBox(), page.locator('form[aria-label="Write a message"]').boundingBox()]);
      assert.ok(n && form, "no layout for the notice or the composer");
      const overlaps = n.x < form.x + form.width && form.x < n.x + n.width && n.y < form.y + form.height && form.y < n.y + n.height;
      assert.ok(!overlaps, `the notice covers the composer: ${JSON.stringify({ n, form })}`);
    } finally {
      await page.context().setOffline(false);
    }
    await notice.waitFor({ state: "hidden", timeout: 15_000 });
  });

  /** The visible labels that are cut short (text wider than its box), with their text. */
  const truncated = () =>
    page.evaluate(() => {
      const cut = [];
      // Whatever is cut with an ellipsis, but list previews (cut on purpose),
      // and every placeholder.
      for (const el of document.querySelectorAll("body *")) {
        if (!(el instanceof HTMLElement) || !el.offsetParent || el.closest("[data-testid=conversation-item]")) continue;
        if (!(el instanceof HTMLInputElement) && getComputedStyle(el).textOverflow !== "ellipsis") continue;
        if (el instanceof HTMLInputElement && !el.placeholder) continue;
        if (el instanceof HTMLInputElement) {
          // A placeholder is cut when its text is wider than the box inside its padding.
          const style = getComputedStyle(el);
          const ctx = document.createElement("canvas").getContext("2d");
          if (!ctx) continue;
          ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
          const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          if (ctx.measureText(el.placeholder).width > room) cut.push(el.placeholder);
        } else if (el.scrollWidth > el.clientWidth) {
          cut.push(el.textContent);
        }
      }
      return cut;
    });

  test("labels fit at 1280 px in English and Vietnamese, and counts are translated", async () => {
    for (const lang of ["en", "vi"]) {
      if (lang === "vi") {
        await page.getByTestId("language-switch").filter({ visible: true }).click();
        await page.getByRole("menuitemradio", { name: "Tiếng Việt" }).click();
        await page.locator("html[lang=vi]").waitFor({ state: "attached" });
      }
      await page.goto(`${server.url}/inbox/all`);
      await page.getByTestId("conversation-item").first().waitFor();
      await page.getByTestId("queue-unassigned").waitFor();
      assert.deepEqual(await truncated(), [], `cut in the inbox (${lang})`);
      await page.screenshot({ path: join(artifactsDir, `polish-inbox-${lang}.png`) });

      await page.goto(`${server.url}/agents`);
      await page.locator('[data-testid="agent-row"][data-username="lan"]').waitFor();
      assert.deepEqual(await truncated(), [], `cut on the agents screen (${lang})`);

      await page.goto(`${server.url}/widgets`);
      await page.getByTestId("widgets-list").waitFor();
      await page.getByTestId("widgets-list").getByText(lang === "vi" ? "1 trang web" : "1 website", { exact: true }).waitFor();
    }
    await page.getByTestId("language-switch").filter({ visible: true }).click();
    await page.getByRole("menuitemradio", { name: "English" }).click();
    await page.locator("html[lang=en]").waitFor({ state: "attached" });
  });

  test("the widget editor writes the texts per language, previews each, and keeps them", async () => {
    await page.goto(`${server.url}/widgets/new`);
    await page.getByTestId("widget-name").fill("Per language");
    const en = page.getByTestId("texts-en");
    const vi = page.getByTestId("texts-vi");
    await page.getByRole("tab", { name: "Tiếng Việt" }).click();
    await vi.getByLabel("Title").fill("Hỗ trợ khách hàng");
    await vi.getByLabel("Greeting").fill("Xin chào! Chúng tôi có thể giúp gì?");
    await vi.getByLabel("Button label").fill("Trò chuyện");
    await vi.getByLabel("Offline message").fill("Chúng tôi sẽ trả lời qua email.");
    // The same limits as the defaults.
    assert.equal(await vi.getByLabel("Title").getAttribute("maxlength"), "40");
    assert.equal(await vi.getByLabel("Greeting").getAttribute("maxlength"), "500");
    await page.getByRole("tab", { name: "English" }).click();
    await en.getByLabel("Title").fill("Customer care");

    const frame = page.frameLocator('[data-testid="widget-preview"]');
    await page.getByLabel("Preview language").click();
    await page.getByRole("option", { name: "Tiếng Việt" }).click();
    await frame.locator(".lc-panel").getByText("Hỗ trợ khách hàng").waitFor();
    await frame.getByText("Xin chào! Chúng tôi có thể giúp gì?").waitFor();
    await page.getByLabel("Preview language").click();
    await page.getByRole("option", { name: "English" }).click();
    await frame.locator(".lc-panel").getByText("Customer care").waitFor();

    // The launcher shows beside the open panel, on the chosen side, and
    // covers none of it.
    const layout = () =>
      frame.locator("body").evaluate(() => {
        const root = /** @type {ShadowRoot} */ ([...document.querySelectorAll("*")].find((el) => el.shadowRoot)?.shadowRoot);
        const box = (sel) => {
          const el = root.querySelector(sel);
          if (!el) return null;
          const r = el.getBoundingClientRect();
          return { x: r.x, y: r.y, right: r.right, bottom: r.bottom, width: r.width, height: r.height, visible: getComputedStyle(el).display !== "none" };
        };
        return { width: innerWidth, height: innerHeight, launcher: box(".lc-launcher"), panel: box(".lc-panel") };
      });
    let l = await layout();
    assert.ok(l.launcher?.visible && l.launcher.width > 0, `no launcher beside the open panel: ${JSON.stringify(l)}`);
    assert.ok(l.panel && l.launcher.y >= l.panel.bottom, `the launcher overlaps the panel: ${JSON.stringify(l)}`);
    assert.ok(l.launcher.x > l.width / 2, `launcher not on the right: ${JSON.stringify(l)}`);
    await page.getByLabel("Position", { exact: true }).click();
    await page.getByRole("option", { name: "Bottom left" }).click();
    await frame.locator(".lc-left").waitFor({ state: "attached" });
    l = await layout();
    assert.ok(l.launcher && l.launcher.right < l.width / 2, `launcher not on the left: ${JSON.stringify(l)}`);

    // Offline: the message and the Start button are in view and uncovered.
    await page.getByLabel("Preview as if no one is online").click();
    const ask = frame.getByText("Leave your email and we will reply there.");
    const send = frame.getByRole("button", { name: /^(Start chat|Save)$/ });
    await send.waitFor();
    for (const el of [ask, send]) {
      const uncovered = await el.evaluate((node) => {
        const r = node.getBoundingClientRect();
        const root = /** @type {ShadowRoot} */ (node.getRootNode());
        const hit = root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return { inView: r.top >= 0 && r.bottom <= innerHeight, own: !!hit && (hit === node || node.contains(hit)) };
      });
      assert.deepEqual(uncovered, { inView: true, own: true }, `covered or out of view: ${await el.textContent()}`);
    }
    await page.screenshot({ path: join(artifactsDir, "polish-widget-editor.png") });

    await page.getByTestId("save-widget").click();
    // A busy machine may take a while; a refusal shows as an alert.
    await page.getByTestId("identity-secret").or(page.getByRole("alert").filter({ hasText: /./ })).first().waitFor({ timeout: 90_000 });
    assert.equal(await page.getByTestId("identity-secret").count(), 1, `not created: ${await page.getByRole("alert").allTextContents()}`);
    await page.getByRole("button", { name: "Done" }).click();
    // Read back from the server.
    await page.reload();
    await page.getByRole("tab", { name: "Tiếng Việt" }).click();
    assert.equal(await vi.getByLabel("Title").inputValue(), "Hỗ trợ khách hàng");
    assert.equal(await vi.getByLabel("Button label").inputValue(), "Trò chuyện");
    await page.getByRole("tab", { name: "English" }).click();
    assert.equal(await en.getByLabel("Title").inputValue(), "Customer care");

    // And an edit of a saved widget keeps them too.
    await page.getByRole("tab", { name: "Tiếng Việt" }).click();
    await vi.getByLabel("Title").fill("Hỗ trợ");
    await page.getByTestId("save-widget").click();
    await page.getByRole("status").filter({ hasText: "Saved" }).waitFor();
    await page.reload();
    await page.getByRole("tab", { name: "Tiếng Việt" }).click();
    assert.equal(await vi.getByLabel("Title").inputValue(), "Hỗ trợ");
    assert.equal(await vi.getByLabel("Greeting").inputValue(), "Xin chào! Chúng tôi có thể giúp gì?");
  });

  // Last: the throttle also counts this client's address, so nobody signs
  // in from here for a while afterwards.
  test("a wrong password says so, and a throttled sign-in says when to retry", async () => {
    await page.goto(`${server.url}/inbox/waiting`);
    await page.getByTestId("status-menu").filter({ visible: true }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL("**/login");
    await page.getByLabel("Username").fill(admin.username);
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "The username or password is wrong." }).waitFor();
    assert.doesNotMatch((await alert.textContent()) ?? "", /session/i);
    // Still on the login page, the form as it was.
    assert.match(page.url(), /\/login/);
    assert.equal(await page.getByLabel("Username").inputValue(), admin.username);

    await page.getByLabel("Username").fill("nobody");
    for (let i = 0; i < 8; i++) {
      await page.getByLabel("Password").fill(`guess ${i}`);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      await page.waitForFunction(() => !document.querySelector('button[type="submit"]')?.hasAttribute("disabled"));
      if (/Too many/.test((await alert.textContent()) ?? "")) break;
    }
    const text = (await alert.textContent()) ?? "";
    assert.match(text, /Too many failed sign-in attempts\. Try again in (\d+ (minutes?|seconds?)|a few minutes)\./);
    assert.deepEqual(pageErrors, []);
  });
});
