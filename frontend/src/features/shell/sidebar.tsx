import { useQuery } from "@connectrpc/connect-query";
import {
  BarChart3Icon,
  ContactIcon,
  EyeIcon,
  InboxIcon,
  KeyRoundIcon,
  MailIcon,
  MessageSquareQuoteIcon,
  MessagesSquareIcon,
  PanelsTopLeftIcon,
  ScrollTextIcon,
  SettingsIcon,
  ShieldIcon,
  UsersIcon,
  WebhookIcon,
  type LucideIcon,
} from "lucide-react";
import { Link, useLocation } from "wouter";
import { ConversationService } from "@livechat/api/conversation_pb";
import { LanguageSwitch } from "@/components/language-switch";
import { Tooltip } from "@/components/ui/tooltip";
import { useI18n, type MessageKey } from "@/i18n";
import { cn } from "@/lib/cn";
import { useIsAdmin } from "@/features/auth/use-me";
import { StatusMenu } from "./status-menu";
import { TeamList } from "./team-list";
import { ViewsNav } from "@/features/views/views-nav";

interface NavItem {
  href: string;
  match: string;
  label: MessageKey;
  icon: LucideIcon;
  admin?: boolean;
}

const items: NavItem[] = [
  { href: "/inbox/waiting", match: "/inbox", label: "nav.inbox", icon: InboxIcon },
  { href: "/canned", match: "/canned", label: "nav.canned", icon: MessageSquareQuoteIcon },
  { href: "/customers", match: "/customers", label: "nav.customers", icon: ContactIcon },
  { href: "/visitors", match: "/visitors", label: "nav.visitors", icon: EyeIcon },
  { href: "/agents", match: "/agents", label: "nav.agents", icon: UsersIcon, admin: true },
  { href: "/widgets", match: "/widgets", label: "nav.widgets", icon: PanelsTopLeftIcon, admin: true },
  { href: "/tokens", match: "/tokens", label: "nav.tokens", icon: KeyRoundIcon, admin: true },
  { href: "/webhooks", match: "/webhooks", label: "nav.webhooks", icon: WebhookIcon, admin: true },
  { href: "/reports", match: "/reports", label: "nav.reports", icon: BarChart3Icon, admin: true },
  { href: "/email", match: "/email", label: "nav.email", icon: MailIcon, admin: true },
  { href: "/settings", match: "/settings", label: "nav.settings", icon: SettingsIcon },
  { href: "/audit", match: "/audit", label: "nav.audit", icon: ScrollTextIcon, admin: true },
  { href: "/privacy", match: "/privacy", label: "nav.privacy", icon: ShieldIcon, admin: true },
];

/**
 * The main navigation. Below 1024 px it narrows to icons (with tooltips) so
 * the inbox keeps its room on tablets.
 */
export function Sidebar() {
  const { t } = useI18n();
  const [location] = useLocation();
  const isAdmin = useIsAdmin();
  const counts = useQuery(ConversationService.method.getInboxCounts, {});
  const waiting = counts.data?.waiting ?? 0;

  return (
    <aside className="flex w-14 shrink-0 flex-col border-r bg-muted/40 lg:w-56">
      <div className="flex h-14 items-center gap-2 px-4 font-semibold">
        <MessagesSquareIcon aria-hidden className="size-6 shrink-0 text-primary" />
        <span className="hidden lg:inline">{t("app.name")}</span>
      </div>
      <nav aria-label={t("nav.label")} className="px-2">
        <ul className="grid gap-1">
          {items
            .filter((i) => !i.admin || isAdmin)
            .map((item) => {
              const active = location.startsWith(item.match);
              const label = t(item.label);
              const badge = item.match === "/inbox" && waiting > 0 ? waiting : 0;
              return (
                <li key={item.href}>
                  <Tooltip content={label} side="right">
                    <Link
                      href={item.href}
                      aria-current={active ? "page" : undefined}
                      aria-label={badge ? `${label} (${t("queue.waiting")}: ${badge})` : label}
                      className={cn(
                        "relative flex h-9 items-center justify-center gap-3 rounded-md px-2 text-sm text-muted-foreground hover:bg-accent hover:text-accent-foreground focus-visible:outline-2 focus-visible:outline-ring lg:justify-start",
                        active && "bg-accent font-medium text-accent-foreground",
                      )}
                    >
                      <item.icon aria-hidden className="size-4 shrink-0" />
                      <span className="hidden flex-1 lg:inline">{label}</span>
                      {badge > 0 && (
                        <span className="absolute top-0.5 right-0.5 min-w-4 rounded-full bg-primary px-1 text-center text-[10px] leading-4 font-semibold text-primary-foreground lg:static lg:text-xs lg:leading-5">
                          {badge}
                        </span>
                      )}
                    </Link>
                  </Tooltip>
                </li>
              );
            })}
        </ul>
      </nav>
      <div className="mt-6 hidden min-h-0 flex-1 gap-4 overflow-y-auto lg:flex lg:flex-col">
        <ViewsNav />
        <TeamList />
      </div>
      <div className="mt-auto grid gap-1 border-t p-2">
        <div className="flex justify-center lg:justify-start">
          <span className="lg:hidden">
            <LanguageSwitch compact />
          </span>
          <span className="hidden lg:inline">
            <LanguageSwitch />
          </span>
        </div>
        <span className="lg:hidden">
          <StatusMenu compact />
        </span>
        <span className="hidden lg:block">
          <StatusMenu compact={false} />
        </span>
      </div>
    </aside>
  );
}

