import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { RoutingService, type ListAgentCapacitiesResponse } from "@livechat/api/routing_pb";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { useErrorText } from "@/lib/use-error-text";

/** Every agent's capacity and load; one query shared by the rows of the agents table. */
export function useCapacities() {
  return useQuery(RoutingService.method.listAgentCapacities, {});
}

/** The most active conversations routing gives one agent, editable in place (Enter or leaving the field saves). */
export function CapacityCell({ agentId, name, capacities }: { agentId: string; name: string; capacities?: ListAgentCapacitiesResponse }) {
  const { t, tp } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const row = capacities?.agents.find((a) => a.agentId === agentId);
  const stored = row ? String(row.maxActiveConversations) : "";
  const [value, setValue] = useState(stored);
  useEffect(() => setValue(stored), [stored]);
  const set = useMutation(RoutingService.method.setAgentCapacity, {
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["connect-query", { serviceName: RoutingService.typeName }] }),
  });
  if (!row) return <span className="text-muted-foreground">—</span>;
  const save = () => {
    if (value === stored) return;
    const n = Number(value);
    set.mutate({ agentId, maxActiveConversations: Number.isInteger(n) ? n : -1 });
  };
  const errorId = `capacity-error-${agentId}`;
  return (
    <div className="grid gap-1">
      <Input
        type="number"
        inputMode="numeric"
        min={0}
        max={100}
        className="h-8 w-20"
        value={value}
        aria-label={t("routing.capacityOf", { name })}
        aria-invalid={set.isError || undefined}
        aria-describedby={set.isError ? errorId : undefined}
        data-testid="capacity-input"
        onChange={(e) => setValue(e.target.value)}
        onBlur={save}
        onKeyDown={(e) => {
          if (e.key === "Enter") save();
          if (e.key === "Escape") setValue(stored);
        }}
      />
      <span className="text-xs text-muted-foreground">{tp("routing.activeCount", row.activeConversations)}</span>
      {set.isError && (
        <span id={errorId} role="alert" className="text-xs text-destructive">
          {errorText(set.error)}
        </span>
      )}
    </div>
  );
}
