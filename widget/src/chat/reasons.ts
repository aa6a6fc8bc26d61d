// What to tell the visitor about a refused call, chosen from the server's
// machine-readable livechat.v1.ErrorDetail (its reason, field, limit and
// wait), never from its English message, and falling back to the Connect
// code when a reason is missing or unknown.

import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorReason } from "@livechat/api/errors_pb";
import type { Key } from "../i18n";

/** The parts of an error the widget acts on. */
export interface Detail {
  code: Code;
  reason: ErrorReason;
  /** The request field at fault, by its proto name ("text", "prechat.email"); "" when none. */
  field: string;
  /** The limit crossed (characters, bytes, items); 0 when none. */
  limit: number;
  /** How long the server asks to wait, in ms; 0 when it did not say. */
  retryAfterMs: number;
}

export function detailOf(err: unknown): Detail {
  const ce = ConnectError.from(err);
  const d = ce.findDetails(ErrorDetailSchema)[0];
  const ra = d?.retryAfter;
  return {
    code: ce.code,
    reason: d?.reason ?? ErrorReason.UNSPECIFIED,
    field: d?.field ?? "",
    limit: Number(d?.limit ?? 0),
    retryAfterMs: ra ? Number(ra.seconds) * 1000 + Math.ceil(ra.nanos / 1e6) : 0,
  };
}

/** Why a message was refused for good, as stored with it in the outbox: a text and the number it names. */
export interface Refusal {
  k: Key;
  n?: number;
}

/** The visitor-facing reason a message was refused for good. */
export function sendRefusal(err: unknown): Refusal {
  const d = detailOf(err);
  switch (d.reason) {
    case ErrorReason.TEXT_TOO_LONG:
      return d.limit ? { k: "msgTooLongMax", n: d.limit } : { k: "msgTooLong" };
    case ErrorReason.REQUEST_TOO_LARGE:
      return { k: "msgTooLong" };
    case ErrorReason.TEXT_INVALID:
      return { k: "msgBadChars" };
    case ErrorReason.TEXT_EMPTY:
      return { k: "msgEmpty" };
    case ErrorReason.CONVERSATION_CLOSED:
      return { k: "msgClosed" };
  }
  return { k: d.code === Code.InvalidArgument ? "msgInvalid" : "msgNotSent" };
}

/** The text of a refusal, for "Not sent: …"; older entries stored a bare key or "1". */
export function refusalText(r: Refusal | string, t: (k: Key, vars?: Record<string, number>) => string): string {
  if (typeof r !== "object" || !r) return "";
  return t(r.k, r.n ? { n: r.n } : undefined);
}

/** The pre-chat field an error names: "prechat.order_no", "prechat[order_no]" or "order_no" give "order_no". */
export function prechatField(field: string): string {
  return field.replace(/^prechat(\.|\[)/, "").replace(/["'\]]/g, "");
}

/**
 * What a refused pre-chat form or email says: under the field the error
 * names when it names one of ours (field set), else for the whole form.
 */
export function formError(err: unknown): { field: string; k: Key; n?: number } {
  const d = detailOf(err);
  const field = prechatField(d.field);
  switch (d.reason) {
    case ErrorReason.REQUIRED:
    case ErrorReason.TEXT_EMPTY:
      return { field, k: "required" };
    case ErrorReason.INVALID_EMAIL:
      return { field, k: "badEmail" };
    case ErrorReason.TEXT_TOO_LONG:
      return d.limit ? { field, k: "tooLongMax", n: d.limit } : { field, k: "tooLong" };
    case ErrorReason.TEXT_INVALID:
    case ErrorReason.INVALID_VALUE:
      return { field, k: "badValue" };
    case ErrorReason.IDENTITY_LOCKED:
      return { field: "", k: "emailLocked" };
    case ErrorReason.RATE_LIMITED:
    case ErrorReason.SIGN_IN_THROTTLED:
      return d.retryAfterMs
        ? { field: "", k: "tooManyWait", n: Math.max(1, Math.ceil(d.retryAfterMs / 60000)) }
        : { field: "", k: "tooMany" };
  }
  if (d.code === Code.ResourceExhausted) return { field: "", k: "tooMany" };
  return { field: "", k: d.code === Code.InvalidArgument ? "checkForm" : "error" };
}
