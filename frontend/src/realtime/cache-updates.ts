import type { InfiniteData, QueryClient, QueryKey } from "@tanstack/react-query";
import type { Agent, GetMeResponse, ListAgentsResponse } from "@livechat/api/auth_pb";
import {
  AssignmentFilter,
  ConversationStatus,
  SenderType,
  type Conversation,
  type GetConversationResponse,
  type ListConversationsResponse,
  type ListMessagesResponse,
  type Message,
  type PresenceEvent,
  type ReadEvent,
} from "@livechat/api/conversation_pb";
import { toMillis } from "@/lib/format";
import {
  agentsKey,
  allConversationListsKey,
  conversationKey,
  inboxCountsKey,
  meKey,
  messagesKey,
  viewsKey,
} from "@/lib/query-keys";

type ConversationPages = InfiniteData<ListConversationsResponse>;
type MessagePages = InfiniteData<ListMessagesResponse>;

/** The filter of a cached inbox list, read back from its query key. */
interface ListFilter {
  statuses?: number[];
  assignment?: number;
  query?: string;
  tagIds?: string[];
  widgetId?: string;
  assigneeId?: string;
  teamId?: string;
  createdAfter?: KeyTimestamp;
  createdBefore?: KeyTimestamp;
  heldByBot?: boolean;
}

/** A timestamp as a query key holds it: seconds as a string, zero fields left out. */
interface KeyTimestamp {
  seconds?: string;
  nanos?: number;
}

