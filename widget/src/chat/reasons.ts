// What to tell the visitor about a refused call, chosen from the server's
// machine-readable livechat.v1.ErrorDetail (its reason, field, limit and
// wait), never from its English message, and falling back to the Connect
// code when a reason is missing or unknown.

import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "@livechat/api/errors_pb";
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
  const d: Detail = { code: ce.code, reason: ErrorReason.UNSPECIFIED, field: "", limit: 0, retryAfterMs: 0 };
  for (const x of ce.details) {
    if ("type" in x && x.type === DETAIL_TYPE) {
      decodeDetail(x.value, d);
      break;
    }
  }
  return d;
}

const DETAIL_TYPE = "livechat.v1.ErrorDetail";

/**
 * Reads a binary livechat.v1.ErrorDetail into d. By hand rather than with
 * the generated ErrorDetailSchema, whose embedded file descriptor would cost
 * the opened widget about 2 KB gzip of its budget; the field numbers are
 * fixed by proto/livechat/v1/errors.proto, and the unit tests decode what the
 * generated schema encodes.
 */
export function decodeDetail(bytes: Uint8Array, d: Detail): void {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === 0) d.reason = r.int32();
    else if (no === 2 && wt === 2) d.field = r.string();
    else if (no === 3 && wt === 0) d.limit = Number(r.int64());
    else if (no === 4 && wt === 2) {
      // google.protobuf.Duration: seconds = 1, nanos = 2.
      const dr = new BinaryReader(r.bytes());
      let ms = 0;
      while (dr.pos < dr.len) {
        const [dn, dw] = dr.tag();
        if (dn === 1 && dw === 0) ms += Number(dr.int64()) * 1000;
        else if (dn === 2 && dw === 0) ms += Math.ceil(dr.int32() / 1e6);
        else dr.skip(dw);
      }
      d.retryAfterMs = ms;
    } else r.skip(wt);
  }
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
    case ErrorReason.ATTACHMENT_NOT_FOUND:
      return { k: "fileGone" };
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
