import { useI18n } from "@/i18n";
import { describeError } from "./errors";

/** Turns an error into one translated line (with the server's detail when useful). */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err) => {
    const { key, detail } = describeError(err);
    return detail ? `${t(key)} (${detail})` : t(key);
  };
}
