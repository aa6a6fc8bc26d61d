import { useQuery } from "@connectrpc/connect-query";
import { timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { TagService } from "@livechat/api/tag_pb";
import { WidgetService } from "@livechat/api/widget_pb";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useIsAdmin } from "@/features/auth/use-me";
import { useAgents } from "@/features/agents/use-agents";

/** The inbox's filters beyond the queue and the search box; "" is "any". */
export interface InboxFilter {
  tagId: string;
  widgetId: string;
  assigneeId: string;
  /** Creation dates, yyyy-mm-dd in the agent's time zone, both inclusive. */
  from: string;
  to: string;
}

export const noFilter: InboxFilter = { tagId: "", widgetId: "", assigneeId: "", from: "", to: "" };

/** The ListConversations fields of a filter. */
export function filterInput(f: InboxFilter): {
  tagIds: string[];
  widgetId: string;
  assigneeId: string;
  createdAfter?: Timestamp;
  createdBefore?: Timestamp;
} {
  const day = (s: string, plus: number) => {
    const [y, m, d] = s.split("-").map(Number);
    return timestampFromDate(new Date(y, m - 1, d + plus));
  };
  return {
    tagIds: f.tagId ? [f.tagId] : [],
    widgetId: f.widgetId,
    assigneeId: f.assigneeId,
    createdAfter: f.from ? day(f.from, 0) : undefined,
    // The end date is inclusive: up to the start of the next day.
    createdBefore: f.to ? day(f.to, 1) : undefined,
  };
}

/** The look of the inbox's native filter controls, shared by other lists' filters. */
export const control =
  "h-8 min-w-0 rounded-md border border-input bg-background px-2 text-xs focus-visible:outline-2 focus-visible:outline-ring";

/** Native controls, so the keyboard works everywhere (Tab, arrows, typing a letter). */
export function FilterBar({ value, onChange, assigneeAllowed }: { value: InboxFilter; onChange: (f: InboxFilter) => void; assigneeAllowed: boolean }) {
  const { t } = useI18n();
  const admin = useIsAdmin();
  const tags = useQuery(TagService.method.listTags, {});
  const agents = useAgents({ enabled: assigneeAllowed });
  const widgets = useQuery(WidgetService.method.listWidgets, {}, { enabled: admin });
  const set = (patch: Partial<InboxFilter>) => onChange({ ...value, ...patch });
  const active = Object.values(value).some(Boolean);

  return (
    <div role="group" aria-label={t("filters.label")} className="flex flex-wrap items-center gap-2" data-testid="filter-bar">
      <select aria-label={t("filters.tag")} className={control} value={value.tagId} onChange={(e) => set({ tagId: e.target.value })}>
        <option value="">{t("filters.anyTag")}</option>
        {tags.data?.tags.map((tag) => (
          <option key={tag.id} value={tag.id}>
            {tag.name}
          </option>
        ))}
      </select>
      {admin && (
        <select aria-label={t("filters.widget")} className={control} value={value.widgetId} onChange={(e) => set({ widgetId: e.target.value })}>
          <option value="">{t("filters.anyWidget")}</option>
          {widgets.data?.widgets.map((w) => (
            <option key={w.id} value={w.id}>
              {w.settings?.name ?? w.id}
            </option>
          ))}
        </select>
      )}
      {assigneeAllowed && (
        <select aria-label={t("filters.assignee")} className={control} value={value.assigneeId} onChange={(e) => set({ assigneeId: e.target.value })}>
          <option value="">{t("filters.anyAssignee")}</option>
          {agents.data?.agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.displayName}
            </option>
          ))}
        </select>
      )}
      <input type="date" aria-label={t("filters.from")} className={control} value={value.from} max={value.to || undefined} onChange={(e) => set({ from: e.target.value })} />
      <input type="date" aria-label={t("filters.to")} className={control} value={value.to} min={value.from || undefined} onChange={(e) => set({ to: e.target.value })} />
      {active && (
        <button type="button" className={cn(control, "hover:bg-accent")} onClick={() => onChange(noFilter)}>
          {t("filters.clear")}
        </button>
      )}
    </div>
  );
}
