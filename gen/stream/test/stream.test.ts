// The stream client against a Connect router in memory: the real generated
// ConversationService, real Connect framing and errors, and a Subscribe
// handler each test scripts event by event. Time is Node's mock clock, so
// watchdogs and backoff are exact and instant.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import {
  ConversationService,
  EventSchema,
  HeartbeatEventSchema,
  MessageSchema,
  ReadyEventSchema,
  TypingEventSchema,
  type Event,
} from "@livechat/api/conversation_pb";
import {
  backoffDelay,
  HEALTHY_MS,
  MAX_BACKOFF_MS,
  runStream,
  WATCHDOG_MS,
  type StreamHandlers,
  type StreamStatus,
} from "../src/stream";

type Step = { event: Event } | { end: true } | { fail: Code };

/** One Subscribe call the server received, which the test answers step by step. */
class Call {
  private steps: Step[] = [];
  private wakeUp: (() => void) | null = null;
  constructor(
    readonly cursor: string,
    readonly signal: AbortSignal,
  ) {
    signal.addEventListener("abort", () => this.wakeUp?.());
  }
  send(event: Event): this {
    return this.push({ event });
  }
  end(): void {
    this.push({ end: true });
  }
  fail(code: Code): void {
    this.push({ fail: code });
  }
  private push(s: Step): this {
    this.steps.push(s);
    this.wakeUp?.();
    return this;
  }
  async *events(): AsyncGenerator<{ event: Event }> {
    for (;;) {
      while (!this.steps.length) {
        if (this.signal.aborted) return;
        await new Promise<void>((r) => (this.wakeUp = r));
      }
      const s = this.steps.shift()!;
      if ("end" in s) return;
      if ("fail" in s) throw new ConnectError("scripted failure", s.fail);
      yield { event: s.event };
    }
  }
}

function startServer() {
  const calls: Call[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(ConversationService, {
      async *subscribe(req, ctx) {
        const call = new Call(req.cursor, ctx.signal);
        calls.push(call);
        yield* call.events();
      },
    });
  });
  const client = createClient(ConversationService, transport);
  return {
    calls,
    subscribe: (req: { cursor: string }, opts: { signal: AbortSignal }) => client.subscribe(req, opts),
    /** The n-th call (from 1), once the client made it. */
    async call(n: number): Promise<Call> {
      await until(() => calls.length >= n, `call ${n}`);
      return calls[n - 1];
    },
  };
}

/** Lets promises, streams and I/O callbacks run (the mocked clock does not move). */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (ok()) return;
    await settle(1);
  }
  throw new Error("timed out waiting for " + what);
}

const message = (cursor: string, seq: number): Event =>
  create(EventSchema, {
    cursor,
    kind: { case: "messageCreated", value: create(MessageSchema, { id: "m" + seq, seq: BigInt(seq), text: "hi" }) },
  });
const ready = (): Event => create(EventSchema, { kind: { case: "ready", value: create(ReadyEventSchema) } });
const heartbeat = (): Event => create(EventSchema, { kind: { case: "heartbeat", value: create(HeartbeatEventSchema) } });
const typing = (): Event =>
  create(EventSchema, { kind: { case: "typing", value: create(TypingEventSchema, { typing: true }) } });

/** Records what the stream reports. */
function recorder(extra: Partial<StreamHandlers> = {}) {
  const log = {
    events: [] as string[],
    statuses: [] as StreamStatus[],
    resyncs: 0,
    expired: 0,
    errors: [] as Code[],
    unauthenticated: 0,
  };
  const handlers: StreamHandlers = {
    onEvent: (ev) => void log.events.push(ev.kind.case + (ev.cursor ? ":" + ev.cursor : "")),
    onResync: () => void log.resyncs++,
    onCursorExpired: () => void log.expired++,
    onStatus: (s) => void log.statuses.push(s),
    onError: (e) => void log.errors.push(e.code),
    onUnauthenticated: () => void log.unauthenticated++,
    ...extra,
  };
  return { log, handlers };
}

