import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorReason } from "@livechat/api/errors_pb";
import { useI18n } from "@/i18n";
import { useErrorText } from "@/lib/use-error-text";

/**
 * What a failed sign-in says. The Login call's own UNAUTHENTICATED means a
 * wrong username or password, not an ended session, and RESOURCE_EXHAUSTED
 * means too many failures: say when to try again. The server's typed
 * detail decides when it is there; the code alone otherwise.
 */
export function useLoginErrorText(): (err: unknown) => string {
  const { t, tp } = useI18n();
  const generic = useErrorText();
  return (err) => {
    const ce = ConnectError.from(err);
    const detail = ce.findDetails(ErrorDetailSchema)[0];
    const reason = detail?.reason ?? ErrorReason.UNSPECIFIED;
    const known = reason !== ErrorReason.UNSPECIFIED;
    if (reason === ErrorReason.BAD_CREDENTIALS || (!known && ce.code === Code.Unauthenticated)) return t("login.badCredentials");
    if (reason === ErrorReason.SIGN_IN_THROTTLED || (!known && ce.code === Code.ResourceExhausted)) {
      const seconds = Number(detail?.retryAfter?.seconds ?? 0n) + ((detail?.retryAfter?.nanos ?? 0) > 0 ? 1 : 0);
      if (seconds <= 0) return t("login.throttled");
      if (seconds < 60) return tp("login.throttledSeconds", seconds);
      return tp("login.throttledMinutes", Math.ceil(seconds / 60));
    }
    return generic(err);
  };
}
