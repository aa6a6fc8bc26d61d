import "@/test-setup";
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, mock, test } from "node:test";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { QueryClient, type InfiniteData } from "@tanstack/react-query";
import { AgentSchema, ListAgentsResponseSchema, type ListAgentsResponse } from "@livechat/api/auth_pb";
import {
  AssignmentFilter,
  ConversationSchema,
  ConversationService,
  ConversationStatus,
  GetConversationResponseSchema,
  ListConversationsResponseSchema,
  ListMessagesResponseSchema,
  MessageSchema,
  PresenceEventSchema,
  ReadEventSchema,
  SenderType,
  type Conversation,
  type GetConversationResponse,
  type ListConversationsResponse,
  type ListMessagesResponse,
} from "@livechat/api/conversation_pb";
import { agentsKey, conversationKey, conversationPageSize, inboxCountsKey, messagesKey, viewsKey } from "@/lib/query-keys";
import { transport } from "@/lib/transport";
import {
  addMessageToTimeline,
  applyConversationEvent,
  applyMessage,
  applyPresence,
  applyRead,
  findConversation,
  upsertConversation,
  viewCountsDelay,
} from "./cache-updates";
import { filterInput } from "@/features/inbox/filter-bar";

const me = "agent-me";
const other = "agent-other";

/** The key of an inbox list, built as the inbox page builds it. */
function listKey(statuses: ConversationStatus[], assignment = AssignmentFilter.UNSPECIFIED, query = "") {
  return createConnectQueryKey({
    schema: ConversationService.method.listConversations,
    input: { statuses, assignment, query, pageSize: conversationPageSize, pageToken: "" },
    transport,
    cardinality: "infinite",
    pageParamKey: "pageToken",
  });
}

const waiting = listKey([ConversationStatus.WAITING]);
const mine = listKey([ConversationStatus.WAITING, ConversationStatus.ACTIVE], AssignmentFilter.MINE);
const unassigned = listKey([ConversationStatus.WAITING, ConversationStatus.ACTIVE], AssignmentFilter.UNASSIGNED);
const search = listKey([], AssignmentFilter.UNSPECIFIED, "refund");

function conv(id: string, p: MessageInitShape<typeof ConversationSchema> = {}): Conversation {
  return create(ConversationSchema, { id, status: ConversationStatus.WAITING, ...p });
}

function msg(conversationId: string, seq: number, p: MessageInitShape<typeof MessageSchema> = {}) {
  return create(MessageSchema, {
    id: `${conversationId}-m${seq}`,
    conversationId,
    seq: BigInt(seq),
    senderType: SenderType.CUSTOMER,
    text: "hello " + seq,
    createdAt: timestampFromMs(1_000_000 + seq * 1000),
    ...p,
  });
}

function setList(qc: QueryClient, key: ReturnType<typeof listKey>, pages: Conversation[][]) {
  qc.setQueryData<InfiniteData<ListConversationsResponse>>(key, {
    pages: pages.map((conversations) => create(ListConversationsResponseSchema, { conversations })),
    pageParams: pages.map((_, i) => (i === 0 ? "" : `t${i}`)),
  });
}

const ids = (qc: QueryClient, key: ReturnType<typeof listKey>) =>
  qc.getQueryData<InfiniteData<ListConversationsResponse>>(key)?.pages.map((p) => p.conversations.map((c) => c.id));

