import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { AuthService, type Agent, type ListAgentsResponse } from "@livechat/api/auth_pb";
import { agentsKey } from "@/lib/query-keys";

/** Agent changes, each written straight into the cached list. */
export function useAgentMutations() {
  const qc = useQueryClient();
  const put = (agent?: Agent) => {
    if (!agent) return;
    qc.setQueryData<ListAgentsResponse>(agentsKey, (old) => {
      if (!old) return old;
      const exists = old.agents.some((a) => a.id === agent.id);
      const agents = exists ? old.agents.map((a) => (a.id === agent.id ? agent : a)) : [...old.agents, agent];
      return { ...old, agents: agents.sort((a, b) => a.displayName.localeCompare(b.displayName)) };
    });
  };
  return {
    create: useMutation(AuthService.method.createAgent, { onSuccess: (res) => put(res.agent) }),
    update: useMutation(AuthService.method.updateAgent, { onSuccess: (res) => put(res.agent) }),
    resetPassword: useMutation(AuthService.method.resetAgentPassword),
    resetTwoFactor: useMutation(AuthService.method.resetAgentTwoFactor, {
      onSuccess: () => void qc.invalidateQueries({ queryKey: agentsKey }),
    }),
  };
}
