import { useQuery } from "@connectrpc/connect-query";
import { HistoryIcon, PencilIcon } from "lucide-react";
import { useState, type ReactNode } from "react";
import { Link } from "wouter";
import { ConversationStatus } from "@livechat/api/conversation_pb";
import { CustomerService, type CustomerChange, type CustomerConversation } from "@livechat/api/customer_pb";
import { ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDateTime, toDate } from "@/lib/format";
import { statusLabel } from "@/features/conversation/labels";
import { CustomerTags } from "./customer-tags";
import { fieldLabel, valueText } from "./attributes";
import { EditCustomerDialog } from "./edit-customer-dialog";
import { VisitorContextView } from "./visitor-context";
import { OnSiteNow } from "./on-site-now";

/**
 * What agents know of a customer beyond the conversation at hand: company,
 * notes, custom attributes, past conversations (each a link) and the record
 * of every edit, with the editor. `current` is the conversation on screen,
 * which the history marks rather than links.
 */
export default function CustomerProfile({ customerId, current, showContact = false }: { customerId: string; current?: string; showContact?: boolean }) {
  const { t, locale } = useI18n();
  const [editing, setEditing] = useState(false);
  // Read again when the event stream announces the customer's conversation
  // (see use-live-updates): the visit context updates live.
  const query = useQuery(CustomerService.method.getCustomer, { customerId }, { enabled: !!customerId });

  if (query.isPending) {
    return (
      <div className="mt-5 grid gap-2" aria-busy data-testid="customer-profile-loading">
        <Skeleton className="h-4 w-24" />
        <Skeleton className="h-8" />
        <Skeleton className="h-8" />
      </div>
    );
  }
  if (query.isError) {
    return <ErrorState className="mt-5 py-4" error={query.error} onRetry={() => void query.refetch()} />;
  }
  const { profile, conversations, changes } = query.data;
  const customer = profile?.customer;
  const labels = new Map((profile?.customAttributes ?? []).map((a) => [a.key, a.label]));
  const date = (d?: Date) => (d ? formatDateTime(d, locale) : "—");

  return (
    <div data-testid="customer-profile">
      <div className="mt-5 flex items-center justify-between gap-2">
        <h3 className="text-xs font-medium tracking-wide text-muted-foreground uppercase">{t("customer.profile")}</h3>
        <Button variant="outline" size="sm" onClick={() => setEditing(true)} data-testid="customer-edit">
          <PencilIcon aria-hidden /> {t("customer.edit")}
        </Button>
      </div>
      <dl className="mt-2 grid grid-cols-[minmax(5rem,auto)_minmax(0,1fr)] gap-x-3 gap-y-1.5">
        {showContact && (
          <>
            <Row label={t("customer.name")}>{customer?.name || "—"}</Row>
            <Row label={t("customer.email")}>{customer?.email || "—"}</Row>
            <Row label={t("customer.phone")}>{customer?.phone || "—"}</Row>
          </>
        )}
        <Row label={t("customer.company")} testId="customer-company">
          {customer?.company || "—"}
        </Row>
        {(profile?.customAttributes ?? []).map((a) => (
          <Row key={a.key} label={a.label} testId={`customer-attr-${a.key}`}>
            {valueText(a.type, a.value, t)}
          </Row>
        ))}
      </dl>
      <OnSiteNow customerId={customerId} />
      <Block title={t("customer.tags")}>
        <CustomerTags customerId={customerId} tags={profile?.tags ?? []} />
      </Block>
      <VisitorContextView context={profile?.context} />
      <Block title={t("customer.notes")}>
        <p className="text-sm whitespace-pre-wrap" data-testid="customer-notes">
          {profile?.notes || <span className="text-muted-foreground">{t("customer.noNotes")}</span>}
        </p>
      </Block>

      <Block title={t("customer.pastConversations")}>
        {conversations.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("customer.noConversations")}</p>
        ) : (
          <ul className="grid gap-1" data-testid="customer-conversations">
            {conversations.map((c) => (
              <PastConversation key={c.id} conversation={c} current={c.id === current} />
            ))}
          </ul>
        )}
      </Block>

      <Block title={t("customer.history")}>
        {changes.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("customer.noChanges")}</p>
        ) : (
          <ol className="grid gap-2" data-testid="customer-changes">
            {changes.map((c, i) => (
              <ChangeLine key={i} change={c} field={fieldLabel(c.field, labels, t)} when={date(toDate(c.changedAt))} />
            ))}
          </ol>
        )}
      </Block>
      {editing && profile && <EditCustomerDialog profile={profile} onClose={() => setEditing(false)} />}
    </div>
  );
}

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words" data-testid={testId}>
        {children}
      </dd>
    </>
  );
}

function Block({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section className="mt-5">
      <h3 className="mb-2 text-xs font-medium tracking-wide text-muted-foreground uppercase">{title}</h3>
      {children}
    </section>
  );
}

/** The queue a conversation of this status is found in. */
function queueOf(status: ConversationStatus): string {
  switch (status) {
    case ConversationStatus.WAITING:
      return "waiting";
    case ConversationStatus.RESOLVED:
      return "resolved";
    case ConversationStatus.CLOSED:
      return "closed";
    default:
      return "all";
  }
}

function PastConversation({ conversation: c, current }: { conversation: CustomerConversation; current: boolean }) {
  const { t, locale } = useI18n();
  const when = toDate(c.createdAt);
  const body = (
    <>
      <span className="flex justify-between gap-2 text-xs text-muted-foreground">
        <span>{t(statusLabel[c.status])}</span>
        <span>{when ? formatDateTime(when, locale) : ""}</span>
      </span>
      <span className="line-clamp-2 text-sm">{c.firstLine || t("customer.noFirstLine")}</span>
    </>
  );
  return (
    <li>
      {current ? (
        <div className="grid gap-0.5 rounded-md border border-dashed px-2 py-1.5" aria-current="page">
          {body}
          <span className="text-xs text-muted-foreground">{t("customer.thisConversation")}</span>
        </div>
      ) : (
        <Link
          href={`/inbox/${queueOf(c.status)}/${c.id}`}
          className="grid gap-0.5 rounded-md border px-2 py-1.5 hover:bg-accent focus-visible:outline-2 focus-visible:outline-ring"
        >
          {body}
        </Link>
      )}
    </li>
  );
}

function ChangeLine({ change: c, field, when }: { change: CustomerChange; field: string; when: string }) {
  const { t } = useI18n();
  return (
    <li className="flex gap-2 text-sm" data-testid="customer-change">
      <HistoryIcon aria-hidden className="mt-0.5 size-4 shrink-0 text-muted-foreground" />
      <div className="min-w-0">
        <p>
          {t("customer.changeLine", { agent: c.byWebsite ? t("customer.byWebsite") : c.agentName, field })}{" "}
          <del className="text-muted-foreground" aria-label={t("customer.oldValue")}>
            {c.oldValue || "—"}
          </del>{" "}
          → <ins className="no-underline" aria-label={t("customer.newValue")}>{c.newValue || "—"}</ins>
        </p>
        <p className="text-xs text-muted-foreground">{when}</p>
      </div>
    </li>
  );
}