describe("the dashboard's cache updates", () => {
  let qc: QueryClient;
  beforeEach(() => {
    mock.timers.enable({ apis: ["setTimeout"] });
    qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  });
  afterEach(() => {
    // Let the debounced refreshes run: the module keeps their timer ids,
    // which the next test's fresh mock clock would hand out again.
    mock.timers.runAll();
    qc.clear();
    mock.timers.reset();
  });

  describe("upsertConversation", () => {
    test("moves a conversation between the lists it belongs to, newest activity first", () => {
      setList(qc, waiting, [[conv("a", { lastMessageAt: timestampFromMs(2000) }), conv("b", { lastMessageAt: timestampFromMs(1000) })]]);
      setList(qc, mine, [[]]);
      setList(qc, unassigned, [[conv("a"), conv("b")]]);
      // b is claimed by me: out of waiting and unassigned, into mine.
      upsertConversation(qc, conv("b", { status: ConversationStatus.ACTIVE, assigneeId: me, lastMessageAt: timestampFromMs(3000) }), me);
      assert.deepEqual(ids(qc, waiting), [["a"]]);
      assert.deepEqual(ids(qc, mine), [["b"]]);
      assert.deepEqual(ids(qc, unassigned), [["a"]]);
      // New activity on a waiting one puts it first.
      upsertConversation(qc, conv("c", { lastMessageAt: timestampFromMs(5000) }), me);
      assert.deepEqual(ids(qc, waiting), [["c", "a"]]);
    });

    test("a list filtered by tag, widget, assignee and dates takes only what matches them all", () => {
      const filtered = createConnectQueryKey({
        schema: ConversationService.method.listConversations,
        input: {
          statuses: [],
          assignment: AssignmentFilter.ALL,
          query: "",
          ...filterInput({ tagId: "vip", widgetId: "w1", assigneeId: other, from: "2026-01-02", to: "2026-01-02" }),
          pageSize: conversationPageSize,
          pageToken: "",
        },
        transport,
        cardinality: "infinite",
        pageParamKey: "pageToken",
      });
      setList(qc, filtered, [[]]);
      const day = new Date(2026, 0, 2, 12).getTime();
      const fits = { widgetId: "w1", assigneeId: other, createdAt: timestampFromMs(day), tags: [{ id: "vip", name: "VIP" }] };
      upsertConversation(qc, conv("yes", fits), me);
      upsertConversation(qc, conv("other-tag", { ...fits, tags: [{ id: "billing", name: "Billing" }] }), me);
      upsertConversation(qc, conv("untagged", { ...fits, tags: [] }), me);
      upsertConversation(qc, conv("other-widget", { ...fits, widgetId: "w2" }), me);
      upsertConversation(qc, conv("mine", { ...fits, assigneeId: me }), me);
      upsertConversation(qc, conv("day-before", { ...fits, createdAt: timestampFromMs(day - 86_400_000) }), me);
      upsertConversation(qc, conv("day-after", { ...fits, createdAt: timestampFromMs(day + 86_400_000) }), me);
      assert.deepEqual(ids(qc, filtered), [["yes"]]);
      // Its tag taken off, it leaves the list.
      upsertConversation(qc, conv("yes", { ...fits, tags: [] }), me);
      assert.deepEqual(ids(qc, filtered), [[]]);
    });

    test("a conversation on a later page is replaced there, not doubled", () => {
      setList(qc, waiting, [[conv("a")], [conv("b", { lastMessageAt: timestampFromMs(1) })]]);
      upsertConversation(qc, conv("b", { lastMessageAt: timestampFromMs(9000) }), me);
      assert.deepEqual(ids(qc, waiting), [["b", "a"], []]);
    });

    test("a search list is left to the server: refreshed, not guessed", () => {
      setList(qc, search, [[conv("a")]]);
      upsertConversation(qc, conv("z"), me);
      assert.deepEqual(ids(qc, search), [["a"]]);
      assert.equal(qc.getQueryState(search)?.isInvalidated, false, "debounced");
      mock.timers.tick(400);
      assert.equal(qc.getQueryState(search)?.isInvalidated, true);
    });

    test("updates the detail and refreshes the inbox counts once for a burst", () => {
      qc.setQueryData<GetConversationResponse>(conversationKey("a"), create(GetConversationResponseSchema, { conversation: conv("a") }));
      qc.setQueryData(inboxCountsKey, { waiting: 1 } as never);
      upsertConversation(qc, conv("a", { status: ConversationStatus.ACTIVE }), me);
      upsertConversation(qc, conv("a", { status: ConversationStatus.RESOLVED }), me);
      assert.equal(qc.getQueryData<GetConversationResponse>(conversationKey("a"))?.conversation?.status, ConversationStatus.RESOLVED);
      assert.equal(qc.getQueryState(inboxCountsKey)?.isInvalidated, false);
      mock.timers.tick(250);
      assert.equal(qc.getQueryState(inboxCountsKey)?.isInvalidated, true);
    });
  });

  describe("saved views and team inboxes", () => {
    test("views' counts are asked for once, a second after a burst of changes", () => {
      qc.setQueryData(viewsKey, { views: [] } as never);
      upsertConversation(qc, conv("a", { status: ConversationStatus.ACTIVE }), me);
      mock.timers.tick(600);
      upsertConversation(qc, conv("a", { status: ConversationStatus.RESOLVED }), me);
      mock.timers.tick(viewCountsDelay - 1);
      assert.equal(qc.getQueryState(viewsKey)?.isInvalidated, false, "still within the quiet second");
      mock.timers.tick(1);
      assert.equal(qc.getQueryState(viewsKey)?.isInvalidated, true);
    });

    test("a team inbox is left to the server: refreshed, not guessed", () => {
      const team = createConnectQueryKey({
        schema: ConversationService.method.listConversations,
        input: { statuses: [ConversationStatus.WAITING, ConversationStatus.ACTIVE], teamId: "t1", pageSize: conversationPageSize, pageToken: "" },
        transport,
        cardinality: "infinite",
        pageParamKey: "pageToken",
      });
      setList(qc, team, [[conv("a")]]);
      upsertConversation(qc, conv("z"), me);
      assert.deepEqual(ids(qc, team), [["a"]]);
      mock.timers.tick(400);
      assert.equal(qc.getQueryState(team)?.isInvalidated, true);
    });
  });

  describe("applyMessage", () => {
    test("a customer message: in the timeline once, preview, waiting time and unread count", () => {
      setList(qc, waiting, [[conv("a", { lastSeq: 1n })]]);
      qc.setQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"), {
        pages: [create(ListMessagesResponseSchema, { messages: [msg("a", 1)] })],
        pageParams: [0n],
      });
      const m2 = msg("a", 2);
      applyMessage(qc, m2, me, false);
      applyMessage(qc, m2, me, false); // a replay after a resume
      const c = findConversation(qc, "a")!;
      assert.equal(c.lastSeq, 2n);
      assert.equal(c.unreadCount, 1, "counted once");
      assert.equal(c.lastMessage?.text, "hello 2");
      assert.deepEqual(c.waitingSince, m2.createdAt);
      const timeline = qc.getQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"))!;
      assert.deepEqual(timeline.pages[0].messages.map((m) => m.seq), [1n, 2n]);
    });

    test("while the agent looks at it nothing is unread; an agent's reply ends the wait; a note does not", () => {
      setList(qc, waiting, [[conv("a", { lastSeq: 1n, waitingSince: timestampFromMs(1) })]]);
      applyMessage(qc, msg("a", 2), me, true);
      assert.equal(findConversation(qc, "a")?.unreadCount, 0);
      applyMessage(qc, msg("a", 3, { senderType: SenderType.AGENT, internal: true }), me, true);
      assert.ok(findConversation(qc, "a")?.waitingSince, "an internal note is no reply");
      applyMessage(qc, msg("a", 4, { senderType: SenderType.AGENT }), me, true);
      assert.equal(findConversation(qc, "a")?.waitingSince, undefined);
    });

    test("out of order timeline events land sorted, and a known seq is not added twice", () => {
      qc.setQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"), {
        pages: [create(ListMessagesResponseSchema, { messages: [msg("a", 1)] })],
        pageParams: [0n],
      });
      addMessageToTimeline(qc, msg("a", 3));
      addMessageToTimeline(qc, msg("a", 2));
      addMessageToTimeline(qc, msg("a", 2, { id: "other-id" }));
      const timeline = qc.getQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"))!;
      assert.deepEqual(timeline.pages[0].messages.map((m) => m.id), ["a-m1", "a-m2", "a-m3"]);
    });

    test("a conversation this tab has not seen makes the lists reload", () => {
      setList(qc, waiting, [[]]);
      applyMessage(qc, msg("new", 1), me, false);
      mock.timers.tick(400);
      assert.equal(qc.getQueryState(waiting)?.isInvalidated, true);
    });
  });

  test("a conversation event keeps the message-derived fields this tab counted", () => {
    setList(qc, waiting, [[conv("a", { lastSeq: 5n, unreadCount: 2, lastMessage: msg("a", 5) })]]);
    // The snapshot may count messages whose events are still on their way.
    applyConversationEvent(qc, conv("a", { assigneeId: other, lastSeq: 7n, unreadCount: 0 }), me);
    const c = findConversation(qc, "a")!;
    assert.equal(c.assigneeId, other);
    assert.equal(c.lastSeq, 5n);
    assert.equal(c.unreadCount, 2);
    assert.equal(c.lastMessage?.seq, 5n);
  });

  test("my own read marker clears the badge; someone else's or an older one does not", () => {
    setList(qc, waiting, [[conv("a", { lastSeq: 5n, unreadCount: 3 })]]);
    applyRead(qc, create(ReadEventSchema, { conversationId: "a", readerType: SenderType.AGENT, readerId: other, seq: 5n }), me);
    assert.equal(findConversation(qc, "a")?.unreadCount, 3);
    applyRead(qc, create(ReadEventSchema, { conversationId: "a", readerType: SenderType.AGENT, readerId: me, seq: 4n }), me);
    assert.equal(findConversation(qc, "a")?.unreadCount, 3, "read up to an older message");
    applyRead(qc, create(ReadEventSchema, { conversationId: "a", readerType: SenderType.AGENT, readerId: me, seq: 5n }), me);
    assert.equal(findConversation(qc, "a")?.unreadCount, 0);
  });

  test("presence moves the agent list and my own status", () => {
    qc.setQueryData<ListAgentsResponse>(
      agentsKey,
      create(ListAgentsResponseSchema, { agents: [create(AgentSchema, { id: other, online: false })] }),
    );
    applyPresence(qc, create(PresenceEventSchema, { agentId: other, online: true }));
    assert.equal(qc.getQueryData<ListAgentsResponse>(agentsKey)?.agents[0].online, true);
  });
});
