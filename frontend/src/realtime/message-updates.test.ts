import "@/test-setup";
import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { QueryClient, type InfiniteData } from "@tanstack/react-query";
import {
  ConversationSchema,
  ConversationService,
  ConversationStatus,
  ListConversationsResponseSchema,
  ListMessagesResponseSchema,
  MessageSchema,
  SenderType,
  type ListConversationsResponse,
  type ListMessagesResponse,
} from "@livechat/api/conversation_pb";
import { conversationPageSize, messagesKey } from "@/lib/query-keys";
import { transport } from "@/lib/transport";
import { findConversation } from "./cache-updates";
import { applyMessageUpdate } from "./message-updates";

const waiting = createConnectQueryKey({
  schema: ConversationService.method.listConversations,
  input: { statuses: [ConversationStatus.WAITING], assignment: 0, query: "", pageSize: conversationPageSize, pageToken: "" },
  transport,
  cardinality: "infinite",
  pageParamKey: "pageToken",
});

const msg = (seq: number, text: string, extra = {}) =>
  create(MessageSchema, { id: `m${seq}`, conversationId: "a", seq: BigInt(seq), senderType: SenderType.CUSTOMER, text, ...extra });

let qc: QueryClient;
beforeEach(() => {
  qc = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
});
afterEach(() => qc.clear());

test("an edit replaces the message in the timeline and in the preview, in place", () => {
  const m1 = msg(1, "helo"), m2 = msg(2, "world");
  qc.setQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"), {
    pages: [create(ListMessagesResponseSchema, { messages: [m1, m2] })],
    pageParams: [0n],
  });
  qc.setQueryData<InfiniteData<ListConversationsResponse>>(waiting, {
    pages: [create(ListConversationsResponseSchema, { conversations: [create(ConversationSchema, { id: "a", status: ConversationStatus.WAITING, lastSeq: 2n, lastMessage: m2 })] })],
    pageParams: [""],
  });
  applyMessageUpdate(qc, msg(1, "hello", { editedAt: timestampFromMs(5000) }), "me");
  let timeline = qc.getQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"))!;
  assert.deepEqual(timeline.pages[0].messages.map((m) => m.text), ["hello", "world"]);
  assert.ok(timeline.pages[0].messages[0].editedAt);
  assert.equal(findConversation(qc, "a")?.lastMessage?.text, "world", "an older message leaves the preview alone");

  applyMessageUpdate(qc, msg(2, "", { deletedAt: timestampFromMs(6000) }), "me");
  timeline = qc.getQueryData<InfiniteData<ListMessagesResponse>>(messagesKey("a"))!;
  assert.equal(timeline.pages[0].messages[1].text, "");
  assert.ok(findConversation(qc, "a")?.lastMessage?.deletedAt, "the preview shows the deletion");
});

test("a message this tab has not loaded stays unloaded", () => {
  applyMessageUpdate(qc, msg(1, "x"), "me");
  assert.equal(qc.getQueryData(messagesKey("a")), undefined);
});