function keyMillis(ts: KeyTimestamp): number {
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

function filterOf(key: QueryKey): ListFilter {
  const props = key[1] as { input?: ListFilter } | undefined;
  return props?.input ?? {};
}

/** When activity last happened, for sorting the inbox newest first. */
export function activityOf(c: Conversation): number {
  return toMillis(c.lastMessageAt) || toMillis(c.updatedAt) || toMillis(c.createdAt);
}

/** Whether a conversation belongs in a list; undefined when only the server can tell (search). */
function belongs(c: Conversation, f: ListFilter, myId: string): boolean | undefined {
  // Search and a team's widgets are the server's to tell.
  if (f.query || f.teamId) return undefined;
  if (f.statuses?.length && !f.statuses.includes(c.status)) return false;
  if (f.assignment === AssignmentFilter.MINE && c.assigneeId !== myId) return false;
  if (f.assignment === AssignmentFilter.UNASSIGNED && c.assigneeId !== "") return false;
  if (f.assigneeId && c.assigneeId !== f.assigneeId) return false;
  if (f.heldByBot && c.botName === "") return false;
  if (f.widgetId && c.widgetId !== f.widgetId) return false;
  if (f.tagIds?.length && !c.tags.some((tag) => f.tagIds?.includes(tag.id))) return false;
  const created = toMillis(c.createdAt);
  if (f.createdAfter && created < keyMillis(f.createdAfter)) return false;
  if (f.createdBefore && created >= keyMillis(f.createdBefore)) return false;
  return true;
}

const timers = new Map<string, number>();

/** Runs fn once after a quiet period, however often it is asked for. */
function debounce(id: string, fn: () => void, ms = 250) {
  window.clearTimeout(timers.get(id));
  timers.set(
    id,
    window.setTimeout(() => {
      timers.delete(id);
      fn();
    }, ms),
  );
}

/**
 * Saved views' counts are one query per view on the server, which counts an
 * agent's views at most once a second; asking a second after the last
 * change keeps a burst of events to one count.
 */
export const viewCountsDelay = 1000;

function refreshCounts(qc: QueryClient) {
  debounce("counts", () => void qc.invalidateQueries({ queryKey: inboxCountsKey }));
  debounce("views", () => void qc.invalidateQueries({ queryKey: viewsKey }), viewCountsDelay);
}

function refreshList(qc: QueryClient, key: QueryKey) {
  debounce(`list:${JSON.stringify(key)}`, () => void qc.invalidateQueries({ queryKey: key, exact: true }), 400);
}

/**
 * Puts a conversation's new state into every cached list: replaced where it
 * is, added where it now belongs, removed where it no longer does, and the
 * lists kept newest activity first.
 */
export function upsertConversation(qc: QueryClient, next: Conversation, myId: string): void {
  for (const [key, data] of qc.getQueriesData<ConversationPages>({ queryKey: allConversationListsKey })) {
    if (!data) continue;
    const fits = belongs(next, filterOf(key), myId);
    if (fits === undefined) {
      refreshList(qc, key);
      continue;
    }
    let found = false;
    const pages = data.pages.map((page) => {
      const without = page.conversations.filter((c) => c.id !== next.id);
      if (without.length !== page.conversations.length) found = true;
      return without.length === page.conversations.length ? page : { ...page, conversations: without };
    });
    if (!fits && !found) continue;
    if (fits) {
      const first = pages[0];
      const merged = [next, ...first.conversations].sort((a, b) => activityOf(b) - activityOf(a));
      pages[0] = { ...first, conversations: merged };
    }
    qc.setQueryData<ConversationPages>(key, { ...data, pages });
  }
  qc.setQueryData<GetConversationResponse>(conversationKey(next.id), (old) =>
    old ? { ...old, conversation: next } : old,
  );
  refreshCounts(qc);
}

/**
 * Applies a conversation snapshot from the event stream. A snapshot is the
 * conversation's state when the server read the event, so it may already
 * count messages whose own events are still on their way, and its unread
 * count is nobody's (unread counts are per agent). The message-derived
 * fields therefore stay as this tab knows them, and the message events move
 * them on: each message is counted once, whatever order the events come in.
 */
export function applyConversationEvent(qc: QueryClient, snapshot: Conversation, myId: string): void {
  const known = findConversation(qc, snapshot.id);
  upsertConversation(
    qc,
    {
      ...snapshot,
      lastSeq: known?.lastSeq ?? 0n,
      lastMessage: known?.lastMessage,
      lastMessageAt: known?.lastMessageAt,
      unreadCount: known?.unreadCount ?? 0,
    },
    myId,
  );
}

/** The cached state of a conversation, from its detail or any list. */
export function findConversation(qc: QueryClient, id: string): Conversation | undefined {
  const detail = qc.getQueryData<GetConversationResponse>(conversationKey(id))?.conversation;
  if (detail) return detail;
  for (const [, data] of qc.getQueriesData<ConversationPages>({ queryKey: allConversationListsKey })) {
    for (const page of data?.pages ?? []) {
      const c = page.conversations.find((x) => x.id === id);
      if (c) return c;
    }
  }
  return undefined;
}

/** Adds a message to a cached timeline unless it is there already (by id or seq). */
export function addMessageToTimeline(qc: QueryClient, m: Message): void {
  qc.setQueryData<MessagePages>(messagesKey(m.conversationId), (old) => {
    if (!old || old.pages.length === 0) return old;
    for (const page of old.pages) {
      if (page.messages.some((x) => x.id === m.id || x.seq === m.seq)) return old;
    }
    const [newest, ...older] = old.pages;
    const messages = [...newest.messages, m].sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
    return { ...old, pages: [{ ...newest, messages }, ...older] };
  });
}

/** Applies a new message to its timeline and to the conversation's preview, waiting time and unread count. */
export function applyMessage(qc: QueryClient, m: Message, myId: string, viewing: boolean): void {
  addMessageToTimeline(qc, m);
  const conv = findConversation(qc, m.conversationId);
  if (!conv) {
    // A conversation this tab has not seen yet: let the lists load it.
    for (const [key] of qc.getQueriesData({ queryKey: allConversationListsKey })) refreshList(qc, key);
    refreshCounts(qc);
    return;
  }
  if (conv.lastSeq >= m.seq) return; // Already reflected (a duplicate after a resume).
  const next: Conversation = { ...conv, lastSeq: m.seq, lastMessage: m, lastMessageAt: m.createdAt };
  if (m.senderType === SenderType.CUSTOMER) {
    next.waitingSince = conv.waitingSince ?? m.createdAt;
    next.unreadCount = viewing ? 0 : conv.unreadCount + 1;
  } else if (m.senderType === SenderType.AGENT && !m.internal) {
    next.waitingSince = undefined;
  }
  upsertConversation(qc, next, myId);
}

/** The caller's own read marker moved (maybe in another tab): clear the unread badge. */
export function applyRead(qc: QueryClient, ev: ReadEvent, myId: string): void {
  if (ev.readerType !== SenderType.AGENT || ev.readerId !== myId) return;
  const conv = findConversation(qc, ev.conversationId);
  if (!conv || conv.unreadCount === 0) return;
  if (ev.seq !== 0n && ev.seq < conv.lastSeq) return;
  upsertConversation(qc, { ...conv, unreadCount: 0 }, myId);
}

export function applyPresence(qc: QueryClient, ev: PresenceEvent): void {
  if (!ev.agentId) return;
  const patch = (a: Agent): Agent => (a.id === ev.agentId ? { ...a, status: ev.status, online: ev.online } : a);
  qc.setQueryData<ListAgentsResponse>(agentsKey, (old) => (old ? { ...old, agents: old.agents.map(patch) } : old));
  const me = qc.getQueryData<GetMeResponse>(meKey)?.agent;
  qc.setQueryData<GetMeResponse>(meKey, (old) => (old?.agent ? { ...old, agent: patch(old.agent) } : old));
  // Whether an away was automatic is not in the event: re-read it, so every
  // tab knows whether activity ends it.
  if (me?.id === ev.agentId && me.status !== ev.status) void qc.invalidateQueries({ queryKey: meKey });
}

/** Whether a conversation is open (waiting or active). */
export function isOpen(c: Conversation): boolean {
  return c.status === ConversationStatus.WAITING || c.status === ConversationStatus.ACTIVE;
}
