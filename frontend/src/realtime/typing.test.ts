import "@/test-setup";
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ReadEventSchema, SenderType, TypingEventSchema, ViewingEventSchema } from "@livechat/api/conversation_pb";
import { applyCustomerRead, customerReadSeq } from "./read-markers";
import { applyTyping, applyViewing, clearTypist, typistsOf, viewersOf } from "./typing";

const me = "agent-me";

describe("typing indicators", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 1_000_000 }));
  afterEach(() => {
    mock.timers.runAll();
    mock.timers.reset();
  });

  const typing = (conversationId: string, senderId: string, on: boolean, p: { type?: SenderType; expiresInMs?: number } = {}) =>
    create(TypingEventSchema, {
      conversationId,
      senderId,
      senderName: senderId,
      senderType: p.type ?? SenderType.CUSTOMER,
      typing: on,
      expiresAt: p.expiresInMs ? timestampFromMs(Date.now() + p.expiresInMs) : undefined,
    });

  test("shows others typing, never me, and ends at the server's expiry", () => {
    applyTyping(typing("c1", me, true, { type: SenderType.AGENT }), me);
    assert.deepEqual(typistsOf("c1"), [], "my own typing is not shown to me");
    applyTyping(typing("c1", "cust", true, { expiresInMs: 3000 }), me);
    applyTyping(typing("c1", "colleague", true, { type: SenderType.AGENT }), me);
    assert.deepEqual(typistsOf("c1").map((t) => t.senderId), ["cust", "colleague"]);
    mock.timers.tick(3100);
    assert.deepEqual(typistsOf("c1").map((t) => t.senderId), ["colleague"], "the customer's indicator expired");
    mock.timers.tick(3000);
    assert.deepEqual(typistsOf("c1"), [], "6 s without a repeat ends it");
  });

  test("an expiry far off (clocks differ) is capped; a stop or a message ends it at once", () => {
    applyTyping(typing("c2", "cust", true, { expiresInMs: 10 * 60_000 }), me);
    mock.timers.tick(6100);
    assert.deepEqual(typistsOf("c2"), []);
    applyTyping(typing("c2", "cust", true), me);
    applyTyping(typing("c2", "cust", false), me);
    assert.deepEqual(typistsOf("c2"), []);
    applyTyping(typing("c2", "cust", true), me);
    clearTypist("c2", SenderType.CUSTOMER, "cust");
    assert.deepEqual(typistsOf("c2"), []);
  });

  test("colleagues viewing: never me, apart from typing, lapsing after 20 s or at once when they leave", () => {
    const viewing = (agentId: string, on: boolean) =>
      create(ViewingEventSchema, { conversationId: "c4", agentId, agentName: agentId, viewing: on, expiresAt: on ? timestampFromMs(Date.now() + 20_000) : undefined });
    applyViewing(viewing(me, true), me);
    applyViewing(viewing("lan", true), me);
    applyViewing(viewing("binh", true), me);
    assert.deepEqual(viewersOf("c4").map((v) => v.senderId), ["lan", "binh"]);
    assert.deepEqual(typistsOf("c4"), [], "viewing is not typing");
    applyViewing(viewing("binh", false), me);
    assert.deepEqual(viewersOf("c4").map((v) => v.senderId), ["lan"]);
    mock.timers.tick(19_000);
    assert.deepEqual(viewersOf("c4").map((v) => v.senderId), ["lan"], "still within the signal's life");
    mock.timers.tick(1_100);
    assert.deepEqual(viewersOf("c4"), []);
  });
});

test("the customer's read marker only moves forward", () => {
  const read = (seq: bigint, readerType = SenderType.CUSTOMER) =>
    create(ReadEventSchema, { conversationId: "c3", readerType, readerId: "x", seq });
  applyCustomerRead(read(5n));
  applyCustomerRead(read(3n));
  applyCustomerRead(read(9n, SenderType.AGENT));
  assert.equal(customerReadSeq("c3"), 5n);
  applyCustomerRead(read(7n));
  assert.equal(customerReadSeq("c3"), 7n);
});
