import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { ConversationService, type Event } from "@livechat/api/conversation_pb";
import { transport } from "@/lib/transport";

export interface EventStreamHandlers {
  /** One event, in order. Durable events arrive exactly once across reconnects. */
  onEvent: (event: Event) => void;
  /**
   * The stream was (re)opened without a cursor, so events may have been
   * missed since the cached data was loaded: reload it.
   */
  onResync: () => void;
  onStatus: (status: "live" | "down") => void;
  onUnauthenticated: () => void;
}

// A heartbeat comes every 15 s; after this long without any event the
// connection is presumed dead (a sleeping laptop, a proxy dropping it).
const silenceLimitMs = 40_000;
const maxBackoffMs = 30_000;

/**
 * Keeps one Subscribe stream open for the life of signal: resumes from the
 * last durable cursor, reconnects at once after a clean end or the first
 * failure and backs off on repeated failures, and starts over without a
 * cursor when the server no longer has the history for it.
 */
export async function runEventStream(handlers: EventStreamHandlers, signal: AbortSignal): Promise<void> {
  const client = createClient(ConversationService, transport);
  let cursor = "";
  let failures = 0;

  while (!signal.aborted) {
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    signal.addEventListener("abort", abortAttempt);
    // The browser knows the network is gone (Wi-Fi dropped, laptop moved):
    // an open stream would only hang until the watchdog, so end it now; the
    // retries back off until the "online" event cuts their wait short.
    window.addEventListener("offline", abortAttempt);
    let watchdog = 0;
    const resetWatchdog = () => {
      window.clearTimeout(watchdog);
      watchdog = window.setTimeout(abortAttempt, silenceLimitMs);
    };
    const resumed = cursor !== "";
    let first = true;
    let openedAt = 0;
    let retryAtOnce = false;
    try {
      resetWatchdog();
      for await (const res of client.subscribe({ cursor }, { signal: attempt.signal })) {
        resetWatchdog();
        if (first) {
          first = false;
          openedAt = Date.now();
          handlers.onStatus("live");
          if (!resumed) handlers.onResync();
        }
        const ev = res.event;
        if (!ev) continue;
        handlers.onEvent(ev);
        if (ev.cursor) cursor = ev.cursor;
      }
      // The server ended the stream cleanly: reconnect at once.
      retryAtOnce = true;
    } catch (err) {
      if (signal.aborted) break;
      const code = ConnectError.from(err).code;
      if (code === Code.Unauthenticated) {
        handlers.onStatus("down");
        handlers.onUnauthenticated();
        break;
      }
      if (code === Code.FailedPrecondition) {
        // The cursor is older than the retained history.
        cursor = "";
        retryAtOnce = true;
      } else if (code === Code.ResourceExhausted || code === Code.Unavailable) {
        retryAtOnce = failures === 0;
      }
    } finally {
      window.clearTimeout(watchdog);
      signal.removeEventListener("abort", abortAttempt);
      window.removeEventListener("offline", abortAttempt);
    }
    if (signal.aborted) break;
    handlers.onStatus("down");
    // A stream that stayed up a while was healthy: start counting afresh.
    // One that keeps dropping right after opening counts as failing.
    if (openedAt && Date.now() - openedAt > 5_000) failures = 0;
    failures++;
    const delay = retryAtOnce && failures <= 1 ? 0 : backoff(failures);
    await sleep(delay, signal);
  }
}

function backoff(failures: number): number {
  const base = Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures - 1, 6));
  return base / 2 + Math.random() * (base / 2);
}

/** Waits ms, cut short when the browser comes back online or signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      window.clearTimeout(id);
      window.removeEventListener("online", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const id = window.setTimeout(done, ms);
    window.addEventListener("online", done);
    signal.addEventListener("abort", done);
  });
}
