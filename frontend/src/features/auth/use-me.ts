import { create } from "@bufbuild/protobuf";
import { useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { AgentRole, AuthService, GetMeResponseSchema, type Agent, type GetMeResponse } from "@livechat/api/auth_pb";
import { meKey } from "@/lib/query-keys";

/** The signed-in agent. Only for components rendered inside AuthGate. */
export function useMe(): Agent {
  const { data } = useQuery(AuthService.method.getMe, {}, { retry: false });
  if (!data?.agent) throw new Error("useMe outside AuthGate");
  return data.agent;
}

export function useIsAdmin(): boolean {
  return useMe().role === AgentRole.ADMIN;
}

/** Stores the signed-in agent as a call returned them (after changing a status or setting). */
export function useSetMe(): (res: { agent?: Agent }) => void {
  const qc = useQueryClient();
  // Keep the rest of GetMe's answer (limits, whether a second factor is required).
  return useCallback(
    (res) => qc.setQueryData<GetMeResponse>(meKey, (old) => create(GetMeResponseSchema, { tokenScope: old?.tokenScope, limits: old?.limits, twoFactorRequired: old?.twoFactorRequired, agent: res.agent })),
    [qc],
  );
}
