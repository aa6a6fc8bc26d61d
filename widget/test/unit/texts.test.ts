// The admin's texts in the visitor's language: the translation for that
// language field by field, else the default.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { textsFor } from "../../src/texts";
import type { ConfigJson } from "../../src/types";

const config: ConfigJson = {
  appearance: { title: "Support", greeting: "Hi! Ask us anything.", launcherLabel: "Chat with us" },
  offline: { message: "We are away." },
  prechat: { enabled: true, fields: [{ key: "name", label: "Your name" }, { key: "order", label: "Order number" }] },
  translations: {
    vi: {
      title: "Hỗ trợ",
      greeting: "Xin chào! Bạn cần gì?",
      launcherLabel: "",
      offlineMessage: "   ",
      prechatLabels: { name: "Tên của bạn" },
    },
  },
};

describe("the admin's texts in the visitor's language", () => {
  test("a translated field replaces the default", () => {
    const vi = textsFor(config, "vi");
    assert.equal(vi.title, "Hỗ trợ");
    assert.equal(vi.greeting, "Xin chào! Bạn cần gì?");
    assert.equal(vi.prechatLabel("name", "Your name"), "Tên của bạn");
  });

  test("an empty or blank translation falls back to the default, field by field", () => {
    const vi = textsFor(config, "vi");
    assert.equal(vi.launcherLabel, "Chat with us");
    assert.equal(vi.offlineMessage, "We are away.");
    assert.equal(vi.prechatLabel("order", "Order number"), "Order number");
  });

  test("a language without a translation gets the defaults", () => {
    const en = textsFor(config, "en");
    assert.deepEqual(
      [en.title, en.greeting, en.launcherLabel, en.offlineMessage, en.prechatLabel("name", "Your name")],
      ["Support", "Hi! Ask us anything.", "Chat with us", "We are away.", "Your name"],
    );
  });

  test("no texts at all: empty, so the widget's own words apply", () => {
    const none = textsFor({}, "vi");
    assert.deepEqual([none.title, none.greeting, none.launcherLabel, none.offlineMessage], ["", "", "", ""]);
    assert.equal(none.prechatLabel(undefined, undefined), "");
  });
});
