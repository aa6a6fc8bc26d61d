import { ErrorReason } from "@livechat/api/errors_pb";
import { useI18n } from "@/i18n";
import { errorDetail } from "@/lib/errors";
import { errorText } from "@/lib/use-error-text";
import { formatBytes } from "./format";

/** useErrorText, with a size limit in megabytes instead of bytes. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) => {
    const d = errorDetail(err);
    if (d?.reason === ErrorReason.FILE_TOO_LARGE && d.limit) return t("reason.fileTooLarge", { limit: formatBytes(d.limit) });
    return errorText(t, err);
  };
}
