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
