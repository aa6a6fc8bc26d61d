import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fromPreview, readEmbed, validIdentity } from "../../src/embed";
import { Events } from "../../src/events";
import { brandColors } from "../../src/frame";

describe("the embed settings", () => {
  const tag = (dataset: Record<string, string>, src = "https://chat.example.com/widget.js") => ({ dataset, src });

  test("window.LiveChatConfig wins over the tag; the tag alone suffices", () => {
    const both = readEmbed({ siteKey: "from-config", locale: "vi" }, tag({ siteKey: "from-tag", locale: "en" }));
    assert.equal(both.siteKey, "from-config");
    assert.equal(both.locale, "vi");
    const tagOnly = readEmbed({}, tag({ siteKey: "from-tag", serverUrl: "https://other.example.com///" }));
    assert.equal(tagOnly.siteKey, "from-tag");
    assert.equal(tagOnly.server, "https://other.example.com", "no trailing slash");
  });

  test("the server defaults to where widget.js came from", () => {
    assert.equal(readEmbed({ siteKey: "k" }, tag({}, "https://chat.example.com/sub/widget.js?v=1")).server, "https://chat.example.com/sub");
    assert.equal(readEmbed({ siteKey: "k" }, null).server, "");
  });

  test("an identity needs userId and hmac as strings", () => {
    assert.equal(validIdentity({ userId: "u", hmac: "h" }), true);
    assert.equal(validIdentity({ userId: "u", hmac: "" }), false);
    assert.equal(validIdentity({ userId: 42, hmac: "h" } as never), false);
    assert.equal(readEmbed({ identity: { userId: "u" } as never }, null).identity, null);
  });

  test("the preview shows agents online unless told otherwise", () => {
    assert.equal(fromPreview({}).agentsOnline, true);
    assert.equal(fromPreview({ agentsOnline: false }).agentsOnline, false);
  });
});

test("brand colours: dark text on light colours, white on dark ones, a default for bad input", () => {
  assert.deepEqual(brandColors("#0f766e"), { color: "#0f766e", on: "#ffffff" });
  assert.deepEqual(brandColors("#fde68a"), { color: "#fde68a", on: "#111827" });
  assert.deepEqual(brandColors("red; background: url(x)"), { color: "#2563eb", on: "#ffffff" });
  assert.deepEqual(brandColors(undefined), { color: "#2563eb", on: "#ffffff" });
});

test("host page events: a throwing listener does not stop the others; unknown names are refused", () => {
  const e = new Events();
  const got: number[] = [];
  const orig = console.error;
  console.error = () => {};
  try {
    assert.equal(e.on("unread", () => { throw new Error("page bug"); }), true);
    const fn = (n?: number) => void got.push(n ?? -1);
    assert.equal(e.on("unread", fn), true);
    assert.equal(e.on("nope", fn), false);
    assert.equal(e.on("open", "not a function"), false);
    e.emit("unread", 3);
    e.off("unread", fn);
    e.emit("unread", 4);
  } finally {
    console.error = orig;
  }
  assert.deepEqual(got, [3]);
});
