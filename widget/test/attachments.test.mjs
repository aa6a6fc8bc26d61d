// Browser test of attachments, both ways, against the real server: a
// visitor pastes a screenshot into the widget and the agent, on the
// conversation in the dashboard, sees it arrive live as an image (and opens
// it); the agent attaches a PDF in the dashboard and the visitor gets it as
// a download in the widget. The upload code of the widget loads only when
// a file is first attached. Run after `make build`.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { ADMIN } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

describe("attachments in the widget and the dashboard (real server)", { timeout: 180000 }, () => {
  let s;
  before(async () => {
    s = await startSuite();
  });
  after(async () => {
    await s?.close();
  });

  /** The dashboard, signed in as the admin (Lan). */
  async function dashboard() {
    const agentCtx = await s.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US" });
    const agent = await agentCtx.newPage();
    await agent.goto(`${s.server.url}/login`);
    await agent.getByLabel("Username").fill(ADMIN.username);
    await agent.getByLabel("Password").fill(ADMIN.password);
    await agent.getByRole("button", { name: "Sign in" }).click();
    await agent.waitForURL("**/inbox/**");
    return { agent, agentCtx };
  }

  test("a pasted screenshot reaches the agent live; the agent's PDF reaches the visitor", async () => {
    // The host page lets the widget show the server's images.
    const { page, ctx, seen } = await s.visit("/files", { csp: false });
    await s.launcher(page).click();
    await s.send(page, "Hello, the checkout breaks");
    const conv = await s.conversationWith("checkout breaks");

    const { agent, agentCtx } = await dashboard();
    await agent.goto(`${s.server.url}/inbox/all/${conv.id}`);
    await agent.getByTestId("bubble").getByText("Hello, the checkout breaks").waitFor();

    const before = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name));
    assert.ok(!before.some((u) => u.includes("/widget-assets/attach-")), "the upload code is not loaded before a file is attached");

    // The visitor pastes a screenshot (a PNG drawn in the page) into the box.
    await page.evaluate(async () => {
      const canvas = document.createElement("canvas");
      canvas.width = 400;
      canvas.height = 300;
      const g = canvas.getContext("2d");
      g.fillStyle = "#c00";
      g.fillRect(0, 0, 400, 300);
      const blob = await new Promise((r) => canvas.toBlob(r, "image/png"));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], "image.png", { type: "image/png" }));
      const input = document.querySelector("livechat-widget").shadowRoot.querySelector(".lc-input");
      input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    const chip = page.locator(".lc-chip");
    await chip.waitFor();
    await until(async () => !(await page.locator(".lc-chip progress").count()) && (await chip.textContent()).includes("KB"), "the upload to finish");
    await page.locator(".lc-input").press("Enter");

    // The agent sees it arrive, as an image, without reloading.
    const image = agent.locator('[data-testid="attachment-image"]');
    await image.waitFor();
    // The thumbnail is made on its first request: on a busy machine the
    // element is there before the image has loaded.
    await until(async () => image.evaluate((img) => img.complete && img.naturalWidth > 0), "the preview to load");
    assert.ok(await image.evaluate((img) => img.naturalWidth === 320), "the preview is the thumbnail");
    await image.click();
    const full = agent.locator('[data-testid="lightbox"] img');
    await full.waitFor();
    await until(() => full.evaluate((img) => img.complete && img.naturalWidth === 400), "the full image in the lightbox");
    await agent.keyboard.press("Escape");

    // The agent attaches a PDF and sends it.
    await agent.locator('[data-testid="attach-input"]').setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: PDF });
    await agent.locator('[data-testid="upload-chip"][data-state="done"]').waitFor();
    await agent.locator('[data-testid="composer"]').fill("Your invoice");
    await agent.locator('[data-testid="send"]').click();

    // The visitor gets it: a link that downloads the file.
    const link = page.locator(".lc-msg.lc-agent a.lc-file");
    await link.waitFor({ timeout: 15000 });
    assert.match(await link.textContent(), /^invoice\.pdf · /);
    const res = await fetch(await link.getAttribute("href"));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition"), /^attachment/);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), PDF);

    assert.deepEqual(seen.errors, []);

    // A file uploaded but not yet sent survives a reload, and goes out once.
    await page.locator(".lc-composer input[type=file]").setInputFiles({ name: "receipt.txt", mimeType: "text/plain", buffer: Buffer.from("order 1234\n") });
    await until(async () => (await page.locator(".lc-chip").textContent()).includes(" B"), "the receipt to upload");
    const reopen = async () => {
      await page.reload();
      await s.launcher(page).waitFor();
      if (!(await page.locator(".lc-input").isVisible())) await s.launcher(page).click();
    };
    await reopen();
    await page.locator(".lc-chip").getByText("receipt.txt").waitFor();
    await page.locator(".lc-input").press("Enter");
    await page.locator(".lc-msg.lc-me:not(.lc-pending) a.lc-file").getByText(/^receipt\.txt/).waitFor();
    await reopen();
    await page.locator(".lc-msg.lc-me a.lc-file").getByText(/^receipt\.txt/).waitFor();
    assert.equal(await page.locator(".lc-chip").count(), 0, "the tray is empty after the send");
    const { messages } = await s.env.conversations.listMessages({ conversationId: conv.id, pageSize: 100 });
    assert.equal(messages.filter((m) => m.attachments.some((a) => a.fileName === "receipt.txt")).length, 1, "sent once");

    // A file of a type the server refuses is named as such, in the tray
    // (the browser logs the refused request, nothing else).
    await page.locator(".lc-composer input[type=file]").setInputFiles({ name: "setup.png", mimeType: "image/png", buffer: Buffer.from("MZ\x90\x00 not a picture") });
    await page.locator(".lc-chip.lc-failed").getByText("Files of this type cannot be sent.").waitFor();
    assert.ok(seen.errors.every((e) => e.includes("status of 400")), seen.errors.join("\n"));
    await agentCtx.close();
    await ctx.close();
  });

  test("a reload during an upload neither loses nor duplicates the message", async () => {
    const { page, ctx } = await s.visit("/reload-upload", { csp: false });
    await s.launcher(page).click();
    // Uploads are held by the network until the page reloads: the reload
    // happens mid-upload, with the message already sent.
    const held = [];
    const uploads = (url) => url.pathname === "/api/attachments";
    await page.route(uploads, (route) => held.push(route));
    const log = Buffer.from("line of a long log\n".repeat(20000)); // 380 KB
    await page.locator(".lc-composer input[type=file]").setInputFiles({ name: "big.log", mimeType: "text/plain", buffer: log });
    await page.locator(".lc-chip progress").waitFor();
    await s.send(page, "Here is the log of the crash");
    await page.locator(".lc-msg.lc-pending").getByText("big.log").waitFor();
    await until(() => held.length > 0, "the upload to start");
    await page.unroute(uploads);
    await page.reload();
    for (const r of held) await r.abort().catch(() => {});
    await s.launcher(page).waitFor();
    if (!(await page.locator(".lc-input").isVisible())) await s.launcher(page).click();

    // The upload restarts from the kept file and the message goes out once.
    await page.locator(".lc-msg.lc-me:not(.lc-pending) a.lc-file").getByText(/^big\.log/).waitFor({ timeout: 30000 });
    const conv = await s.conversationWith("log of the crash");
    const { messages } = await s.env.conversations.listMessages({ conversationId: conv.id, pageSize: 100 });
    const sent = messages.filter((m) => m.text === "Here is the log of the crash");
    assert.equal(sent.length, 1, "one message");
    assert.deepEqual(
      sent[0].attachments.map((a) => [a.fileName, Number(a.size)]),
      [["big.log", log.length]],
      "with the whole file",
    );
    assert.equal(await page.locator(".lc-msg.lc-pending").count(), 0, "nothing left in the outbox");
    assert.equal(await page.locator(".lc-chip").count(), 0, "nor in the tray");
    await ctx.close();
  });

  test("an agent's avatar from the dashboard shows beside their messages in the widget", async () => {
    const { agent, agentCtx } = await dashboard();
    await agent.goto(`${s.server.url}/settings`);
    const input = agent.locator('[data-testid="avatar-input"]');

    // A PDF is no avatar: refused, with the reason.
    await input.setInputFiles({ name: "me.pdf", mimeType: "application/pdf", buffer: PDF });
    await agent.locator('[data-testid="avatar-error"]').getByText("Files of this type cannot be sent here.").waitFor();

    // A photo (drawn in the page) is.
    const png = Buffer.from(
      await agent.evaluate(async () => {
        const c = document.createElement("canvas");
        c.width = 400;
        c.height = 240;
        const g = c.getContext("2d");
        g.fillStyle = "#0a7";
        g.fillRect(0, 0, 400, 240);
        return c.toDataURL("image/png").split(",")[1];
      }),
      "base64",
    );
    await input.setInputFiles({ name: "me.png", mimeType: "image/png", buffer: png });
    const mine = agent.locator('[data-testid="avatar-editor"] [data-testid="avatar-image"]');
    await mine.waitFor();
    const src = await mine.getAttribute("src");
    assert.match(src, /^\/api\/avatars\/[0-9a-f]{64}\.jpg$/);
    assert.equal(await agent.locator('[data-testid="avatar-error"]').count(), 0);
    // The header's status menu shows it too.
    await agent.locator('[data-testid="status-menu"] [data-testid="avatar-image"]').filter({ visible: true }).first().waitFor();
    // Lan's dashboard holds a stream: Lan is online, with the face, for visitors.
    await until(async () => {
      const { config } = await s.env.widgets.getWidgetConfig({ siteKey: s.env.siteKey });
      return config.onlineAgents.some((a) => a.name === "Lan" && a.avatarUrl === src);
    }, "Lan online in the widget's config");

    const { page, ctx } = await s.visit("/avatars", { csp: false });
    await s.launcher(page).click();
    // The header says who is here, with the face.
    await page.locator(".lc-status").getByText("Lan is here").waitFor();
    assert.equal(await page.locator(".lc-status img.lc-av").getAttribute("src"), s.server.url + src);
    await s.send(page, "Who am I talking to?");
    const conv = await s.conversationWith("Who am I talking to");
    await s.agentSend(conv.id, "Lan here, hello!");
    const face = page.locator(".lc-msg.lc-agent .lc-name img.lc-av");
    await face.waitFor({ timeout: 15000 });
    assert.equal(await face.getAttribute("src"), s.server.url + src);
    await until(() => face.evaluate((img) => img.complete && img.naturalWidth === 128), "the avatar to load");
    await ctx.close();
    await agentCtx.close();
  });

  test("the kinds of file a widget allows, ticked in the dashboard, decide what its visitors may send", async () => {
    const { widget, siteKey } = await s.env.createWidget({ name: "Kinds" });
    const { agent, agentCtx } = await dashboard();
    await agent.goto(`${s.server.url}/widgets/${widget.id}`);
    const kinds = agent.getByTestId("attachment-kinds");
    const pdf = kinds.getByLabel("PDF", { exact: true });
    // The default kinds are ticked; archives are not.
    assert.ok(await pdf.isChecked());
    assert.ok(!(await kinds.getByLabel("ZIP archives").isChecked()));
    const save = async () => {
      await agent.getByTestId("save-widget").click();
      await agent.getByRole("status").getByText("Saved").waitFor({ timeout: 20000 });
    };
    await pdf.uncheck();
    await save();

    const { page, ctx } = await s.visit("/kinds", { siteKey, csp: false });
    await s.launcher(page).click();
    // The picker offers the allowed kinds only; a PDF sent anyway is refused.
    const [chooser] = await Promise.all([page.waitForEvent("filechooser"), page.locator(".lc-attach").click()]);
    const accept = await page.locator(".lc-composer input[type=file]").getAttribute("accept");
    assert.match(accept, /image\/png/);
    assert.doesNotMatch(accept, /pdf/);
    await chooser.setFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: PDF });
    await page.locator(".lc-chip.lc-failed").getByText("Files of this type cannot be sent.").waitFor();

    // Ticked again, the same file goes.
    await pdf.check();
    await save();
    await page.locator(".lc-chip.lc-failed button").click();
    await page.locator(".lc-composer input[type=file]").setInputFiles({ name: "invoice.pdf", mimeType: "application/pdf", buffer: PDF });
    await until(async () => (await page.locator(".lc-chip").textContent()).includes(" B"), "the PDF to upload");
    assert.equal(await page.locator(".lc-chip.lc-failed").count(), 0);
    await ctx.close();
    await agentCtx.close();
  });
});
