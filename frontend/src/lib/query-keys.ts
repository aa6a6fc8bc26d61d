import { createConnectQueryKey } from "@connectrpc/connect-query";
import { AuthService } from "@livechat/api/auth_pb";
import { ConversationService } from "@livechat/api/conversation_pb";
import { TeamService } from "@livechat/api/team_pb";
import { ViewService } from "@livechat/api/view_pb";
import { transport } from "./transport";

/** Page size of the inbox list; the same value in every list query keeps keys comparable. */
export const conversationPageSize = 30;
/** Page size of a conversation's timeline. */
export const messagePageSize = 50;

export const meKey = createConnectQueryKey({
  schema: AuthService.method.getMe,
  input: {},
  transport,
  cardinality: "finite",
});

export const setupStateKey = createConnectQueryKey({
  schema: AuthService.method.getSetupState,
  input: {},
  transport,
  cardinality: "finite",
});

export const agentsKey = createConnectQueryKey({
  schema: AuthService.method.listAgents,
  input: {},
  transport,
  cardinality: "finite",
});

export const inboxCountsKey = createConnectQueryKey({
  schema: ConversationService.method.getInboxCounts,
  input: {},
  transport,
  cardinality: "finite",
});

/** Matches every cached inbox list, whatever its filter. */
export const allConversationListsKey = createConnectQueryKey({
  schema: ConversationService.method.listConversations,
  transport,
  cardinality: "infinite",
});

export function conversationKey(conversationId: string) {
  return createConnectQueryKey({
    schema: ConversationService.method.getConversation,
    input: { conversationId },
    transport,
    cardinality: "finite",
  });
}

export function messagesKey(conversationId: string) {
  return createConnectQueryKey({
    schema: ConversationService.method.listMessages,
    input: { conversationId, pageSize: messagePageSize },
    pageParamKey: "beforeSeq",
    transport,
    cardinality: "infinite",
  });
}

export const apiTokensKey = createConnectQueryKey({
  schema: AuthService.method.listApiTokens,
  input: {},
  transport,
  cardinality: "finite",
});

/** The agent's saved views with their counts. */
export const viewsKey = createConnectQueryKey({
  schema: ViewService.method.listViews,
  input: {},
  transport,
  cardinality: "finite",
});

export const teamsKey = createConnectQueryKey({
  schema: TeamService.method.listTeams,
  input: {},
  transport,
  cardinality: "finite",
});
