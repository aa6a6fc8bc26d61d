import { Code, ConnectError } from "@connectrpc/connect";
import type { MessageKey } from "@/i18n";

/** The Connect code of any thrown value (Unknown when it is not a ConnectError). */
export function errorCode(err: unknown): Code {
  return err instanceof ConnectError ? err.code : ConnectError.from(err).code;
}

export function isUnauthenticated(err: unknown): boolean {
  return err != null && errorCode(err) === Code.Unauthenticated;
}

/**
 * A translated sentence for an error. The server's own text (English, and
 * naming the field at fault) is returned as detail for invalid input and
 * failed preconditions, where it tells the user what to fix.
 */
export function describeError(err: unknown): { key: MessageKey; detail?: string } {
  const ce = ConnectError.from(err);
  switch (ce.code) {
    case Code.Unauthenticated:
      return { key: "error.unauthenticated" };
    case Code.PermissionDenied:
      return { key: "error.permissionDenied", detail: ce.rawMessage || undefined };
    case Code.NotFound:
      return { key: "error.notFound" };
    case Code.AlreadyExists:
      return { key: "error.alreadyExists" };
    case Code.InvalidArgument:
      return { key: "error.invalidArgument", detail: ce.rawMessage || undefined };
    case Code.FailedPrecondition:
      return { key: "error.failedPrecondition", detail: ce.rawMessage || undefined };
    case Code.ResourceExhausted:
      return { key: "error.resourceExhausted", detail: ce.rawMessage || undefined };
    case Code.Unimplemented:
      return { key: "error.unimplemented" };
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
    case Code.DeadlineExceeded:
      return { key: "error.network" };
    default:
      return { key: "error.internal" };
  }
}
