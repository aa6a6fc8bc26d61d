import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { LogOutIcon, SettingsIcon } from "lucide-react";
import { useLocation } from "wouter";
import { AgentStatus, AuthService } from "@livechat/api/auth_pb";
import { Avatar } from "@/components/avatar";
import { PresenceDot, presenceLabel, presenceOf } from "@/components/presence-dot";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { isUnauthenticated } from "@/lib/errors";
import { showToast } from "@/lib/toasts";
import { useErrorText } from "@/lib/use-error-text";
import { useMe, useSetMe } from "@/features/auth/use-me";

/** The signed-in agent with their status (online / away / invisible), settings and sign-out. */
export function StatusMenu({ compact }: { compact: boolean }) {
  const { t } = useI18n();
  const me = useMe();
  const qc = useQueryClient();
  const setMe = useSetMe();
  const [, navigate] = useLocation();
  const errorText = useErrorText();
  const setStatus = useMutation(AuthService.method.setMyStatus, {
    onSuccess: setMe,
    onError: (err) => showToast(t("status.changeFailed", { reason: errorText(err) })),
  });
  const signedOut = () => {
    qc.clear();
    navigate("/login", { replace: true });
  };
  const logout = useMutation(AuthService.method.logout, {
    onSuccess: signedOut,
    // A session that had already ended is as good as signed out; any other
    // failure leaves the agent signed in, so they must be told.
    onError: (err) => (isUnauthenticated(err) ? signedOut() : showToast(t("auth.signOutFailed", { reason: errorText(err) }))),
  });
  const status = me.status === AgentStatus.AWAY ? "away" : me.status === AgentStatus.INVISIBLE ? "invisible" : "online";
  const statusOf = { online: AgentStatus.ONLINE, away: AgentStatus.AWAY, invisible: AgentStatus.INVISIBLE } as const;
  const presence = t(presenceLabel[presenceOf(me)]);

  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        data-testid="status-menu"
        aria-label={t("status.menu", { name: me.displayName, status: presence })}
        className={cn(
          "flex w-full items-center gap-2 rounded-md p-1.5 text-left hover:bg-accent focus-visible:outline-2 focus-visible:outline-ring",
          compact && "justify-center",
        )}
      >
        <span className="relative">
          <Avatar name={me.displayName} src={me.avatarUrl || undefined} />
          <PresenceDot agent={me} className="absolute -right-0.5 -bottom-0.5" />
        </span>
        {!compact && (
          <span className="min-w-0 flex-1">
            <span className="block truncate text-sm font-medium">{me.displayName}</span>
            <span className="block truncate text-xs text-muted-foreground">{presence}</span>
          </span>
        )}
      </DropdownMenuTrigger>
      <DropdownMenuContent side="top" align="start" className="w-56">
        <DropdownMenuLabel>{t("status.label")}</DropdownMenuLabel>
        <DropdownMenuRadioGroup
          value={status}
          onValueChange={(v) => setStatus.mutate({ status: statusOf[v as keyof typeof statusOf] ?? AgentStatus.ONLINE })}
        >
          <DropdownMenuRadioItem value="online">
            <span className="size-2.5 rounded-full bg-success" aria-hidden /> {t("status.online")}
          </DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="away">
            <span className="size-2.5 rounded-full bg-amber-400" aria-hidden /> {t("status.away")}
          </DropdownMenuRadioItem>
          <DropdownMenuRadioItem value="invisible" data-testid="status-invisible">
            <span className="size-2.5 rounded-full border-2 border-muted-foreground/60" aria-hidden />
            <span className="flex flex-col">
              {t("status.invisible")}
              <span className="text-xs text-muted-foreground">{t("status.invisibleHint")}</span>
            </span>
          </DropdownMenuRadioItem>
        </DropdownMenuRadioGroup>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => navigate("/settings")}>
          <SettingsIcon aria-hidden /> {t("nav.settings")}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => logout.mutate({})}>
          <LogOutIcon aria-hidden /> {t("auth.signOut")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
