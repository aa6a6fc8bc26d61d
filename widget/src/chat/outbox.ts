// The visitor's unsent messages. A message is first written to storage,
// then sent with its client_message_id until the server has it: retries
// (after a network error, a reload, in another tab) are idempotent, because
// the server answers a known client_message_id with the stored message.

import { Code } from "@connectrpc/connect";
import type { Store } from "../storage";
import type { F } from "./files";
import { codeOf, transient } from "./client";
import { detailOf, type Refusal } from "./reasons";

/** An outbox entry, as persisted under "outbox". */
export interface Item {
  c: string; // client_message_id
  t: string; // text
  at: number;
  /** Uploaded files sent with it. */
  f?: F[];
  /** Why the server refused it for good; the entry waits for Retry or Remove. */
  err?: Refusal;
}

/** Why sending is on hold: the network or server ("queued"), or the rate limit ("tooFast"). */
export type Waiting = "" | "queued" | "tooFast";

export interface OutboxDeps {
  store: Store;
  /**
   * Sends one entry (starting a session first if need be). Resolves false
   * when the answer belongs to a visitor forgotten meanwhile: the entry is
   * then dropped, never sent again.
   */
  deliver(it: Item): Promise<boolean>;
  /** The token was refused: start a new session. Called once per flush. */
  renew(err: unknown): void;
  /** The server refused the entry for good: why, for the visitor. */
  refusal(err: unknown): Refusal;
  /** Something shown changed; scroll: a message went out, show the end. */
  changed(scroll?: boolean): void;
}

/** Retry waits for a passing failure: from 1 s (10 s when rate limited), doubling to 30 s. */
export function retryDelay(code: Code, attempt: number): number {
  const base = code === Code.ResourceExhausted ? 10000 : 1000;
  return Math.min(30000, base * 2 ** attempt);
}

export class Outbox {
  /** client_message_ids the server has. */
  private delivered = new Set<string>();
  /** Entries this page keeps alive even if another tab rewrote storage. */
  private mine = new Map<string, Item>();
  private flushing = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryAttempt = 0;
  waiting: Waiting = "";
  stopped = false;

  constructor(private d: OutboxDeps) {
    for (const it of d.store.get<Item[]>("outbox") || []) this.mine.set(it.c, it);
  }

  /** Unsent entries, oldest first: this page's and other tabs' (by storage), without duplicates. */
  items(): Item[] {
    const all = new Map<string, Item>();
    for (const it of this.d.store.get<Item[]>("outbox") || []) all.set(it.c, it);
    for (const it of this.mine.values()) if (!all.has(it.c)) all.set(it.c, it);
    return Array.from(all.values())
      .filter((it) => !this.delivered.has(it.c))
      .sort((a, b) => a.at - b.at);
  }

  private save(items: Item[]): void {
    if (items.length) this.d.store.set("outbox", items);
    else this.d.store.remove("outbox");
  }

  /** Queues a new message; it is stored before any attempt to send it. */
  add(it: Item): void {
    this.mine.set(it.c, it);
    this.save(this.items());
  }

  /** The server has this client_message_id (its message arrived by any path). */
  done(c: string): void {
    this.delivered.add(c);
    if (this.mine.delete(c)) this.save(this.items());
  }

  /** Drops an entry without sending it. */
  remove(c: string): void {
    this.mine.delete(c);
    this.save(this.items().filter((x) => x.c !== c));
  }

  /** Records the entry's files once uploaded (attach.ts). */
  files(c: string, f: F[] = []): void {
    this.patch(c, { f });
  }

  /** Clears a refusal so the entry is sent again. */
  retry(c: string): void {
    this.patch(c, { err: undefined });
    void this.flush();
  }

  private patch(c: string, p: Partial<Item>): void {
    const items = this.items().map((it) => (it.c === c ? { ...it, ...p } : it));
    const it = items.find((x) => x.c === c);
    if (it) this.mine.set(c, it);
    this.save(items);
    this.d.changed();
  }

  /** Forgets this page's view of the outbox (the visitor was forgotten); storage is the caller's. */
  reset(keep: Item[] = []): void {
    this.delivered.clear();
    this.mine.clear();
    for (const it of keep) this.mine.set(it.c, it);
    if (keep.length) this.save(keep);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  /** Sends the outbox in order until it is empty or a passing failure holds it. */
  async flush(): Promise<void> {
    if (this.flushing || this.stopped) return;
    this.flushing = true;
    clearTimeout(this.retryTimer);
    let renewed = false;
    try {
      for (;;) {
        const it = this.items().find((x) => !x.err);
        if (!it) break;
        try {
          if (!(await this.d.deliver(it))) {
            // Stored for a visitor forgotten meanwhile: it must not go out
            // again, nor show in this visitor's conversation.
            this.remove(it.c);
            continue;
          }
          this.done(it.c);
          this.waiting = "";
          this.retryAttempt = 0;
          this.d.changed(true);
        } catch (err) {
          const code = codeOf(err);
          if (code === Code.Unauthenticated && !renewed) {
            renewed = true;
            this.d.renew(err);
            continue;
          }
          if (transient(code)) {
            this.waiting = code === Code.ResourceExhausted ? "tooFast" : "queued";
            this.d.changed();
            // The server's own wait when it names one (a rate limit), else backoff.
            const wait = detailOf(err).retryAfterMs || retryDelay(code, this.retryAttempt++);
            this.retryTimer = setTimeout(() => void this.flush(), wait);
            break;
          }
          this.patch(it.c, { err: this.d.refusal(err) });
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
