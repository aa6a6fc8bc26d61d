// Browser test of the live flip at opening time, against the real server
// whose clock (LIVECHAT_TEST_CLOCK) starts shortly before a Monday's 8:00 in
// Saigon: a page loaded before opening shows the offline state and, left
// open, turns online at 8:00 by the server's clock without a reload (the
// config's changes_in_seconds tells the widget when to ask again).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { agentStream } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

// Time enough for the server to start and the page to load before 8:00,
// even on a busy machine.
const justBefore8 = "2026-01-05T07:58:45+07:00"; // a Monday

describe("business hours flip live (real server, set clock)", { timeout: 300000 }, () => {
  let s, env, stream;

  before(async () => {
    process.env.LIVECHAT_TEST_CLOCK = justBefore8;
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

  test("a page open across 8:00 turns online without a reload", async () => {
    await env.routing.updateWidgetRouting({
      widgetId: env.widget.id,
      routing: {
        mode: env.api.AssignmentMode.MANUAL,
        hours: {
          enabled: true,
          timeZone: "Asia/Ho_Chi_Minh",
          days: [1, 2, 3, 4, 5].map((day) => ({ day, openMinute: 480, closeMinute: 1020 })),
          outside: env.api.OutsideHours.OFFLINE_FORM,
        },
      },
    });
    const { config } = await env.widgets.getWidgetConfig({ siteKey: env.siteKey });
    assert.equal(config.availability.open, false, "the server's clock is before 8:00");
    assert.ok(config.availability.changesInSeconds > 0 && config.availability.changesInSeconds <= 75, `changes in ${config.availability.changesInSeconds} s`);

    const v = await s.visit("/flip");
    await s.launcher(v.page).click();
    const status = v.page.locator(".lc-status");
    await until(async () => (await status.textContent()) === "We're away right now", "the offline state before 8:00");
    const loads = [];
    v.page.on("framenavigated", (f) => f === v.page.mainFrame() && loads.push(f.url()));
    // Online, the header names who is there ("Lan is here") or says so.
    await until(async () => /^(We're online|.+ here)$/.test((await status.textContent()) ?? ""), "the online state after 8:00", 150000);
    assert.deepEqual(loads, [], "the page was not reloaded");
    await v.ctx.close();
  });
});
