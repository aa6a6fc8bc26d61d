// Browser test of "Email me a transcript", end to end on the real server
// and a real mail server (Mailpit): the visitor asks from the widget (its
// box loaded as a chunk of its own, only then), gives their address when
// asked, and the transcript — every message they see, no internal note —
// arrives. Run after `npm run build` and `make mailpit`.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { startSuite } from "./lib/suite.mjs";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

/** Starts the Mailpit `make mailpit` installs (or $LIVECHAT_MAILPIT); fails when there is none. */
async function startMailpit() {
  const bin = process.env.LIVECHAT_MAILPIT || join(repo, "bin", "mailpit");
  assert.ok(existsSync(bin), `Mailpit is not installed at ${bin}: run make mailpit`);
  const [smtp, http] = await Promise.all([freePort(), freePort()]);
  const child = spawn(bin, ["--smtp", `127.0.0.1:${smtp}`, "--listen", `127.0.0.1:${http}`, "--disable-version-check", "--quiet"], { stdio: "ignore" });
  const api = `http://127.0.0.1:${http}/api/v1`;
  await until(async () => (await fetch(`http://127.0.0.1:${http}/readyz`)).ok, "Mailpit", 20000);
  return {
    smtp,
    messages: async () => (await (await fetch(`${api}/messages`)).json()).messages,
    message: async (id) => (await fetch(`${api}/message/${id}`)).json(),
    stop: () => child.kill("SIGKILL"),
  };
}

describe("transcript by email (real server, Mailpit)", { timeout: 180000 }, () => {
  let s, env, mailpit;

  before(async () => {
    [s, mailpit] = await Promise.all([startSuite(), startMailpit()]);
    env = s.env;
    await env.mail.updateMailSettings({
      settings: { host: "127.0.0.1", port: mailpit.smtp, security: env.api.MailSecurity.NONE, fromAddress: "support@example.com" },
    });
  });
  after(async () => {
    await s?.close();
    mailpit?.stop();
  });

  test("the visitor asks for the transcript, gives an address, and it arrives without the internal note", async () => {
    const { page } = await s.visit("/transcript");
    const chunk = [];
    page.on("request", (r) => /\/widget-assets\/transcript-/.test(r.url()) && chunk.push(r.url()));
    await s.launcher(page).click();
    await s.send(page, "Where is my order?");
    const conv = await s.conversationWith("Where is my order?");
    await s.agentSend(conv.id, "It ships tomorrow.");
    await env.conversations.sendMessage({ conversationId: conv.id, text: "internal: VIP customer", internal: true, clientMessageId: "note-1" });
    await s.bubbles(page, "agent").filter({ hasText: "It ships tomorrow." }).waitFor();
    assert.equal(chunk.length, 0, "the transcript box is not loaded before it is asked for");

    // No address yet: the widget asks for one, by keyboard.
    await page.getByRole("button", { name: "Email me a transcript" }).click();
    const box = page.locator("[data-lc-transcript]");
    await box.getByText("Where should we send the transcript?").waitFor();
    assert.equal(chunk.length, 1, "the transcript box is loaded once asked for");
    await box.getByRole("button", { name: "Send transcript" }).click();
    await box.getByText("Please enter a valid email address.").waitFor();
    await box.getByLabel("Your email").fill("visitor@example.com");
    await box.getByLabel("Your email").press("Enter");
    await box.getByText("The transcript is on its way to visitor@example.com.").waitFor();

    const got = await until(async () => {
      const ms = await mailpit.messages();
      return ms.find((m) => m.To[0].Address === "visitor@example.com" && m.Subject.startsWith("Transcript"));
    }, "the transcript in Mailpit", 20000);
    const m = await mailpit.message(got.ID);
    for (const want of ["Where is my order?", "It ships tomorrow."]) {
      assert.ok(m.Text.includes(want) && m.HTML.includes(want), `the transcript carries "${want}"`);
    }
    assert.ok(!m.Text.includes("VIP") && !m.HTML.includes("VIP"), "the transcript carries no internal note");
  });
});
