import { SearchIcon, XIcon } from "lucide-react";
import { forwardRef, useEffect, useState } from "react";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";

/** Searches the current queue; reports the query after a short pause in typing. */
export const SearchBox = forwardRef<HTMLInputElement, { value: string; onChange: (q: string) => void; label?: string }>(function SearchBox(
  { value, onChange, label },
  ref,
) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    const id = window.setTimeout(() => {
      if (draft.trim() !== value) onChange(draft.trim());
    }, 250);
    return () => window.clearTimeout(id);
  }, [draft, value, onChange]);

  return (
    <div className="relative" role="search">
      <SearchIcon aria-hidden className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
      <Input
        ref={ref}
        type="search"
        maxLength={200}
        aria-label={label ?? t("inbox.search")}
        placeholder={label ?? t("inbox.searchPlaceholder")}
        // Room on the right only when the clear button shows: the
        // placeholder needs the width.
        className={cn("pl-8 [&::-webkit-search-cancel-button]:hidden", draft ? "pr-8" : "pr-3")}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") {
            setDraft("");
            onChange("");
            e.currentTarget.blur();
          }
        }}
      />
      {draft && (
        <button
          type="button"
          aria-label={t("inbox.clearSearch")}
          className="absolute top-1/2 right-2 -translate-y-1/2 rounded-sm text-muted-foreground hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
          onClick={() => {
            setDraft("");
            onChange("");
          }}
        >
          <XIcon className="size-4" />
        </button>
      )}
    </div>
  );
});
