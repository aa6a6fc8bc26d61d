import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { ConversationSchema } from "@livechat/api/conversation_pb";
import type { StartSessionRequest, StartSessionResponse } from "@livechat/api/widget_pb";
import { Session } from "../../src/chat/session";
import { createStore, type Store } from "../../src/storage";
import type { Identity } from "../../src/types";
import { fakeServer } from "./fake-server";

describe("the visitor's session", () => {
  let store: Store;
  let calls: StartSessionRequest[];
  let hold: Promise<void> | null;
  let identity: Identity | null;
  let started: { res: StartSessionResponse; changed: boolean }[];
  let forgotten: number;
  let server: ReturnType<typeof fakeServer>;

  beforeEach(() => {
    store = createStore("site-" + Math.random(), true);
    calls = [];
    hold = null;
    identity = null;
    started = [];
    forgotten = 0;
    server = fakeServer({
      async startSession(req) {
        calls.push(req);
        await hold;
        // The server continues a known token, else issues a new one.
        const token = req.visitorToken || "vt-" + calls.length;
        return { visitorToken: token, conversation: create(ConversationSchema, { id: "conv-" + token }) };
      },
    });
  });

  function session(): Session {
    return new Session({
      api: server.api,
      store,
      siteKey: "site",
      identity: () => identity,
      started: (res, changed) => void started.push({ res, changed }),
      forgotten: () => void forgotten++,
      reset: () => {},
    });
  }

  test("a new visitor: one StartSession however many callers wait, and the token is stored", async () => {
    const s = session();
    await Promise.all([s.ensure(), s.ensure(), s.ensure()]);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].visitorToken, "");
    assert.equal(s.token, "vt-1");
    assert.equal(store.get("token"), "vt-1");
    assert.deepEqual(started.map((x) => x.changed), [true]);
    await s.ensure();
    assert.equal(calls.length, 1, "a session held needs no call");
  });

  test("continues the stored session after a reload: StartSession carries the stored token", async () => {
    store.set("token", "vt-kept");
    const s = session();
    assert.equal(s.token, "vt-kept");
    await s.ensure({ name: "Minh" });
    assert.equal(calls[0].visitorToken, "vt-kept");
    assert.deepEqual(calls[0].prechat, { name: "Minh" });
    assert.deepEqual(started.map((x) => x.changed), [false], "the same session");
  });

  test("an answer for a visitor forgotten meanwhile is dropped", async () => {
    let release = (): void => {};
    hold = new Promise((r) => (release = r));
    const s = session();
    const p = s.ensure();
    s.forget(true);
    release();
    await p;
    assert.equal(s.token, "");
    assert.equal(store.get("token"), null);
    assert.equal(started.length, 0);
    assert.equal(forgotten, 1);
  });

  test("identify: the same user continues; another user on this device starts over", async () => {
    const s = session();
    identity = { userId: "u1", hmac: "h1" };
    await s.identify(identity);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].identity?.userId, "u1");
    assert.equal(store.get("uid"), "u1");
    await s.identify(identity);
    assert.equal(calls.length, 1, "already linked");
    identity = { userId: "u2", hmac: "h2" };
    await s.identify(identity);
    assert.equal(forgotten, 1, "u1's conversation is forgotten first");
    assert.equal(calls[1].visitorToken, "", "u1's token is not continued");
    assert.equal(store.get("uid"), "u2");
  });

  test("a refused token resets only if it is still the current one", async () => {
    let resets = 0;
    const s = new Session({
      api: server.api,
      store,
      siteKey: "site",
      identity: () => null,
      started: () => {},
      forgotten: () => {},
      reset: () => void resets++,
    });
    await s.ensure();
    assert.equal(s.lost("vt-old"), false, "a newer session replaced it");
    assert.equal(s.lost(s.token), true);
    assert.equal(resets, 1);
  });
});
