import { useI18n, type I18n } from "@/i18n";
import { describeError } from "./errors";

/** An error as one translated line, with the limit or wait the server named filled in. */
export function errorText(t: I18n["t"], err: unknown): string {
  const { key, limit, waitMs } = describeError(err);
  const vars: Record<string, string | number> = {};
  if (limit) vars.limit = limit;
  if (waitMs) {
    // Whole seconds under two minutes, else whole minutes, rounded up.
    const s = Math.ceil(waitMs / 1000);
    vars.wait = s < 120 ? t("reason.waitSeconds", { n: s }) : t("reason.waitMinutes", { n: Math.ceil(s / 60) });
  }
  return t(key, vars);
}

/** Turns an error into one translated line, chosen by the server's reason. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) => errorText(t, err);
}
