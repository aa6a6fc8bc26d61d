// Browser test of business hours against the real server, whose clock is
// set (LIVECHAT_TEST_CLOCK) to a Monday in Saigon: at 7:00, before the
// widget's 8:00–17:00 hours, the widget shows its offline state although an
// agent is online, or, when the admin chose so, stays open with a notice of
// the next opening; after a restart at 9:00 it is online and tells the
// expected reply time.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { agentStream } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

const before8 = "2026-01-05T07:00:00+07:00"; // a Monday
const at9 = "2026-01-05T09:00:00+07:00";

describe("business hours (real server, set clock)", { timeout: 180000 }, () => {
  let s, env, stream;

  before(async () => {
    process.env.LIVECHAT_TEST_CLOCK = before8;
    s = await startSuite();
    env = s.env;
    stream = agentStream(env.dashboardConversations);
    await until(() => stream.error || stream.events.some((e) => e.kind.case === "ready"), "the agent's stream");
    if (stream.error) throw stream.error;
  });
  after(async () => {
    await stream?.stop();
    await s?.close();
  });

  /** Sets the test widget's hours: Monday to Friday 8:00–17:00 in Saigon. */
  const setHours = (outside) =>
    env.routing.updateWidgetRouting({
      widgetId: env.widget.id,
      routing: {
        mode: env.api.AssignmentMode.MANUAL,
        hours: {
          enabled: true,
          timeZone: "Asia/Ho_Chi_Minh",
          days: [1, 2, 3, 4, 5].map((day) => ({ day, openMinute: 480, closeMinute: 1020 })),
          outside,
        },
        replyTime: { mode: env.api.ReplyTimeMode.FIXED, fixedMinutes: 4 },
      },
    });

  async function open(path) {
    const v = await s.visit(path);
    await s.launcher(v.page).click();
    return v;
  }

  test("before opening: the offline state, though an agent is online", async () => {
    await setHours(env.api.OutsideHours.OFFLINE_FORM);
    const { config } = await env.widgets.getWidgetConfig({ siteKey: env.siteKey });
    assert.equal(config.agentsOnline, true, "an agent is online: only the hours make the widget offline");
    assert.equal(config.availability.open, false);
    const { page, ctx } = await open("/early");
    await page.locator(".lc-greet").getByText("We are away; leave a message.").waitFor();
    assert.equal(await page.locator(".lc-status").textContent(), "We're away right now");
    await page.locator(".lc-intro input[type=email]").waitFor();
    assert.equal(await page.locator('[data-lc="reply"]').count(), 0, "no reply time while offline");
    await ctx.close();
  });

  test("before opening with a notice: the chat stays open and says when answers resume", async () => {
    await setHours(env.api.OutsideHours.NOTICE);
    const { page, ctx } = await open("/notice");
    await page.locator(".lc-greet").getByText("Hi! Ask us anything.").waitFor();
    assert.equal(await page.locator('[data-lc="opens"]').textContent(), "We're closed. We'll answer from Mon 8:00.");
    assert.equal(await page.locator(".lc-intro input[type=email]").count(), 0, "no offline form");
    assert.equal(await page.locator(".lc-status").textContent(), "We're away right now");
    await ctx.close();
  });

  test("inside the hours: online, with the expected reply time", async () => {
    await setHours(env.api.OutsideHours.OFFLINE_FORM);
    await stream.stop();
    process.env.LIVECHAT_TEST_CLOCK = at9;
    await s.server.restart();
    stream = agentStream(env.dashboardConversations);
    await until(() => stream.error || stream.events.some((e) => e.kind.case === "ready"), "the agent's stream after the restart", 30000);
    const { page, ctx } = await open("/open");
    await page.locator(".lc-greet").getByText("Hi! Ask us anything.").waitFor();
    await until(async () => (await page.locator(".lc-status").textContent()) === "Lan is here", "the online status, naming the agent");
    assert.equal(await page.locator('[data-lc="reply"]').textContent(), "Usually replies in a few minutes");
    assert.equal(await page.locator('[data-lc="opens"]').count(), 0);
    await ctx.close();
  });
});
