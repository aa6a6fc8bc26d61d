// Asks for a satisfaction rating when the visitor's conversation is
// resolved or closed, on widgets whose settings ask for one. It follows the
// conversation's snapshots (from StartSession, sends and the stream) and
// loads the rating card (rating.ts, a chunk of its own) the first time it
// is needed. After a reload, before any snapshot arrives, the timeline
// tells: a conversation whose last word is a "resolved" or "closed" line is
// finished, and the rating given from this browser is remembered in the
// widget's storage (key "rating").

import { ConversationStatus, SystemEventKind, type Conversation } from "@livechat/api/conversation_pb";
import { ErrorReason } from "@livechat/api/errors_pb";
import { h } from "../dom";
import type { Host } from "../types";
import { ms, withTimeout, type Api } from "./client";
import { detailOf } from "./reasons";
import type { Given } from "./rating";
import type { Msg } from "./thread";

/** The rating remembered for a conversation ("rating" in the widget's storage). */
interface Remembered extends Given {
  c: string;
}

type Card = typeof import("./rating");

export class Csat {
  /** Where the card goes: after the messages, in the log. */
  readonly slot = h("div", { class: "lc-rate-slot" });
  private conv = "";
  /** The conversation a snapshot was seen for: it, not the timeline, decides. */
  private known = "";
  private card: HTMLElement | null = null;
  private loading: Promise<Card> | null = null;

  constructor(
    private host: Host,
    private api: Api,
    /** The visitor's current conversation id. */
    private current: () => string,
  ) {}

  /** Takes a snapshot of the visitor's conversation into account. */
  update(c: Conversation | undefined): void {
    if (!c?.id || c.id !== this.current()) return;
    this.known = c.id;
    const given: Given | null = c.rating
      ? { score: c.rating.score, comment: c.rating.comment, until: ms(c.rating.changeableUntil) }
      : null;
    if (given) this.remember(c.id, given);
    this.show(c.id, c.status === ConversationStatus.RESOLVED || c.status === ConversationStatus.CLOSED);
  }

  /** Reads the timeline when no snapshot of the conversation was seen (after a reload). */
  check(msgs: Msg[]): void {
    const id = this.current();
    if (!id || this.known === id) return;
    let finished = false;
    for (const m of msgs) {
      if (m.conv !== id) continue;
      if (m.who === "me") finished = false;
      else if (m.sys) finished = m.sys.kind === SystemEventKind.RESOLVED || m.sys.kind === SystemEventKind.CLOSED;
    }
    this.show(id, finished);
  }

  private remember(id: string, g: Given): void {
    this.host.store.set("rating", { c: id, ...g } satisfies Remembered);
  }

  private show(id: string, finished: boolean): void {
    const scale = this.host.config().csat;
    if (!scale || scale === "CSAT_SCALE_UNSPECIFIED" || !finished || this.host.preview) {
      if (this.conv) this.clear();
      return;
    }
    if (this.conv === id) return; // already asking (or loading the card), or thanked
    this.conv = id;
    const r = this.host.store.get<Remembered>("rating");
    const given: Given | null = r?.c === id ? r : null;
    this.loading ??= import("./rating");
    void this.loading.then(
      (m) => {
        if (this.conv !== id) return;
        this.card = m.ratingCard(
          {
            h,
            lang: this.host.lang,
            maxComment: this.host.config().limits?.ratingComment || 1000,
            rate: (score, comment) => this.rate(id, score, comment),
          },
          scale === "CSAT_SCALE_THUMBS",
          given,
        );
        this.slot.replaceChildren(this.card);
      },
      () => {
        // A failed load is tried again on the next snapshot or render.
        this.loading = null;
        this.conv = "";
      },
    );
  }

  /** Removes the card (the conversation was reopened, or another began). */
  clear(): void {
    this.conv = "";
    this.card = null;
    this.slot.replaceChildren();
  }

  private async rate(id: string, score: number, comment: string): Promise<Given> {
    try {
      const res = await withTimeout((o) => this.api.rateConversation({ conversationId: id, score, comment }, o));
      const r = res.rating!;
      const g = { score: r.score, comment: r.comment, until: ms(r.changeableUntil) };
      this.remember(id, g);
      return g;
    } catch (err) {
      // The card words it (rating.ts holds the texts).
      const reason = detailOf(err).reason;
      throw reason === ErrorReason.RATING_FINAL ? "final" : reason === ErrorReason.RATING_NOT_YET ? "notYet" : "error";
    }
  }
}
