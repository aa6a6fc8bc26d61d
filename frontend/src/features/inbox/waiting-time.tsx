import { ClockIcon } from "lucide-react";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { formatDuration, toMillis } from "@/lib/format";

/** How long the customer has waited for an answer; amber after 2 minutes, red after 5. */
export function WaitingTime({ since, now }: { since: Timestamp; now: number }) {
  const { t, locale } = useI18n();
  const waited = Math.max(0, now - toMillis(since));
  const text = formatDuration(waited, locale);
  return (
    <span
      className={cn(
        "inline-flex items-center gap-1 text-xs font-medium tabular-nums",
        waited >= 300_000 ? "text-destructive" : waited >= 120_000 ? "text-amber-600 dark:text-amber-400" : "text-muted-foreground",
      )}
      title={t("inbox.waitingFor", { time: text })}
    >
      <ClockIcon aria-hidden className="size-3" />
      <span className="sr-only">{t("inbox.waitingFor", { time: "" })}</span>
      {text}
    </span>
  );
}
