import { createClient } from "@connectrpc/connect";
import { ConversationService, type Event } from "@livechat/api/conversation_pb";
import { runStream } from "@livechat/stream";
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

/**
 * Keeps this tab's one Subscribe stream open for the life of signal, with
 * the reconnect, resume, watchdog and backoff rules shared with the widget
 * (@livechat/stream).
 */
export function runEventStream(handlers: EventStreamHandlers, signal: AbortSignal): Promise<void> {
  const client = createClient(ConversationService, transport);
  return runStream((req, opts) => client.subscribe(req, opts), {
    onEvent: handlers.onEvent,
    onResync: handlers.onResync,
    onStatus: handlers.onStatus,
    onUnauthenticated: handlers.onUnauthenticated,
  }, { signal });
}
