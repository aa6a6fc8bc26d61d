import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "@livechat/api/errors_pb";
import { translator } from "../../src/i18n";
import { Outbox, type Item } from "../../src/chat/outbox";
import { refusalText, sendRefusal } from "../../src/chat/reasons";
import { createStore, type Store } from "../../src/storage";
import { fakeServer, refused } from "./fake-server";

async function settle(): Promise<void> {
  for (let i = 0; i < 30; i++) await new Promise((r) => setImmediate(r));
}

describe("the outbox", () => {
  let store: Store;
  let server: ReturnType<typeof fakeServer>;
  let renewals: number;
  const outboxes: Outbox[] = [];

  beforeEach(() => {
    mock.timers.enable({ apis: ["setTimeout"] });
    store = createStore("site-" + Math.random(), true);
    server = fakeServer();
    renewals = 0;
  });
  afterEach(() => {
    for (const o of outboxes.splice(0)) o.stop();
    mock.timers.reset();
  });

  /** An outbox as a page opens it: over the shared storage, sending to the server. */
  function open(extra: { forgotten?: () => boolean } = {}): Outbox {
    const o = new Outbox({
      store,
      async deliver(it) {
        await server.api.sendMessage({ text: it.t, clientMessageId: it.c });
        return !extra.forgotten?.();
      },
      renew: () => void renewals++,
      refusal: sendRefusal,
      changed: () => {},
    });
    outboxes.push(o);
    return o;
  }

  const item = (c: string, at: number): Item => ({ c, t: "text " + c, at });

  test("lists entries oldest first, this page's and other tabs', each once", () => {
    const a = open();
    a.add(item("c2", 2));
    const b = open(); // another tab of the site
    b.add(item("c1", 1));
    a.add(item("c3", 3));
    assert.deepEqual(a.items().map((i) => i.c), ["c1", "c2", "c3"]);
    assert.deepEqual(b.items().map((i) => i.c), ["c1", "c2", "c3"]);
    // The server has c2 (its message arrived on the stream): gone everywhere.
    a.done("c2");
    assert.deepEqual(a.items().map((i) => i.c), ["c1", "c3"]);
    assert.deepEqual(store.get<Item[]>("outbox")?.map((i) => i.c), ["c1", "c3"]);
  });

  test("sends in order, once each, and empties the stored outbox", async () => {
    const o = open();
    o.add(item("c1", 1));
    o.add(item("c2", 2));
    o.add(item("c3", 3));
    await o.flush();
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1", "c2", "c3"]);
    assert.deepEqual(o.items(), []);
    assert.equal(store.get("outbox"), null);
  });

  test("a passing failure holds the queue and retries the same client_message_id with backoff", async () => {
    const o = open();
    o.add(item("c1", 1));
    o.add(item("c2", 2));
    server.sendFailures.push(new ConnectError("down", Code.Unavailable));
    server.sendFailures.push(new ConnectError("down", Code.Unavailable));
    await o.flush();
    assert.equal(o.waiting, "queued");
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1"], "nothing overtakes the held message");
    mock.timers.tick(999);
    await settle();
    assert.equal(server.sends.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(server.sends.length, 2, "first retry after 1 s");
    mock.timers.tick(1999);
    await settle();
    assert.equal(server.sends.length, 2, "the second waits 2 s");
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1", "c1", "c1", "c2"]);
    assert.equal(server.stored.size, 2, "the server stored each message once");
    assert.equal(o.waiting, "");
  });

  test("survives a reload: the next page sends what the last one could not, with the same id", async () => {
    const first = open();
    first.add(item("c1", 1));
    server.sendFailures.push(refused(Code.Unavailable, ErrorReason.UNAVAILABLE));
    await first.flush();
    first.stop();
    const again = open(); // the page was reloaded
    assert.deepEqual(again.items().map((i) => i.c), ["c1"]);
    await again.flush();
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1", "c1"]);
    assert.deepEqual(again.items(), []);
  });

  test("rate limited: waits the server's retry_after, and says so", async () => {
    const o = open();
    o.add(item("c1", 1));
    server.sendFailures.push(refused(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, { retryAfterS: 7 }));
    await o.flush();
    assert.equal(o.waiting, "tooFast");
    mock.timers.tick(6999);
    await settle();
    assert.equal(server.sends.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(server.sends.length, 2);
  });

  test("a refused message keeps its reason and waits for Retry; later ones still go", async () => {
    const o = open();
    o.add(item("c1", 1));
    o.add(item("c2", 2));
    server.sendFailures.push(refused(Code.InvalidArgument, ErrorReason.TEXT_TOO_LONG, { field: "text", limit: 4000 }));
    await o.flush();
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1", "c2"]);
    const [left] = o.items();
    assert.equal(left.c, "c1");
    assert.deepEqual(left.err, { k: "msgTooLongMax", n: 4000 });
    assert.deepEqual(store.get<Item[]>("outbox")?.[0].err, left.err, "the reason is stored with it");
    assert.equal(refusalText(left.err!, translator(() => "en")), "The message is too long: at most 4000 characters.");
    o.retry("c1");
    await settle();
    assert.deepEqual(o.items(), [], "sent on Retry");
  });

  test("a refused token renews the session once, then sends again", async () => {
    const o = open();
    o.add(item("c1", 1));
    server.sendFailures.push(refused(Code.Unauthenticated, ErrorReason.VISITOR_SESSION_ENDED));
    await o.flush();
    assert.equal(renewals, 1);
    assert.deepEqual(server.sends.map((s) => s.cmid), ["c1", "c1"]);
    assert.deepEqual(o.items(), []);
  });

  test("an answer for a visitor forgotten meanwhile drops the entry instead of sending it again", async () => {
    const o = open({ forgotten: () => true });
    o.add(item("c1", 1));
    await o.flush();
    assert.deepEqual(o.items(), []);
    assert.equal(server.sends.length, 1);
  });
});
