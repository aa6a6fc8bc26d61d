import { useQuery } from "@connectrpc/connect-query";
import { AgentRole, AuthService, type Agent } from "@livechat/api/auth_pb";

/** The signed-in agent. Only for components rendered inside AuthGate. */
export function useMe(): Agent {
  const { data } = useQuery(AuthService.method.getMe, {}, { retry: false });
  if (!data?.agent) throw new Error("useMe outside AuthGate");
  return data.agent;
}

export function useIsAdmin(): boolean {
  return useMe().role === AgentRole.ADMIN;
}
