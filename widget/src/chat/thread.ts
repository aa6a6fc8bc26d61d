// The conversation the visitor sees, as state without DOM: messages keyed
// by id (so replays and other tabs never double a line), the current
// conversation, both read markers and whether older pages exist.

import { SenderType, type Message } from "@livechat/api/conversation_pb";
import type { Store } from "../storage";
import { ms } from "./client";
import { fileOf, type F } from "./files";

export interface Msg {
  id: string;
  conv: string;
  seq: number;
  who: "me" | "agent" | "sys";
  senderId: string;
  name: string;
  /** An agent's avatar, relative to the server. */
  av?: string;
  text: string;
  at: number;
  cmid: string;
  sys?: { kind: number; actor: string; target: string };
  /** Edited by its sender. */
  ed?: boolean;
  /** Deleted by its sender (text is then ""). */
  del?: boolean;
  /** Until when (ms) its sender may edit or delete it; 0 or unset when not. */
  until?: number;
  files?: F[];
}

/** How far the visitor has read: conversation id and seq, as stored under "read". */
export interface ReadMark {
  c: string;
  s: number;
}

export class Thread {
  readonly msgs = new Map<string, Msg>();
  conv = "";
  read: ReadMark | null;
  agentRead = 0;
  hasMore = false;

  constructor(
    private store: Store,
    /** A message the visitor sent reached the thread: its outbox entry is done. */
    private delivered: (clientMessageId: string) => void,
  ) {
    this.read = store.get<ReadMark>("read");
  }

  /**
   * Adds a message from the server; internal notes are ignored, and a known
   * id takes the message's current text and edited/deleted state (an edit
   * or deletion, or a reload after one). Reports whether it was new.
   */
  add(p: Message): boolean {
    if (p.internal || !p.id) return false;
    const known = this.msgs.get(p.id);
    if (known) {
      known.text = p.text;
      known.ed = !!p.editedAt;
      known.del = !!p.deletedAt;
      known.until = p.editableUntil ? ms(p.editableUntil) : 0;
      return false;
    }
    const m: Msg = {
      id: p.id,
      conv: p.conversationId,
      seq: Number(p.seq),
      who: p.senderType === SenderType.CUSTOMER ? "me" : p.senderType === SenderType.AGENT ? "agent" : "sys",
      senderId: p.senderId,
      name: p.senderName,
      av: p.senderAvatarUrl,
      text: p.text,
      at: ms(p.createdAt),
      cmid: p.clientMessageId,
      ed: !!p.editedAt,
      del: !!p.deletedAt,
      until: p.editableUntil ? ms(p.editableUntil) : 0,
    };
    if (p.attachments.length) m.files = p.attachments.map(fileOf);
    if (p.systemEvent) m.sys = { kind: p.systemEvent.kind, actor: p.systemEvent.actorName, target: p.systemEvent.targetName };
    this.msgs.set(m.id, m);
    if (m.conv && !this.conv) this.conv = m.conv;
    if (m.cmid) this.delivered(m.cmid);
    if (m.who === "me" && m.conv === this.conv) {
      // Whoever writes has seen what came before.
      this.markRead(m.seq);
    }
    return true;
  }

  /** Agents have read the current conversation up to seq (markers never move back). */
  agentsRead(seq: number): void {
    if (seq > this.agentRead) this.agentRead = seq;
  }

  /** The visitor's current conversation changed (a new one was opened). */
  switchConv(c: string): void {
    if (c) this.conv = c;
  }

  /** Moves the visitor's read marker forward (never back) and stores it. Reports whether it moved. */
  markRead(seq: number): boolean {
    const r = this.read;
    if (!this.conv || (r && r.c === this.conv && r.s >= seq)) return false;
    this.read = { c: this.conv, s: seq };
    this.store.set("read", this.read);
    return true;
  }

  /** Forgets everything shown: another visitor, or another customer now. */
  clear(): void {
    this.msgs.clear();
    this.conv = "";
    this.read = null;
    this.agentRead = 0;
    this.hasMore = false;
  }

  /** Messages in order: by seq within a conversation, by time across them. */
  sorted(): Msg[] {
    return Array.from(this.msgs.values()).sort((a, b) => (a.conv === b.conv ? a.seq - b.seq : a.at - b.at));
  }

  maxSeq(): number {
    let s = 0;
    for (const m of this.msgs.values()) if (m.conv === this.conv && m.seq > s) s = m.seq;
    return s;
  }

  minSeq(): number {
    let s = 0;
    for (const m of this.msgs.values()) if (m.conv === this.conv && (!s || m.seq < s)) s = m.seq;
    return s;
  }

  /** Agent messages of the current conversation after the visitor's read marker. */
  unread(): number {
    const r = this.read;
    const base = r && r.c === this.conv ? r.s : 0;
    let n = 0;
    for (const m of this.msgs.values()) if (m.conv === this.conv && m.who === "agent" && m.seq > base) n++;
    return n;
  }
}
