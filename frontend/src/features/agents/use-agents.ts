import { useQuery } from "@connectrpc/connect-query";
import { useCallback } from "react";
import { AuthService, type ListAgentsResponse } from "@livechat/api/auth_pb";
import { useMe } from "@/features/auth/use-me";

/**
 * The team, with the signed-in agent's own presence taken from GetMe's
 * cache rather than from the list.
 *
 * Why: the list is first fetched while this tab's event stream is still
 * opening, so the server may answer it just before the stream made this
 * agent online. The stream's presence event then finds no cached list to
 * patch (the fetch is still in flight), and the list lands saying
 * "offline" until its next refresh. GetMe is loaded before the stream
 * starts, so the event always reaches it: it is the current truth about
 * oneself.
 */
export function useAgents(options: { enabled?: boolean } = {}) {
  const me = useMe();
  const select = useCallback(
    (res: ListAgentsResponse): ListAgentsResponse => ({
      ...res,
      agents: res.agents.map((a) => (a.id === me.id ? { ...a, status: me.status, online: me.online } : a)),
    }),
    [me.id, me.status, me.online],
  );
  return useQuery(AuthService.method.listAgents, {}, { ...options, select });
}
