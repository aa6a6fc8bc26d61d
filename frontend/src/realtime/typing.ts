import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SenderType, type TypingEvent, type ViewingEvent } from "@livechat/api/conversation_pb";
import { useSyncExternalStore } from "react";

/** Someone typing in (or, for agents, viewing) a conversation right now. */
export interface Typist {
  senderId: string;
  senderName: string;
  senderType: SenderType;
  expiresAt: number;
}

const empty: Typist[] = [];

/**
 * Live ephemeral indicators by conversation (typing, viewing): each entry
 * lapses at its expiry unless repeated, like the server's.
 */
function indicatorStore(defaultTtl: number) {
  const byConversation = new Map<string, Typist[]>();
  const listeners = new Set<() => void>();
  let timer: number | undefined;

  const emit = () => {
    for (const l of listeners) l();
  };
  const schedulePurge = () => {
    window.clearTimeout(timer);
    let next = Infinity;
    for (const list of byConversation.values()) for (const t of list) next = Math.min(next, t.expiresAt);
    if (next === Infinity) return;
    timer = window.setTimeout(purge, Math.max(50, next - Date.now() + 20));
  };
  const purge = () => {
    const now = Date.now();
    let changed = false;
    for (const [id, list] of byConversation) {
      const kept = list.filter((t) => t.expiresAt > now);
      if (kept.length !== list.length) {
        changed = true;
        if (kept.length) byConversation.set(id, kept);
        else byConversation.delete(id);
      }
    }
    if (changed) emit();
    schedulePurge();
  };
  const put = (conversationId: string, list: Typist[]) => {
    if (list.length) byConversation.set(conversationId, list);
    else byConversation.delete(conversationId);
  };
  const subscribe = (listener: () => void) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const of = (conversationId: string) => byConversation.get(conversationId) ?? empty;

  return {
    /** Shows (on) or clears (off) one sender's indicator. */
    set(conversationId: string, who: Omit<Typist, "expiresAt">, on: boolean, serverExpiry?: Timestamp) {
      const key = `${who.senderType}:${who.senderId}`;
      const list = of(conversationId).filter((t) => `${t.senderType}:${t.senderId}` !== key);
      if (on) {
        // Trust the server's expiry only within sane bounds: clocks differ.
        let expiresAt = Date.now() + defaultTtl;
        if (serverExpiry) {
          const remaining = timestampDate(serverExpiry).getTime() - Date.now();
          if (remaining > 0 && remaining < 60_000) expiresAt = Date.now() + remaining;
        }
        list.push({ ...who, expiresAt });
      }
      put(conversationId, list);
      emit();
      schedulePurge();
    },
    /** Clears one sender's indicator, if shown. */
    clear(conversationId: string, senderType: SenderType, senderId: string) {
      const list = byConversation.get(conversationId);
      if (!list) return;
      const kept = list.filter((t) => !(t.senderType === senderType && t.senderId === senderId));
      if (kept.length === list.length) return;
      put(conversationId, kept);
      emit();
    },
    of,
    use: (conversationId: string) => useSyncExternalStore(subscribe, () => of(conversationId)),
  };
}

// The server expires a typing indicator after 6 s and a viewing signal
// after 20 s unless repeated; use those when an event carries no expiry.
const typists = indicatorStore(6_000);
const viewers = indicatorStore(20_000);

/** Records a typing event; the caller's own events are ignored. */
export function applyTyping(ev: TypingEvent, myId: string): void {
  if (ev.senderType === SenderType.AGENT && ev.senderId === myId) return;
  typists.set(ev.conversationId, { senderId: ev.senderId, senderName: ev.senderName, senderType: ev.senderType }, ev.typing, ev.expiresAt);
}

/** Records a colleague opening or leaving a conversation; the caller's own signals are ignored. */
export function applyViewing(ev: ViewingEvent, myId: string): void {
  if (ev.agentId === myId) return;
  viewers.set(ev.conversationId, { senderId: ev.agentId, senderName: ev.agentName, senderType: SenderType.AGENT }, ev.viewing, ev.expiresAt);
}

/** A customer's indicator ends when their message arrives. */
export function clearTypist(conversationId: string, senderType: SenderType, senderId: string): void {
  typists.clear(conversationId, senderType, senderId);
}

/** Who is typing in a conversation now (others than the signed-in agent). */
export const typistsOf = typists.of;

/** Which colleagues have a conversation open now. */
export const viewersOf = viewers.of;

/** Who is typing in a conversation (others than the signed-in agent), as React state. */
export const useTypists = typists.use;

/** Which colleagues have a conversation open, as React state. */
export const useViewers = viewers.use;
