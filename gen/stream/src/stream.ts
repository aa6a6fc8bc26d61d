// The one client of the Subscribe event stream, shared by the agent
// dashboard and the widget. Both services stream the same livechat.v1.Event,
// so the caller passes its generated client's subscribe method and gets:
//
//   - resume: each attempt asks for events after the last durable cursor
//     (ephemeral events — typing, presence, heartbeats — carry none), so
//     durable events arrive exactly once across reconnects;
//   - a watchdog: a stream silent for longer than a healthy one can be is
//     ended and reopened, since a dead socket (a laptop waking up, a Wi-Fi
//     change, a proxy dropping it) may never report an error;
//   - backoff with jitter between failing attempts, and an immediate retry
//     after a clean end or the first failure of a healthy stream;
//   - the browser's network events: "offline" ends the attempt at once,
//     "online" (or the page becoming visible while down) reconnects now;
//   - a cursor older than the server keeps (FAILED_PRECONDITION): start over
//     without one, and let the caller reload what it shows.

import { Code, ConnectError } from "@connectrpc/connect";
import type { Event } from "@livechat/api/conversation_pb";

/** How often the server sends a heartbeat on a stream that sent nothing else (server/realtime, Options.Heartbeat). */
export const HEARTBEAT_MS = 15_000;

/**
 * How long a stream may stay silent before it is presumed dead. The server
 * skips the heartbeat of a stream that sent anything during the last
 * interval, so a healthy stream can be silent for almost two intervals
 * (30 s); a third interval covers a slow network, a buffering proxy and a
 * throttled background tab. A false alarm costs one resume from the cursor.
 */
export const WATCHDOG_MS = 3 * HEARTBEAT_MS;

/** The longest wait between attempts. */
export const MAX_BACKOFF_MS = 30_000;

/** A stream open at least this long was healthy: its end starts the failure count afresh. */
export const HEALTHY_MS = 5_000;

/** The subscribe method of a generated client (ConversationService or WidgetService). */
export type Subscribe = (
  request: { cursor: string },
  options: { signal: AbortSignal },
) => AsyncIterable<{ event?: Event }>;

/** "live" once the server said READY (caught up); "down" between a failure and the next READY. */
export type StreamStatus = "live" | "down";

export interface StreamHandlers {
  /** One event, in order; the next is read once a returned promise settles. */
  onEvent(event: Event): void | Promise<void>;
  /**
   * A stream opened without a cursor (the first one, or after the cursor
   * expired): events may have been missed since the caller's data was read.
   */
  onResync?(): void | Promise<void>;
  /** The cursor is older than the server's event log; the stream starts over without it. */
  onCursorExpired?(): void | Promise<void>;
  onStatus?(status: StreamStatus): void;
  /** The credentials were refused: the stream ends for good. */
  onUnauthenticated?(err: ConnectError): void;
  /** Any other failure, before the stream retries. */
  onError?(err: ConnectError): void;
  /**
   * Called before each wait while the stream keeps failing, with the count
   * of failures in a row; the wait starts when a returned promise settles.
   */
  whileDown?(failures: number): void | Promise<void>;
}

export interface StreamOptions {
  /** Ends the stream for good. */
  signal?: AbortSignal;
  /** Where "online" and "offline" come from; the window by default, null for none. */
  network?: EventTarget | null;
  /** Where "visibilitychange" comes from, with the page's visibility; the document by default. */
  page?: (EventTarget & { visibilityState: string }) | null;
  /** For tests: a number in [0, 1). */
  random?: () => number;
}

/**
 * The wait before the next attempt after failures in a row: 0.5 s doubling
 * to MAX_BACKOFF_MS, each drawn from the upper half of its range ("equal
 * jitter") so that clients cut off together do not return together.
 */
export function backoffDelay(failures: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(Math.max(failures - 1, 0), 6));
  return base / 2 + random() * (base / 2);
}

/**
 * Keeps one Subscribe stream open until options.signal aborts or the
 * credentials are refused; resolves then.
 */
