// The visitor's API client: the shared generated WidgetService over
// Connect-Web, with the visitor token in Authorization (never a cookie).

import { Code, ConnectError, createClient, type CallOptions, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { WidgetService } from "@livechat/api/widget_pb";
import type { Timestamp } from "@bufbuild/protobuf/wkt";

export type Api = Client<typeof WidgetService>;

export function createApi(server: string, token: () => string): Api {
  return createClient(WidgetService, visitorTransport(server, token));
}

/** Connect-Web to the server, in binary, with the visitor token when there is one. */
export function visitorTransport(server: string, token: () => string): Transport {
  return createConnectTransport({
    baseUrl: server,
    useBinaryFormat: true,
    interceptors: [
      (next) => (req) => {
        const tok = token();
        if (tok) req.header.set("Authorization", "Bearer " + tok);
        return next(req);
      },
    ],
  });
}

/**
 * Runs a unary call that gives up after ms. The limit is kept on the client
 * (an abort) rather than sent as a Connect-Timeout-Ms header, so requests
 * carry only the headers every CORS setup allows.
 */
export function withTimeout<T>(fn: (o: CallOptions) => Promise<T>, ms = 15000): Promise<T> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  return fn({ signal: ctl.signal }).finally(() => clearTimeout(timer));
}

export function codeOf(err: unknown): Code {
  return ConnectError.from(err).code;
}

/** The server's own message, for the console (never shown to the visitor). */
export function errText(err: unknown): string {
  return ConnectError.from(err).rawMessage;
}

/** Errors worth retrying later: the network, the server's load, a timeout. */
export function transient(code: Code): boolean {
  return (
    code === Code.Unavailable ||
    code === Code.Unknown ||
    code === Code.Canceled ||
    code === Code.DeadlineExceeded ||
    code === Code.Internal ||
    code === Code.Aborted ||
    code === Code.ResourceExhausted ||
    code === Code.Unimplemented
  );
}

export function ms(ts: Timestamp | undefined): number {
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : Date.now();
}

/** A client message id: random, 1–64 characters, no secure context needed. */
export function newId(): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  return "w" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export { Code };

/**
 * Calls a unary procedure in Connect's JSON form with plain fetch. The
 * widget makes two CustomerService calls (its visitor's pages, the host's
 * attributes); calling them this way keeps that service's generated
 * descriptors, about 2 KB on the wire, out of the widget.
 */
export async function callJSON(server: string, procedure: string, token: string, body: unknown, o: CallOptions): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(server.replace(/\/$/, "") + "/livechat.v1." + procedure, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1", Authorization: "Bearer " + token },
      body: JSON.stringify(body),
      signal: o.signal,
    });
  } catch (err) {
    throw new ConnectError(String(err), Code.Unavailable);
  }
  const data = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  if (!res.ok) {
    // "resource_exhausted" → Code.ResourceExhausted
    const name = (data.code || "").replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase()) as keyof typeof Code;
    throw new ConnectError(data.message || res.statusText, typeof Code[name] === "number" ? (Code[name] as Code) : Code.Unknown);
  }
  return data;
}
