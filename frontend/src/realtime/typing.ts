import { timestampDate } from "@bufbuild/protobuf/wkt";
import { SenderType, type TypingEvent } from "@livechat/api/conversation_pb";
import { useSyncExternalStore } from "react";

/** Someone typing in a conversation right now. */
export interface Typist {
  senderId: string;
  senderName: string;
  senderType: SenderType;
  expiresAt: number;
}

// The server expires an indicator after 6 s unless repeated; use that when
// the event carries no expiry.
const defaultTtl = 6_000;

const byConversation = new Map<string, Typist[]>();
const listeners = new Set<() => void>();
const empty: Typist[] = [];
let timer: number | undefined;

function emit() {
  for (const l of listeners) l();
}

function schedulePurge() {
  window.clearTimeout(timer);
  let next = Infinity;
  for (const list of byConversation.values()) for (const t of list) next = Math.min(next, t.expiresAt);
  if (next === Infinity) return;
  timer = window.setTimeout(purge, Math.max(50, next - Date.now() + 20));
}

function purge() {
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
}

/** Records a typing event; the caller's own events are ignored. */
export function applyTyping(ev: TypingEvent, myId: string): void {
  if (ev.senderType === SenderType.AGENT && ev.senderId === myId) return;
  const key = `${ev.senderType}:${ev.senderId}`;
  const list = (byConversation.get(ev.conversationId) ?? []).filter((t) => `${t.senderType}:${t.senderId}` !== key);
  if (ev.typing) {
    // Trust the server's expiry only within sane bounds: clocks differ.
    let expiresAt = Date.now() + defaultTtl;
    if (ev.expiresAt) {
      const remaining = timestampDate(ev.expiresAt).getTime() - Date.now();
      if (remaining > 0 && remaining < 30_000) expiresAt = Date.now() + remaining;
    }
    list.push({ senderId: ev.senderId, senderName: ev.senderName, senderType: ev.senderType, expiresAt });
  }
  if (list.length) byConversation.set(ev.conversationId, list);
  else byConversation.delete(ev.conversationId);
  emit();
  schedulePurge();
}

/** A customer's indicator ends when their message arrives. */
export function clearTypist(conversationId: string, senderType: SenderType, senderId: string): void {
  const list = byConversation.get(conversationId);
  if (!list) return;
  const kept = list.filter((t) => !(t.senderType === senderType && t.senderId === senderId));
  if (kept.length === list.length) return;
  if (kept.length) byConversation.set(conversationId, kept);
  else byConversation.delete(conversationId);
  emit();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Who is typing in a conversation now (others than the signed-in agent). */
export function typistsOf(conversationId: string): Typist[] {
  return byConversation.get(conversationId) ?? empty;
}

/** Who is typing in a conversation (others than the signed-in agent), as React state. */
export function useTypists(conversationId: string): Typist[] {
  return useSyncExternalStore(subscribe, () => typistsOf(conversationId));
}
