// Reading messages with ListMessages: the newest page when the chat opens,
// older pages on request, and whatever came after the newest message held
// (after each READY, and while the stream is down) to close any gap.

import { Code, codeOf, withTimeout, type Api } from "./client";
import type { Session } from "./session";
import type { Thread } from "./thread";

export class History {
  constructor(
    private api: Api,
    private session: Session,
    private thread: Thread,
  ) {}

  /** Reads the newest page, or the page before seq `before`. */
  async load(before?: number): Promise<void> {
    const { session, thread } = this;
    const e = session.epoch;
    const tok = session.token;
    try {
      const res = await withTimeout((o) =>
        this.api.listMessages(
          { conversationId: before ? thread.conv : "", beforeSeq: BigInt(before || 0), pageSize: 50 },
          o,
        ),
      );
      if (e !== session.epoch) return;
      const oldest = thread.minSeq();
      for (const m of res.messages) thread.add(m);
      // "Seen" as the server has it: the stream only tells of reads from now on.
      thread.agentsRead(Number(res.agentsReadSeq));
      // Older pages exist only if this page reaches below what we hold.
      if (before || (res.messages.length && (!oldest || Number(res.messages[0].seq) <= oldest))) {
        thread.hasMore = res.hasMore;
      }
    } catch (err) {
      if (codeOf(err) === Code.Unauthenticated) {
        session.lost(tok);
        return;
      }
      if (codeOf(err) !== Code.NotFound) throw err;
    }
  }

  /** Reads whatever was added after the newest message held. */
  async catchUp(): Promise<void> {
    const { session, thread } = this;
    if (!thread.conv) return this.load();
    const e = session.epoch;
    for (let i = 0; i < 20; i++) {
      const res = await withTimeout((o) =>
        this.api.listMessages({ conversationId: thread.conv, afterSeq: BigInt(thread.maxSeq()), pageSize: 200 }, o),
      );
      if (e !== session.epoch) return;
      for (const m of res.messages) thread.add(m);
      thread.agentsRead(Number(res.agentsReadSeq));
      if (!res.hasMore || !res.messages.length) break;
    }
  }
}
