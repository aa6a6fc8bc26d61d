import { XIcon } from "lucide-react";
import { TagColor, type Tag } from "@livechat/api/tag_pb";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";

/** The palette's classes, readable in light and dark themes. */
export const tagColorClass: Record<TagColor, string> = {
  [TagColor.UNSPECIFIED]: "bg-muted text-foreground",
  [TagColor.GREY]: "bg-muted text-foreground",
  [TagColor.RED]: "bg-red-500/15 text-red-700 dark:text-red-300",
  [TagColor.ORANGE]: "bg-orange-500/15 text-orange-700 dark:text-orange-300",
  [TagColor.YELLOW]: "bg-yellow-500/20 text-yellow-800 dark:text-yellow-200",
  [TagColor.GREEN]: "bg-green-500/15 text-green-700 dark:text-green-300",
  [TagColor.TEAL]: "bg-teal-500/15 text-teal-700 dark:text-teal-300",
  [TagColor.BLUE]: "bg-blue-500/15 text-blue-700 dark:text-blue-300",
  [TagColor.PURPLE]: "bg-purple-500/15 text-purple-700 dark:text-purple-300",
  [TagColor.PINK]: "bg-pink-500/15 text-pink-700 dark:text-pink-300",
};

/** A tag's name in its colour; with onRemove, a button takes it off. */
export function TagChip({ tag, onRemove, disabled }: { tag: Tag; onRemove?: () => void; disabled?: boolean }) {
  const { t } = useI18n();
  return (
    <span
      data-testid="tag-chip"
      className={cn("inline-flex max-w-full items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium", tagColorClass[tag.color])}
    >
      <span className="truncate">{tag.name}</span>
      {onRemove && (
        <button
          type="button"
          disabled={disabled}
          aria-label={t("tags.remove", { name: tag.name })}
          className="rounded-full hover:bg-black/10 focus-visible:outline-2 focus-visible:outline-ring"
          onClick={onRemove}
        >
          <XIcon aria-hidden className="size-3" />
        </button>
      )}
    </span>
  );
}
