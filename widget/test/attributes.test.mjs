// Browser test of LiveChat.setAttributes() on a host site, against the real
// server: attributes set by a page whose visitor is not identity-verified
// are ignored, and stored (as the website's change) once the site has
// verified the visitor with LiveChat.identify().

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { until } from "./lib/browser.mjs";
import { ADMIN } from "./lib/real-server.mjs";
import { startSuite } from "./lib/suite.mjs";

describe("LiveChat.setAttributes (real server)", { timeout: 180000 }, () => {
  let s, env;
  let cookie = "";

  /** Calls the API as the signed-in admin, in the Connect JSON form. */
  async function call(method, body) {
    const res = await fetch(`${s.server.url}/livechat.v1.${method}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method}: ${JSON.stringify(json)}`);
    return json;
  }

  before(async () => {
    s = await startSuite();
    env = s.env;
    const res = await fetch(`${s.server.url}/livechat.v1.AuthService/Login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: s.server.url },
      body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }),
    });
    cookie = (res.headers.get("set-cookie") || "").split(";")[0];
    await call("CustomerService/CreateAttributeDefinition", { key: "plan", label: "Plan", type: "ATTRIBUTE_TYPE_TEXT" });
  });
  after(async () => {
    await s?.close();
  });

  /** The customer of the conversation holding text, as agents see them. */
  async function customerOf(text) {
    const conv = await s.conversationWith(text);
    return call("CustomerService/GetCustomer", { customerId: conv.customerId });
  }

  test("ignored without a verified identity", async () => {
    const { page, seen } = await s.visit("/attrs-anonymous");
    await s.launcher(page).click();
    await s.send(page, "Anonymous with attributes");
    await page.evaluate(() => window.LiveChat.setAttributes({ plan: "gold" }));
    await page.waitForTimeout(1000);
    assert.deepEqual(seen.errors, [], "a warning in the console, not an error");
    const got = await customerOf("Anonymous with attributes");
    assert.deepEqual(got.profile.customAttributes ?? [], []);
    assert.deepEqual(got.changes ?? [], []);
  });

  test("stored for a visitor the site verified", async () => {
    const { page } = await s.visit("/attrs-verified");
    await s.launcher(page).waitFor({ state: "visible" });
    const hmac = createHmac("sha256", env.identitySecret).update("user-attrs").digest("hex");
    await page.evaluate((h) => {
      window.LiveChat.identify({ userId: "user-attrs", hmac: h, name: "Mai" });
      window.LiveChat.setAttributes({ plan: "platinum" });
    }, hmac);
    await s.launcher(page).click();
    await s.send(page, "Verified with attributes");
    let got;
    await until(async () => {
      got = await customerOf("Verified with attributes");
      return got.profile.customAttributes?.[0]?.value === "platinum";
    }, "the attribute stored");
    assert.equal(got.profile.customer.verifiedUserId, "user-attrs");
    assert.equal(got.changes[0].byWebsite, true);
    assert.equal(got.changes[0].newValue, "platinum");
  });
});