export async function runStream(subscribe: Subscribe, h: StreamHandlers, options: StreamOptions = {}): Promise<void> {
  const { signal } = options;
  const g = globalThis as { window?: EventTarget; document?: EventTarget & { visibilityState: string } };
  const network = options.network === undefined ? (g.window ?? null) : options.network;
  const page = options.page === undefined ? (g.document ?? null) : options.page;
  const random = options.random ?? Math.random;

  let cursor = "";
  let failures = 0;
  let status: StreamStatus | "" = "";
  let kicked = false; // reconnect without waiting: the network just came back
  let attempt: AbortController | null = null;
  let wake: (() => void) | null = null;

  const setStatus = (s: StreamStatus): void => {
    if (status === s) return;
    status = s;
    h.onStatus?.(s);
  };
  const stopped = (): boolean => !!signal?.aborted;

  // The browser knows the network is gone: an open stream would only hang
  // until the watchdog, so end it now. When it is back, an open stream may
  // be dead without knowing it, and resuming from the cursor is exact and
  // cheap: reconnect at once.
  const onOffline = (): void => attempt?.abort();
  const onOnline = (): void => {
    kicked = true;
    attempt?.abort();
    wake?.();
  };
  const onVisible = (): void => {
    if (page?.visibilityState === "visible" && status !== "live") wake?.();
  };
  const onStop = (): void => {
    attempt?.abort();
    wake?.();
  };
  network?.addEventListener("offline", onOffline);
  network?.addEventListener("online", onOnline);
  page?.addEventListener("visibilitychange", onVisible);
  signal?.addEventListener("abort", onStop);

  try {
    while (!stopped()) {
      const ctl = new AbortController();
      attempt = ctl;
      kicked = false;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = setTimeout(() => ctl.abort(), WATCHDOG_MS);
      };
      const resumed = cursor !== "";
      let opened = false;
      let openedAt = 0;
      let atOnce = false; // retry without waiting, unless failing in a row
      let expired = false; // retry without waiting: not a failure of the connection
      try {
        arm();
        for await (const res of subscribe({ cursor }, { signal: ctl.signal })) {
          arm();
          if (!opened) {
            opened = true;
            openedAt = Date.now();
            if (!resumed) await h.onResync?.();
          }
          const ev = res.event;
          if (!ev) continue;
          if (ev.kind.case === "ready") setStatus("live");
          await h.onEvent(ev);
          if (ev.cursor) cursor = ev.cursor;
        }
        // The server ended the stream cleanly (a deploy, a rebalance).
        atOnce = true;
      } catch (e) {
        if (stopped()) break;
        const err = ConnectError.from(e);
        if (err.code === Code.Unauthenticated) {
          setStatus("down");
          h.onUnauthenticated?.(err);
          break;
        }
        if (err.code === Code.FailedPrecondition) {
          cursor = "";
          expired = true;
          await h.onCursorExpired?.();
        } else {
          // A server restarting or shedding load asks for a retry: the
          // first one goes at once, the next ones back off.
          atOnce = err.code === Code.Unavailable || err.code === Code.ResourceExhausted;
          h.onError?.(err);
        }
      } finally {
        clearTimeout(watchdog);
        attempt = null;
      }
      if (stopped()) break;
      setStatus("down");
      // A stream that stayed up a while was healthy: count afresh. One that
      // keeps dropping right after opening counts as failing.
      if (opened && Date.now() - openedAt >= HEALTHY_MS) failures = 0;
      failures++;
      await h.whileDown?.(failures);
      if (stopped()) break;
      const delay = kicked || expired || (atOnce && failures <= 1) ? 0 : backoffDelay(failures, random);
      kicked = false;
      if (delay > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, delay);
          function done(): void {
            clearTimeout(timer);
            wake = null;
            resolve();
          }
          wake = done;
        });
      }
    }
  } finally {
    network?.removeEventListener("offline", onOffline);
    network?.removeEventListener("online", onOnline);
    page?.removeEventListener("visibilitychange", onVisible);
    signal?.removeEventListener("abort", onStop);
  }
}
