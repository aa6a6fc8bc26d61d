import { useQuery } from "@connectrpc/connect-query";
import { BadgeCheckIcon } from "lucide-react";
import { Fragment, lazy, Suspense, type ReactNode } from "react";
import type { Conversation, Customer } from "@livechat/api/conversation_pb";
import { WidgetService } from "@livechat/api/widget_pb";
import { Avatar } from "@/components/avatar";
import { Badge } from "@/components/ui/badge";
import { useI18n } from "@/i18n";
import { useIsAdmin } from "@/features/auth/use-me";
import { formatDateTime, toDate } from "@/lib/format";
import { customerLabel, statusLabel } from "./labels";

// The profile (notes, attributes, history, edits) loads with the first
// conversation opened, not with the dashboard.
const CustomerProfile = lazy(() => import("@/features/customers/customer-profile"));

/** Who the customer is: contact details, pre-chat answers, verified identity, widget and visits. */
export function CustomerPanel({ customer, conversation }: { customer?: Customer; conversation: Conversation }) {
  const { t, locale } = useI18n();
  const name = customerLabel(conversation, t);
  const date = (d?: Date) => (d ? formatDateTime(d, locale) : "—");
  const attributes = Object.entries(customer?.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const questionOf = usePrechatLabels(conversation.widgetId);

  return (
    <aside aria-label={t("customer.panel")} className="h-full overflow-y-auto p-4 text-sm" data-testid="customer-panel">
      <div className="flex items-center gap-3">
        <Avatar name={name} className="size-10 text-sm" />
        <div className="min-w-0">
          <p className="truncate font-semibold">{name}</p>
          {customer?.verifiedUserId ? (
            <Badge variant="secondary" className="mt-1" title={t("customer.verifiedHint")}>
              <BadgeCheckIcon aria-hidden className="text-success" /> {t("customer.verified")}
            </Badge>
          ) : (
            <p className="text-xs text-muted-foreground">{t("customer.unverified")}</p>
          )}
        </div>
      </div>

      <Section title={t("customer.contact")}>
        <Row label={t("customer.name")}>{customer?.name || "—"}</Row>
        <Row label={t("customer.email")}>
          {customer?.email ? (
            <a className="text-primary underline-offset-2 hover:underline" href={`mailto:${customer.email}`}>
              <EmailText email={customer.email} />
            </a>
          ) : (
            "—"
          )}
        </Row>
        <Row label={t("customer.phone")}>{customer?.phone || "—"}</Row>
        {customer?.verifiedUserId && <Row label={t("customer.userId")}>{customer.verifiedUserId}</Row>}
      </Section>

      {attributes.length > 0 && (
        <Section title={t("customer.prechat")}>
          {attributes.map(([k, v]) => (
            <Row key={k} label={questionOf(k)}>
              {v}
            </Row>
          ))}
        </Section>
      )}

      <Section title={t("customer.visits")}>
        <Row label={t("customer.widget")}>{customer?.widgetName || conversation.widgetName || "—"}</Row>
        <Row label={t("customer.firstSeen")}>{date(toDate(customer?.firstSeenAt))}</Row>
        <Row label={t("customer.lastSeen")}>{date(toDate(customer?.lastSeenAt))}</Row>
      </Section>

      <Section title={t("conversation.details")}>
        <Row label={t("conversation.statusLabel")}>{t(statusLabel[conversation.status])}</Row>
        <Row label={t("conversation.assignee")}>{conversation.assigneeName || t("conversation.unassigned")}</Row>
        <Row label={t("conversation.started")}>{date(toDate(conversation.createdAt))}</Row>
      </Section>

      {conversation.customerId && (
        <Suspense fallback={null}>
          <CustomerProfile customerId={conversation.customerId} current={conversation.id} />
        </Suspense>
      )}
    </aside>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mt-5">
      <h3 className="mb-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">{title}</h3>
      <dl className="grid grid-cols-[minmax(5rem,auto)_minmax(0,1fr)] gap-x-3 gap-y-1.5">{children}</dl>
    </section>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      {/* Long values wrap at their own break points first, and mid-word only
          when a single part is wider than the column. */}
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

/**
 * The pre-chat questions' labels by field key, from the widget's settings
 * (in the dashboard's language when the widget has a translation), for
 * admins, who may read widget settings; others, and keys the form no longer
 * has, see the key itself.
 */
function usePrechatLabels(widgetId: string): (key: string) => string {
  const { lang } = useI18n();
  const isAdmin = useIsAdmin();
  const widget = useQuery(WidgetService.method.getWidget, { widgetId }, { enabled: isAdmin && !!widgetId, retry: false });
  const settings = widget.data?.widget?.settings;
  const translated = settings?.translations[lang]?.prechatLabels ?? {};
  const labels = new Map((settings?.prechat?.fields ?? []).map((f) => [f.key, translated[f.key] || f.label]));
  return (key) => labels.get(key) || key;
}

/**
 * An e-mail address that wraps, when it must, only where a reader expects a
 * break: before the "@" and before a dot, never inside a name (nor after
 * its hyphens, which would read as hyphenation). A part too long for any
 * line (over 20 characters) may still break inside, rather than overflow.
 */
function EmailText({ email }: { email: string }) {
  const parts = email.split(/(?=[@.])/);
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {[...part].length <= 20 ? <span className="whitespace-nowrap">{part}</span> : part}
        </Fragment>
      ))}
    </>
  );
}