describe("runStream", () => {
  let stop: AbortController;
  let done: Promise<void>;
  beforeEach(() => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    stop = new AbortController();
  });
  afterEach(async () => {
    stop.abort();
    await done;
    mock.timers.reset();
  });

  function start(s: ReturnType<typeof startServer>, handlers: StreamHandlers, extra: { network?: EventTarget } = {}) {
    done = runStream(s.subscribe, handlers, {
      signal: stop.signal,
      network: extra.network ?? null,
      page: null,
      random: () => 0.5,
    });
  }

  test("resumes after the last durable cursor; ephemeral events do not move it", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    const c1 = await s.call(1);
    assert.equal(c1.cursor, "", "the first stream has no cursor");
    c1.send(message("c1", 1)).send(ready()).send(typing()).send(message("c2", 2)).send(heartbeat());
    await until(() => log.events.length === 5, "five events");
    assert.deepEqual(log.statuses, ["live"], "live once READY came");
    assert.equal(log.resyncs, 1, "a stream without a cursor asks the caller to reload");
    c1.end();
    const c2 = await s.call(2);
    assert.equal(c2.cursor, "c2", "the reconnect resumes after the last durable event");
    assert.deepEqual(log.statuses, ["live", "down"]);
    c2.send(ready());
    await until(() => log.statuses.length === 3, "live again");
    assert.equal(log.resyncs, 1, "a resumed stream needs no reload");
    assert.deepEqual(log.events, [
      "messageCreated:c1",
      "ready",
      "typing",
      "messageCreated:c2",
      "heartbeat",
      "ready",
    ]);
  });

  test("a clean end reconnects at once; failures in a row back off, doubling to the cap", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    (await s.call(1)).end();
    await s.call(2); // no time passed
    (await s.call(2)).fail(Code.Internal);
    // Second failure in a row (the clean end counted as the first).
    await settle();
    assert.equal(s.calls.length, 2);
    const wait2 = backoffDelay(2, () => 0.5);
    mock.timers.tick(wait2 - 1);
    await settle();
    assert.equal(s.calls.length, 2, "still waiting");
    mock.timers.tick(1);
    (await s.call(3)).fail(Code.Internal);
    await settle();
    mock.timers.tick(backoffDelay(3, () => 0.5));
    await s.call(4);
    assert.deepEqual(log.errors, [Code.Internal, Code.Internal]);
  });

  test("a healthy stream's end starts the count afresh; one that drops at once keeps counting", async () => {
    const s = startServer();
    const { handlers } = recorder();
    start(s, handlers);
    const c1 = await s.call(1);
    c1.send(ready());
    await settle();
    mock.timers.tick(HEALTHY_MS);
    c1.fail(Code.Unknown);
    await settle();
    // First failure after a healthy stream, not one the server asked to retry: a short wait.
    mock.timers.tick(backoffDelay(1, () => 0.5));
    const c2 = await s.call(2);
    c2.send(ready());
    await settle();
    c2.fail(Code.Unknown); // dropped at once: the second failure in a row
    await settle();
    mock.timers.tick(backoffDelay(1, () => 0.5));
    await settle();
    assert.equal(s.calls.length, 2, "the wait grew");
    mock.timers.tick(backoffDelay(2, () => 0.5) - backoffDelay(1, () => 0.5));
    await s.call(3);
  });

  test("the watchdog ends a silent stream; any frame, heartbeats included, keeps it open", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    const c1 = await s.call(1);
    c1.send(ready());
    await settle();
    mock.timers.tick(WATCHDOG_MS - 1000);
    c1.send(heartbeat());
    await settle();
    mock.timers.tick(WATCHDOG_MS - 1000);
    await settle();
    assert.equal(s.calls.length, 1, "a heartbeat re-armed the watchdog");
    assert.equal(c1.signal.aborted, false);
    mock.timers.tick(1000);
    await until(() => log.statuses.length === 2, "the silent stream to be cut");
    assert.equal(c1.signal.aborted, true);
    assert.deepEqual(log.statuses, ["live", "down"]);
    // A stream that was healthy for a while: the reconnect comes soon.
    mock.timers.tick(backoffDelay(1, () => 0.5));
    await s.call(2);
  });

  test("a server restarting (UNAVAILABLE) is retried at once, then with backoff", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    (await s.call(1)).fail(Code.Unavailable);
    (await s.call(2)).fail(Code.Unavailable);
    await settle();
    assert.equal(s.calls.length, 2, "the second failure waits");
    mock.timers.tick(backoffDelay(2, () => 0.5));
    await s.call(3);
    assert.deepEqual(log.errors, [Code.Unavailable, Code.Unavailable]);
  });

  test("an expired cursor starts over without it, and the caller reloads", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    const c1 = await s.call(1);
    c1.send(message("c9", 9)).send(ready());
    await settle();
    c1.end();
    (await s.call(2)).fail(Code.FailedPrecondition);
    const c3 = await s.call(3);
    assert.equal(s.calls[1].cursor, "c9");
    assert.equal(c3.cursor, "", "no cursor after it expired");
    assert.equal(log.expired, 1);
    c3.send(ready());
    await until(() => log.resyncs === 2, "a second resync");
  });

  test("refused credentials end the stream for good", async () => {
    const s = startServer();
    const { log, handlers } = recorder();
    start(s, handlers);
    (await s.call(1)).fail(Code.Unauthenticated);
    await done;
    assert.equal(log.unauthenticated, 1);
    assert.deepEqual(log.statuses, ["down"]);
    mock.timers.tick(MAX_BACKOFF_MS * 2);
    await settle();
    assert.equal(s.calls.length, 1);
  });

  test("offline ends the open stream; online reconnects without waiting out the backoff", async () => {
    const s = startServer();
    const network = new EventTarget();
    const { log, handlers } = recorder();
    start(s, handlers, { network });
    const c1 = await s.call(1);
    c1.send(ready());
    await settle();
    network.dispatchEvent(new Event("offline"));
    await until(() => c1.signal.aborted, "the stream to end");
    await until(() => log.statuses.at(-1) === "down", "down");
    // Several failures in a row: the wait is long.
    for (let n = 2; n <= 4; n++) {
      mock.timers.tick(MAX_BACKOFF_MS);
      (await s.call(n)).fail(Code.Unknown);
      await settle();
    }
    assert.equal(s.calls.length, 4);
    network.dispatchEvent(new Event("online"));
    const c5 = await s.call(5);
    assert.equal(c5.cursor, "", "no durable event yet");
    // Online while a stream is open: it may be dead, so it is replaced at once.
    c5.send(message("c1", 1)).send(ready());
    await until(() => log.statuses.at(-1) === "live", "live");
    network.dispatchEvent(new Event("online"));
    const c6 = await s.call(6);
    assert.equal(c6.cursor, "c1");
  });

  test("a handler's promise holds the next event back", async () => {
    const s = startServer();
    const order: string[] = [];
    let release = (): void => {};
    const { handlers } = recorder({
      onEvent: async (ev) => {
        order.push("start " + ev.kind.case);
        if (ev.kind.case === "ready") await new Promise<void>((r) => (release = r));
        order.push("end " + ev.kind.case);
      },
    });
    start(s, handlers);
    (await s.call(1)).send(ready()).send(message("c1", 1));
    await settle();
    assert.deepEqual(order, ["start ready"]);
    release();
    await until(() => order.length === 4, "both events");
    assert.deepEqual(order, ["start ready", "end ready", "start messageCreated", "end messageCreated"]);
  });

  test("aborting the signal ends the stream and the wait", async () => {
    const s = startServer();
    const { handlers } = recorder();
    start(s, handlers);
    const c1 = await s.call(1);
    stop.abort();
    await done;
    assert.equal(c1.signal.aborted, true);
  });
});

describe("backoffDelay", () => {
  test("doubles from 0.5 s to the 30 s cap, within the upper half of each step", () => {
    const lo = (n: number) => backoffDelay(n, () => 0);
    const hi = (n: number) => backoffDelay(n, () => 0.999999);
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(lo), [250, 500, 1000, 2000, 4000, 8000, 15000]);
    assert.ok(hi(1) < 500 && hi(1) > 499);
    assert.equal(lo(20), MAX_BACKOFF_MS / 2);
    assert.ok(hi(20) <= MAX_BACKOFF_MS);
  });
});
