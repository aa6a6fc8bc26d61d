import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useLocation } from "wouter";
import { ConversationStatus, SenderType, type Event, type Message } from "@livechat/api/conversation_pb";
import { anyTabVisible, isAlertLeader } from "@/alerts/tabs";
import { playTone } from "@/alerts/tone";
import { showDesktopNotification } from "@/alerts/desktop";
import { countUnseen } from "@/alerts/title";
import { useI18n, type I18n } from "@/i18n";
import { meKey } from "@/lib/query-keys";
import { preferences } from "@/lib/preferences";
import { customerKey, visitorListsKey } from "@/features/customers/keys";
import { isViewing } from "./active-conversation";
import { applyConversationEvent, applyMessage, applyPresence, applyRead, findConversation } from "./cache-updates";
import { setConnectionStatus } from "./connection";
import { applyMessageUpdate } from "./message-updates";
import { applyCustomerRead } from "./read-markers";
import { runEventStream } from "./event-stream";
import { applyTyping, applyViewing, clearTypist } from "./typing";

interface Context {
  qc: QueryClient;
  myId: string;
  t: I18n["t"];
  open: (conversationId: string) => void;
}

/**
 * Opens this tab's one Subscribe stream and feeds every event into the
 * query cache, the typing indicators and the agent alerts. Mounted once,
 * inside the signed-in part of the app.
 */
export function useLiveUpdates(myId: string): void {
  const qc = useQueryClient();
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const ctx = useRef<Context>({ qc, myId, t, open: () => {} });
  ctx.current = { qc, myId, t, open: (id) => navigate(`/inbox/all/${id}`) };

  useEffect(() => {
    const abort = new AbortController();
    const alerted = new Set<string>();
    const fresh = new Set<string>(); // conversations created while this tab was open
    void runEventStream(
      {
        onEvent: (ev) => handleEvent(ev, ctx.current, alerted, fresh),
        onResync: () => void qc.invalidateQueries(),
        onStatus: setConnectionStatus,
        onUnauthenticated: () => void qc.invalidateQueries({ queryKey: meKey }),
      },
      abort.signal,
    );
    return () => abort.abort();
  }, [qc]);
}

function handleEvent(ev: Event, ctx: Context, alerted: Set<string>, fresh: Set<string>) {
  const { qc, myId } = ctx;
  switch (ev.kind.case) {
    case "messageCreated": {
      const m = ev.kind.value;
      applyMessage(qc, m, myId, isViewing(m.conversationId));
      clearTypist(m.conversationId, m.senderType, m.senderId);
      alertForMessage(m, ctx, alerted, fresh);
      break;
    }
    case "messageUpdated":
      applyMessageUpdate(qc, ev.kind.value, myId);
      break;
    case "conversationCreated":
      fresh.add(ev.kind.value.id);
      applyConversationEvent(qc, ev.kind.value, myId);
      break;
    case "conversationUpdated":
      applyConversationEvent(qc, ev.kind.value, myId);
      // The customer's details or visit may be what changed: an open
      // customer panel reads the profile again (nothing is fetched when
      // no panel shows this customer).
      void qc.invalidateQueries({ queryKey: customerKey(ev.kind.value.customerId) });
      break;
    case "typing":
      applyTyping(ev.kind.value, myId);
      break;
    case "viewing":
      applyViewing(ev.kind.value, myId);
      break;
    case "read":
      applyRead(qc, ev.kind.value, myId);
      applyCustomerRead(ev.kind.value);
      break;
    case "presence":
      applyPresence(qc, ev.kind.value);
      break;
    case "visitorsChanged":
      // Someone arrived, moved or left: an open Visitors page reads the
      // list again (nothing is fetched when none is open).
      void qc.invalidateQueries({ queryKey: visitorListsKey });
      break;
    default:
      break; // ready, heartbeat
  }
}

/**
 * A customer message raises an alert unless the agent is looking at that
 * conversation or it belongs to a colleague: a chime, a desktop
 * notification when no dashboard tab is visible, and a count in the title
 * of hidden tabs.
 */
function alertForMessage(m: Message, ctx: Context, alerted: Set<string>, fresh: Set<string>) {
  if (m.senderType !== SenderType.CUSTOMER || m.internal) return;
  if (alerted.has(m.id) || isViewing(m.conversationId)) return;
  const conv = findConversation(ctx.qc, m.conversationId);
  if (conv?.assigneeId && conv.assigneeId !== ctx.myId) return;
  alerted.add(m.id);
  if (alerted.size > 2000) alerted.clear();

  const isNew = fresh.has(m.conversationId) || (conv?.status === ConversationStatus.WAITING && !conv.assigneeId && m.seq <= 2n);
  const prefs = preferences.get();
  const someoneLooking = anyTabVisible();
  const speaks = document.visibilityState === "visible" || (!someoneLooking && isAlertLeader());
  if (prefs.sound && speaks) playTone();
  if (prefs.desktop && !someoneLooking && isAlertLeader()) {
    const who = m.senderName || ctx.t("customer.anonymous");
    const title = isNew ? ctx.t("alert.newConversation", { name: who }) : ctx.t("alert.newMessage", { name: who });
    const body = m.text.length > 140 ? `${m.text.slice(0, 140)}…` : m.text;
    showDesktopNotification(title, body, m.conversationId, () => ctx.open(m.conversationId));
  }
  fresh.delete(m.conversationId);
  countUnseen();
}
