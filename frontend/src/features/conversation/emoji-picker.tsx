import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { emoji } from "@livechat/markdown/emoji";

const columns = 8;

/**
 * The composer's emoji picker, loaded on demand (React.lazy) the first time
 * it is opened. Keyboard-first: focus starts in the search field, the arrow
 * keys move through the grid, Enter inserts, Esc closes; a click inserts
 * too. Names are in the agent's language and searched in both.
 */
export default function EmojiPicker({ onPick, onClose }: { onPick: (char: string) => void; onClose: () => void }) {
  const { t, lang } = useI18n();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const search = useRef<HTMLInputElement>(null);
  const shown = useMemo(() => {
    const q = query.trim().toLocaleLowerCase();
    return q ? emoji.filter((e) => e.en.includes(q) || e.vi.toLocaleLowerCase().includes(q)) : emoji;
  }, [query]);
  const current = Math.min(active, shown.length - 1);

  useEffect(() => search.current?.focus(), []);

  function onKeyDown(e: KeyboardEvent<HTMLInputElement>) {
    const step: Record<string, number> = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns };
    if (e.key in step) {
      e.preventDefault();
      if (shown.length) setActive(Math.max(0, Math.min(shown.length - 1, current + step[e.key])));
    } else if (e.key === "Enter") {
      e.preventDefault();
      if (shown[current]) onPick(shown[current].char);
    } else if (e.key === "Escape") {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  }

  const name = (i: number) => (lang === "vi" ? shown[i].vi : shown[i].en);
  return (
    <div
      className="absolute bottom-full right-0 z-20 mb-2 w-72 rounded-lg border bg-popover p-2 text-popover-foreground shadow-lg"
      data-testid="emoji-picker"
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) onClose();
      }}
    >
      <input
        ref={search}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
        placeholder={t("emoji.search")}
        aria-label={t("emoji.search")}
        role="combobox"
        aria-expanded="true"
        aria-controls="emoji-grid"
        aria-activedescendant={shown.length ? `emoji-${current}` : undefined}
        className="mb-2 h-8 w-full rounded-md border border-input bg-background px-2 text-sm focus-visible:outline-2 focus-visible:outline-ring"
      />
      {shown.length === 0 ? (
        <p className="px-1 py-3 text-center text-sm text-muted-foreground">{t("emoji.empty")}</p>
      ) : (
        <div id="emoji-grid" role="listbox" aria-label={t("emoji.label")} className="grid max-h-48 grid-cols-8 gap-0.5 overflow-y-auto">
          {shown.map((e, i) => (
            <button
              key={e.char}
              id={`emoji-${i}`}
              type="button"
              role="option"
              tabIndex={-1}
              aria-selected={i === current}
              aria-label={name(i)}
              title={name(i)}
              onMouseDown={(ev) => ev.preventDefault()}
              onClick={() => onPick(e.char)}
              className={cn("grid size-8 place-items-center rounded text-lg hover:bg-accent", i === current && "bg-accent ring-2 ring-ring")}
            >
              {e.char}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
