import { StarIcon, ThumbsDownIcon, ThumbsUpIcon } from "lucide-react";
import { CsatScale, type Rating } from "@livechat/api/csat_pb";
import { useI18n } from "@/i18n";

/**
 * The customer's satisfaction rating of a conversation, with their comment:
 * shown in the conversation's header, and updated live when they rate or
 * change it.
 */
export function RatingBadge({ rating }: { rating: Rating }) {
  const { t } = useI18n();
  const thumbs = rating.scale === CsatScale.THUMBS;
  const label = thumbs
    ? t(rating.score >= 4 ? "csat.rated.up" : "csat.rated.down")
    : t("csat.rated.stars", { score: rating.score });
  return (
    <span className="inline-flex min-w-0 items-center gap-1.5" data-testid="conversation-rating" data-score={rating.score}>
      <span className="inline-flex items-center gap-1 rounded-full bg-amber-500/15 px-2 py-0.5 font-medium text-amber-800 dark:text-amber-200">
        {thumbs ? (
          rating.score >= 4 ? <ThumbsUpIcon aria-hidden className="size-3" /> : <ThumbsDownIcon aria-hidden className="size-3" />
        ) : (
          <StarIcon aria-hidden className="size-3 fill-current" />
        )}
        {label}
      </span>
      {rating.comment && (
        <span className="truncate italic" data-testid="conversation-rating-comment" title={rating.comment}>
          “{rating.comment}”
        </span>
      )}
    </span>
  );
}
