import { MoreHorizontalIcon, UsersIcon } from "lucide-react";
import { useState, type ReactNode } from "react";
import { AgentRole, type Agent } from "@livechat/api/auth_pb";
import { Page } from "@/components/page";
import { Avatar } from "@/components/avatar";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { AvatarEditor } from "@/features/attachments/avatar-upload";
import { PresenceDot, presenceLabel, presenceOf } from "@/components/presence-dot";
import { EmptyState, ErrorState, FormError } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useI18n } from "@/i18n";
import { formatRelative, toDate, useNow } from "@/lib/format";
import { useMe } from "@/features/auth/use-me";
import { CreateAgentDialog } from "./create-agent-dialog";
import { RenameAgentDialog } from "./rename-agent-dialog";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { ResetPasswordDialog } from "./reset-password-dialog";
import { useAgentMutations } from "./use-agent-mutations";
import { useAgents } from "./use-agents";
import { CapacityCell, useCapacities } from "@/features/routing/capacity-cell";
import { TeamsCard } from "@/features/teams/teams-card";

/** Admins manage the team: add agents, change roles, disable, reset passwords. */
export default function AgentsPage() {
  const { t } = useI18n();
  const agents = useAgents();
  const capacities = useCapacities();
  const { update, resetTwoFactor } = useAgentMutations();
  const [dialog, setDialog] = useState<{ kind: "rename" | "reset" | "twoFactor"; agent: Agent } | null>(null);

  return (
    <Page title={t("agents.title")} description={t("agents.description")} actions={<CreateAgentDialog />} adminOnly>
      <FormError error={update.error} />
      <Card className="overflow-x-auto">
        {agents.isPending ? (
          <div className="grid gap-3 p-5">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-8" />
            ))}
          </div>
        ) : agents.isError ? (
          <ErrorState error={agents.error} onRetry={() => void agents.refetch()} />
        ) : agents.data.agents.length === 0 ? (
          <EmptyState icon={<UsersIcon />} title={t("agents.empty")} />
        ) : (
          <table className="w-full text-sm" data-testid="agents-table">
            <thead className="border-b text-left text-xs text-muted-foreground">
              <tr>
                <th className="px-4 py-2.5 font-medium">{t("agents.name")}</th>
                <th className="px-4 py-2.5 font-medium">{t("field.role")}</th>
                <th className="px-4 py-2.5 font-medium">{t("agents.enabled")}</th>
                <th className="px-4 py-2.5 font-medium">{t("agents.lastSeen")}</th>
                <th className="px-4 py-2.5 font-medium">{t("routing.capacity")}</th>
                <th className="px-4 py-2.5">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {agents.data.agents.map((a) => (
                <AgentRow
                  key={a.id}
                  agent={a}
                  onRole={(role) => update.mutate({ agentId: a.id, role })}
                  onDisabled={(disabled) => update.mutate({ agentId: a.id, disabled })}
                  onRename={() => setDialog({ kind: "rename", agent: a })}
                  onReset={() => setDialog({ kind: "reset", agent: a })}
                  onResetTwoFactor={() => setDialog({ kind: "twoFactor", agent: a })}
                  capacity={<CapacityCell agentId={a.id} name={a.displayName} capacities={capacities.data} />}
                />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {agents.data && <TeamsCard agents={agents.data.agents} />}
      {dialog?.kind === "rename" && <RenameAgentDialog agent={dialog.agent} onClose={() => setDialog(null)} />}
      {dialog?.kind === "reset" && <ResetPasswordDialog agent={dialog.agent} onClose={() => setDialog(null)} />}
      {dialog?.kind === "twoFactor" && (
        <ConfirmDialog
          open
          onOpenChange={(open) => !open && (setDialog(null), resetTwoFactor.reset())}
          title={t("agents.resetTwoFactor")}
          description={t("agents.resetTwoFactorConfirm", { name: dialog.agent.displayName })}
          confirmLabel={t("agents.resetTwoFactor")}
          pending={resetTwoFactor.isPending}
          error={resetTwoFactor.error}
          onConfirm={() => resetTwoFactor.mutate({ agentId: dialog.agent.id }, { onSuccess: () => setDialog(null) })}
        />
      )}
    </Page>
  );
}

function AgentRow({
  agent: a,
  onRole,
  onDisabled,
  onRename,
  onReset,
  onResetTwoFactor,
  capacity,
}: {
  agent: Agent;
  onRole: (role: AgentRole) => void;
  onDisabled: (disabled: boolean) => void;
  onRename: () => void;
  onReset: () => void;
  onResetTwoFactor: () => void;
  capacity: ReactNode;
}) {
  const { t, locale } = useI18n();
  const me = useMe();
  const now = useNow();
  const lastSeen = toDate(a.lastSeenAt);
  const isMe = a.id === me.id;
  const [avatarOpen, setAvatarOpen] = useState(false);
  return (
    <tr className="border-b last:border-0" data-testid="agent-row" data-username={a.username}>
      <td className="px-4 py-2.5">
        <div className="flex items-center gap-2.5">
          <span className="relative">
            <Avatar name={a.displayName} src={a.avatarUrl || undefined} />
            {!a.disabled && <PresenceDot agent={a} className="absolute -right-0.5 -bottom-0.5" />}
          </span>
          <div className="min-w-0">
            <div className="flex items-center gap-1.5 font-medium">
              {a.displayName}
              {isMe && <Badge variant="secondary">{t("agents.you")}</Badge>}
              {a.twoFactorEnabled && (
                <Badge variant="outline" title={t("twoFactor.title")}>
                  {t("agents.twoFactorOn")}
                </Badge>
              )}
            </div>
            <div className="text-xs text-muted-foreground">
              @{a.username}
              {!a.disabled && <> · {t(presenceLabel[presenceOf(a)])}</>}
            </div>
          </div>
        </div>
      </td>
      <td className="px-4 py-2.5">
        <Select value={String(a.role)} onValueChange={(v) => onRole(Number(v) as AgentRole)}>
          <SelectTrigger className="h-8 w-auto min-w-32" aria-label={t("agents.roleOf", { name: a.displayName })}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value={String(AgentRole.AGENT)}>{t("role.agent")}</SelectItem>
            <SelectItem value={String(AgentRole.ADMIN)}>{t("role.admin")}</SelectItem>
          </SelectContent>
        </Select>
      </td>
      <td className="px-4 py-2.5">
        <Switch
          checked={!a.disabled}
          disabled={isMe}
          onCheckedChange={(enabled) => onDisabled(!enabled)}
          aria-label={t("agents.enabledFor", { name: a.displayName })}
        />
      </td>
      <td className="px-4 py-2.5 text-muted-foreground">{lastSeen ? formatRelative(lastSeen, now, locale, t("time.justNow")) : t("agents.never")}</td>
      <td className="px-4 py-2.5 align-top">{a.disabled ? null : capacity}</td>
      <td className="px-4 py-2.5 text-right">
        <DropdownMenu>
          <DropdownMenuTrigger asChild>
            <Button variant="ghost" size="icon-sm" aria-label={t("agents.actionsFor", { name: a.displayName })}>
              <MoreHorizontalIcon aria-hidden />
            </Button>
          </DropdownMenuTrigger>
          <DropdownMenuContent align="end">
            <DropdownMenuItem onSelect={onRename}>{t("agents.rename")}</DropdownMenuItem>
            <DropdownMenuItem onSelect={() => setAvatarOpen(true)}>{t("avatar.setFor", { name: a.displayName })}</DropdownMenuItem>
            <DropdownMenuItem onSelect={onReset}>{t("agents.resetPassword")}</DropdownMenuItem>
            {a.twoFactorEnabled && <DropdownMenuItem onSelect={onResetTwoFactor}>{t("agents.resetTwoFactor")}</DropdownMenuItem>}
          </DropdownMenuContent>
        </DropdownMenu>
        <Dialog open={avatarOpen} onOpenChange={setAvatarOpen}>
          <DialogContent>
            <DialogHeader>
              <DialogTitle>{t("avatar.setFor", { name: a.displayName })}</DialogTitle>
              <DialogDescription>{t("avatar.description")}</DialogDescription>
            </DialogHeader>
            <AvatarEditor name={a.displayName} url={a.avatarUrl} target={isMe ? {} : { agentId: a.id }} />
          </DialogContent>
        </Dialog>
      </td>
    </tr>
  );
}
