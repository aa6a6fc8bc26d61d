import { AgentStatus, type Agent } from "@livechat/api/auth_pb";
import { useI18n, type MessageKey } from "@/i18n";
import { cn } from "@/lib/cn";

type Presence = "online" | "away" | "invisible" | "offline";

/**
 * What an agent's dot says. An invisible agent works without counting as
 * available: customers see nobody, colleagues (and the agent) see "Invisible".
 */
export function presenceOf(agent: Pick<Agent, "online" | "status">): Presence {
  if (agent.status === AgentStatus.AWAY) return "away";
  if (agent.status === AgentStatus.INVISIBLE) return "invisible";
  return agent.online ? "online" : "offline";
}

const colors: Record<Presence, string> = {
  online: "bg-success",
  away: "bg-amber-400",
  invisible: "bg-background border-2 border-muted-foreground/60",
  offline: "bg-muted-foreground/40",
};

export const presenceLabel: Record<Presence, MessageKey> = {
  online: "presence.online",
  away: "presence.away",
  invisible: "presence.invisible",
  offline: "presence.offline",
};

/** A coloured dot for an agent's presence, with its name for screen readers. */
export function PresenceDot({ agent, className }: { agent: Pick<Agent, "online" | "status">; className?: string }) {
  const { t } = useI18n();
  const p = presenceOf(agent);
  const label = t(presenceLabel[p]);
  return (
    <span
      role="img"
      aria-label={label}
      title={label}
      data-presence={p}
      className={cn("inline-block size-2.5 shrink-0 rounded-full ring-2 ring-background", colors[p], className)}
    />
  );
}
