import { useSyncExternalStore } from "react";
import { SenderType, type ReadEvent } from "@livechat/api/conversation_pb";

// How far each customer has read their conversation, as learnt live; used
// for the "Seen" mark under replies.
const customerRead = new Map<string, bigint>();
const listeners = new Set<() => void>();

export function applyCustomerRead(ev: ReadEvent): void {
  if (ev.readerType !== SenderType.CUSTOMER) return;
  const prev = customerRead.get(ev.conversationId) ?? 0n;
  if (ev.seq <= prev) return;
  customerRead.set(ev.conversationId, ev.seq);
  for (const l of listeners) l();
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The seq up to which the customer has read, 0 when unknown. */
export function customerReadSeq(conversationId: string): bigint {
  return customerRead.get(conversationId) ?? 0n;
}

/** The seq up to which the customer has read, 0 when unknown, as React state. */
export function useCustomerReadSeq(conversationId: string): bigint {
  return useSyncExternalStore(subscribe, () => customerReadSeq(conversationId));
}
