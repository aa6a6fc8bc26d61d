import { AssignmentFilter, ConversationStatus, type GetInboxCountsResponse, type ListConversationsRequest } from "@livechat/api/conversation_pb";
import type { MessageKey } from "@/i18n";

export type QueueId = "waiting" | "mine" | "unassigned" | "all" | "resolved" | "closed" | "bots";

export interface Queue {
  /** A QueueId, or "view-<id>" / "team-<id>" for a saved view or a team's inbox. */
  id: string;
  label: MessageKey;
  empty: MessageKey;
  statuses: ConversationStatus[];
  assignment: AssignmentFilter;
  /** The GetInboxCounts figure shown next to it; none for bots. */
  count?: keyof Omit<GetInboxCountsResponse, "$typeName" | "$unknown">;
  /** Only conversations a bot holds (a widget's bot answers first). */
  heldByBot?: boolean;
  /** A saved view's or team's name, shown instead of label. */
  title?: string;
  /** The rest of a saved view's or team's filters. */
  filter?: Partial<Omit<ListConversationsRequest, "$typeName" | "$unknown" | "statuses" | "assignment" | "pageSize" | "pageToken">>;
}

const open = [ConversationStatus.WAITING, ConversationStatus.ACTIVE];

/** The inbox queues, each a ListConversations filter with its GetInboxCounts figure. */
export const queues: Queue[] = [
  { id: "waiting", label: "queue.waiting", empty: "queue.waitingEmpty", statuses: [ConversationStatus.WAITING], assignment: AssignmentFilter.ALL, count: "waiting" },
  { id: "mine", label: "queue.mine", empty: "queue.mineEmpty", statuses: [ConversationStatus.ACTIVE], assignment: AssignmentFilter.MINE, count: "mine" },
  { id: "unassigned", label: "queue.unassigned", empty: "queue.unassignedEmpty", statuses: open, assignment: AssignmentFilter.UNASSIGNED, count: "unassigned" },
  { id: "all", label: "queue.all", empty: "queue.allEmpty", statuses: open, assignment: AssignmentFilter.ALL, count: "open" },
  { id: "resolved", label: "queue.resolved", empty: "queue.resolvedEmpty", statuses: [ConversationStatus.RESOLVED], assignment: AssignmentFilter.ALL, count: "resolved" },
  { id: "closed", label: "queue.closed", empty: "queue.closedEmpty", statuses: [ConversationStatus.CLOSED], assignment: AssignmentFilter.ALL, count: "closed" },
  { id: "bots", label: "queue.bots", empty: "queue.botsEmpty", statuses: [], assignment: AssignmentFilter.ALL, heldByBot: true },
];

export function queueById(id: string | undefined): Queue | undefined {
  return queues.find((q) => q.id === id);
}
