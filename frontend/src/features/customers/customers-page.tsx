import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { BadgeCheckIcon, ContactIcon, SlidersHorizontalIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { Link, useParams } from "wouter";
import type { Customer } from "@livechat/api/conversation_pb";
import { CustomerService } from "@livechat/api/customer_pb";
import { TagService } from "@livechat/api/tag_pb";
import { Avatar } from "@/components/avatar";
import { EmptyState, ErrorState } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { formatRelative, toDate, useNow } from "@/lib/format";
import { useDocumentTitle } from "@/lib/use-document-title";
import { useIsAdmin } from "@/features/auth/use-me";
import { control } from "@/features/inbox/filter-bar";
import { SearchBox } from "@/features/inbox/search-box";
import { AttributeDefinitionsDialog } from "./attribute-definitions-dialog";
import CustomerProfile from "./customer-profile";

const pageSize = 30;

/**
 * Every customer, most recently seen first, searchable by name, email and
 * phone; choosing one shows their profile, history and edits beside the
 * list. Admins manage the custom attributes from here.
 */
export default function CustomersPage() {
  const { t } = useI18n();
  const isAdmin = useIsAdmin();
  const { customerId } = useParams<{ customerId?: string }>();
  const [query, setQuery] = useState("");
  const [tagId, setTagId] = useState("");
  const tags = useQuery(TagService.method.listTags, {});
  const [defsOpen, setDefsOpen] = useState(false);
  useDocumentTitle(t("customers.title"));
  const list = useInfiniteQuery(
    CustomerService.method.listCustomers,
    { query, tagIds: tagId ? [tagId] : [], pageSize, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const customers = useMemo(() => list.data?.pages.flatMap((p) => p.customers) ?? [], [list.data]);

  return (
    <div className="flex h-full min-h-0">
      <section aria-label={t("customers.title")} className={cn("flex w-full min-w-0 flex-col border-r md:w-80 md:shrink-0", customerId && "hidden md:flex")}>
        <header className="grid gap-3 border-b p-4">
          <div className="flex items-center justify-between gap-2">
            <h1 className="text-xl font-semibold tracking-tight">{t("customers.title")}</h1>
            {isAdmin && (
              <Button variant="outline" size="sm" onClick={() => setDefsOpen(true)} data-testid="attributes-manage">
                <SlidersHorizontalIcon aria-hidden /> {t("attributes.manage")}
              </Button>
            )}
          </div>
          <SearchBox value={query} onChange={setQuery} label={t("customers.search")} />
          <select aria-label={t("filters.tag")} className={control} value={tagId} onChange={(e) => setTagId(e.target.value)} data-testid="customers-tag-filter">
            <option value="">{t("filters.anyTag")}</option>
            {tags.data?.tags.map((tag) => (
              <option key={tag.id} value={tag.id}>
                {tag.name}
              </option>
            ))}
          </select>
        </header>
        <div className="min-h-0 flex-1 overflow-y-auto">
          {list.isPending ? (
            <div className="grid gap-3 p-4" aria-busy>
              {[0, 1, 2, 3].map((i) => (
                <Skeleton key={i} className="h-12" />
              ))}
            </div>
          ) : list.isError ? (
            <ErrorState error={list.error} onRetry={() => void list.refetch()} />
          ) : customers.length === 0 ? (
            <EmptyState icon={<ContactIcon />} title={query ? t("customers.noMatch", { query }) : tagId ? t("customers.noTagMatch") : t("customers.empty")}>
              {query || tagId ? null : t("customers.emptyHint")}
            </EmptyState>
          ) : (
            <ul className="divide-y" data-testid="customers-list">
              {customers.map((c) => (
                <CustomerRow key={c.id} customer={c} selected={c.id === customerId} />
              ))}
            </ul>
          )}
          {list.hasNextPage && (
            <div className="flex justify-center p-3">
              <Button variant="outline" size="sm" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
                {t("customers.loadMore")}
              </Button>
            </div>
          )}
        </div>
      </section>
      <section aria-label={t("customer.panel")} className={cn("min-w-0 flex-1 overflow-y-auto p-4 md:p-6", !customerId && "hidden md:block")}>
        {customerId ? (
          <div className="mx-auto max-w-2xl text-sm">
            <Link href="/customers" className="mb-3 inline-block text-sm text-primary md:hidden">
              ← {t("customers.backToList")}
            </Link>
            <CustomerProfile key={customerId} customerId={customerId} showContact />
          </div>
        ) : (
          <EmptyState className="h-full" icon={<ContactIcon />} title={t("customers.choose")} />
        )}
      </section>
      {defsOpen && <AttributeDefinitionsDialog onClose={() => setDefsOpen(false)} />}
    </div>
  );
}

function CustomerRow({ customer: c, selected }: { customer: Customer; selected: boolean }) {
  const { t, locale } = useI18n();
  const now = useNow();
  const seen = toDate(c.lastSeenAt);
  const name = c.name || c.email || t("customer.anonymous");
  return (
    <li>
      <Link
        href={`/customers/${c.id}`}
        aria-current={selected ? "page" : undefined}
        className={cn("flex items-center gap-3 px-4 py-2.5 hover:bg-accent focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-ring", selected && "bg-accent")}
        data-testid="customer-row"
      >
        <Avatar name={name} className="size-8 text-xs" />
        <span className="grid min-w-0 flex-1">
          <span className="flex items-center gap-1 truncate font-medium">
            {name}
            {c.verifiedUserId && <BadgeCheckIcon aria-label={t("customer.verified")} className="size-3.5 shrink-0 text-success" />}
          </span>
          <span className="truncate text-xs text-muted-foreground">{[c.email, c.phone, c.company].filter(Boolean).join(" · ") || c.widgetName}</span>
        </span>
        {seen && <span className="shrink-0 text-xs text-muted-foreground">{formatRelative(seen, now, locale, t("time.justNow"))}</span>}
      </Link>
    </li>
  );
}
