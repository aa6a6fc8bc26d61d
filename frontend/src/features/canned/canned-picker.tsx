import { useQuery } from "@connectrpc/connect-query";
import { keepPreviousData } from "@tanstack/react-query";
import { useEffect, useImperativeHandle, useState, type Ref } from "react";
import { Link } from "wouter";
import { CannedResponseService, type CannedResponse } from "@livechat/api/canned_pb";
import { Spinner } from "@/components/states";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useErrorText } from "@/lib/use-error-text";
import { optionId, pickerListId, type PickerHandle } from "./picker-handle";


/**
 * The responses matching what follows "/" in the composer, shortcut and
 * title. The text field keeps the focus (arrows, Enter and Esc reach the
 * picker through the handle); the mouse picks too.
 */
export default function CannedPicker({
  query,
  onPick,
  onActive,
  ref,
}: {
  query: string;
  onPick: (r: CannedResponse) => void;
  /** Tells the text field which option is highlighted (aria-activedescendant). */
  onActive: (id: string | undefined) => void;
  ref: Ref<PickerHandle>;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const list = useQuery(CannedResponseService.method.listCannedResponses, { query, pageSize: 20 }, { placeholderData: keepPreviousData });
  const items = list.data?.cannedResponses ?? [];
  const [active, setActive] = useState(0);
  useEffect(() => setActive(0), [query]);
  const at = items.length ? Math.min(active, items.length - 1) : -1;
  const current = at >= 0 ? items[at] : undefined;
  useEffect(() => onActive(current ? optionId(current.id) : undefined), [current, onActive]);

  useImperativeHandle(
    ref,
    () => ({
      move(step) {
        if (items.length) setActive((a) => (Math.min(a, items.length - 1) + step + items.length) % items.length);
      },
      pick() {
        if (list.isPending) return "loading";
        if (!current) return "empty";
        onPick(current);
        return "picked";
      },
    }),
    [items.length, current, onPick, list.isPending],
  );

  return (
    <div className="absolute inset-x-3 bottom-full z-20 mb-1 overflow-hidden rounded-md border bg-popover text-popover-foreground shadow-lg" data-testid="canned-picker">
      {list.isPending ? (
        <div className="flex items-center gap-2 p-3 text-sm text-muted-foreground">
          <Spinner className="size-4" /> {t("common.loading")}
        </div>
      ) : list.isError ? (
        <p role="alert" className="p-3 text-sm text-destructive">
          {errorText(list.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="p-3 text-sm text-muted-foreground" role="status">
          {query ? t("picker.empty", { query }) : t("picker.none")}
        </p>
      ) : (
        <ul id={pickerListId} role="listbox" aria-label={t("picker.label")} className="max-h-64 overflow-y-auto py-1">
          {items.map((r, i) => (
            <li
              key={r.id}
              id={optionId(r.id)}
              role="option"
              aria-selected={i === at}
              data-testid="canned-option"
              className={cn("flex cursor-pointer items-baseline gap-2 px-3 py-1.5 text-sm", i === at && "bg-accent text-accent-foreground")}
              // Keep the focus in the text field.
              onMouseDown={(e) => e.preventDefault()}
              onMouseEnter={() => setActive(i)}
              onClick={() => onPick(r)}
              ref={i === at ? (el) => el?.scrollIntoView({ block: "nearest" }) : undefined}
            >
              <code className="shrink-0 font-semibold">/{r.shortcut}</code>
              <span className="truncate text-muted-foreground">{r.title}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="flex justify-between border-t px-3 py-1 text-xs text-muted-foreground">
        <span>{t("picker.hint")}</span>
        <Link href="/canned" className="underline-offset-2 hover:underline" onMouseDown={(e) => e.preventDefault()}>
          {t("picker.manage")}
        </Link>
      </div>
    </div>
  );
}
