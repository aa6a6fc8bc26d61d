// An in-memory stand-in for the livechat server's visitor side: the
// WidgetService RPCs over Connect (via @connectrpc/connect-node), the widget
// files from dist/, and CORS for one set of allowed origins. It follows the
// semantics written in proto/livechat/v1 (durable events carry a cursor;
// READY after catch-up; FAILED_PRECONDITION for a cursor that is too old;
// SendMessage idempotent by client_message_id; a resolved conversation
// reopens when the customer writes), and lets a test act as the agent and
// break the network in ways a real server does only rarely: expire cursors,
// end every stream, answer UNAVAILABLE for a while.
//
// The real server is exercised by real-server.test.mjs; this one makes the
// widget's own edge cases reproducible.

import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { createReadStream, existsSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize } from "node:path";
import { loadApi } from "./api.mjs";

const TYPES = { ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8" };

/**
 * Starts the fake on 127.0.0.1 with a free port.
 * @param {{ distDir: string, allowedOrigins: string[], siteKey?: string, config?: object }} opts
 */
export async function startFakeServer(opts) {
  const api = await loadApi();
  const { SenderType, SystemEventKind, ConversationStatus } = api;
  const siteKey = opts.siteKey || "site_test";
  const state = {
    agentsOnline: true,
    appearance: {
      primaryColor: "#0f766e",
      position: api.WidgetPosition.BOTTOM_RIGHT,
      title: "Acme support",
      greeting: "Hi! Ask us anything.",
      launcherLabel: "Chat with Acme",
      locale: api.WidgetLocale.AUTO,
    },
    prechat: { enabled: false, fields: [] },
    offline: { message: "We are away; leave a message.", collectEmail: true },
    ...(opts.config || {}),
  };
  /** RPC paths called, in order (method names). */
  const calls = [];
  /** visitor token → customer */
  const customers = new Map();
  const events = []; // durable: { n, cid, event }
  let eventSeq = 0;
  let oldestCursor = 0;
  let ids = 0;
  const subscribers = new Set();
  let unavailableUntil = 0;
  let refuseStreams = false;
  const agentId = "agent_1";
  const agentName = "Lan";

  const nextId = (p) => `${p}_${++ids}`;

  function emit(cid, kind, durable) {
    const event = { cursor: durable ? String(++eventSeq) : "", occurredAt: timestampNow(), kind };
    if (durable) events.push({ n: eventSeq, cid, event });
    for (const s of subscribers) if (s.cid === cid || cid === "*") s.push(event);
    return event;
  }

  function visitor(ctx) {
    const auth = ctx.requestHeader.get("authorization") || "";
    const c = customers.get(auth.replace(/^Bearer /, ""));
    if (!c) throw new ConnectError("visitor token required", Code.Unauthenticated);
    if (Date.now() < unavailableUntil) throw new ConnectError("server restarting", Code.Unavailable);
    return c;
  }

  function config() {
    return { siteKey, appearance: state.appearance, prechat: state.prechat, offline: state.offline, agentsOnline: state.agentsOnline };
  }

  function convJson(c) {
    const v = c.conv;
    return v ? { id: v.id, status: v.status, customerId: c.id, customerName: c.name, lastSeq: BigInt(v.messages.length) } : undefined;
  }

  function addMessage(c, m) {
    const v = c.conv;
    const msg = {
      id: nextId("msg"),
      conversationId: v.id,
      seq: BigInt(v.messages.length + 1),
      createdAt: timestampNow(),
      ...m,
    };
    v.messages.push(msg);
    emit(c.id, { case: "messageCreated", value: msg }, true);
    return msg;
  }

  function system(c, kind, actor = agentName) {
    return addMessage(c, {
      senderType: SenderType.SYSTEM,
      text: "",
      systemEvent: { kind, actorName: actor, targetName: "" },
    });
  }

  const service = {
    getWidgetConfig(req) {
      if (req.siteKey !== siteKey) throw new ConnectError("unknown site key", Code.NotFound);
      return { config: config() };
    },
    startSession(req) {
      if (req.siteKey !== siteKey) throw new ConnectError("unknown site key", Code.NotFound);
      let c = customers.get(req.visitorToken);
      if (!c && req.identity?.userId) {
        c = [...customers.values()].find((x) => x.userId === req.identity.userId);
      }
      if (!c) {
        c = { id: nextId("cus"), name: "", email: "", userId: req.identity?.userId || "", conv: null, cmids: new Map(), typing: false, readSeq: 0 };
      }
      for (const f of state.prechat.fields || []) {
        if (f.required && !req.prechat[f.key]) throw new ConnectError(`pre-chat field ${f.key} is required`, Code.InvalidArgument);
      }
      if (req.identity?.name) c.name = req.identity.name;
      const tok = nextId("vt");
      customers.set(tok, c);
      c.token = tok;
      return { visitorToken: tok, customer: { id: c.id, name: c.name, email: c.email }, conversation: convJson(c), config: config() };
    },
    sendMessage(req, ctx) {
      const c = visitor(ctx);
      if (!req.text.trim() || req.text.length > 4000) throw new ConnectError("text must be 1–4000 characters", Code.InvalidArgument);
      const dup = c.cmids.get(req.clientMessageId);
      if (dup) return { message: dup, conversation: convJson(c) };
      if (!c.conv) {
        c.conv = { id: nextId("conv"), status: ConversationStatus.WAITING, messages: [] };
        emit(c.id, { case: "conversationCreated", value: convJson(c) }, true);
      } else if (c.conv.status === ConversationStatus.RESOLVED || c.conv.status === ConversationStatus.CLOSED) {
        c.conv.status = ConversationStatus.WAITING;
        system(c, SystemEventKind.REOPENED, c.name || "Visitor");
      }
      const msg = addMessage(c, {
        senderType: SenderType.CUSTOMER,
        senderId: c.id,
        senderName: c.name,
        text: req.text,
        clientMessageId: req.clientMessageId,
      });
      c.cmids.set(req.clientMessageId, msg);
      return { message: msg, conversation: convJson(c) };
    },
    listMessages(req, ctx) {
      const c = visitor(ctx);
      if (!c.conv) return { messages: [], hasMore: false };
      const size = req.pageSize || 50;
      let list = c.conv.messages;
      let hasMore = false;
      if (req.afterSeq > 0n) {
        list = list.filter((m) => m.seq > req.afterSeq);
        hasMore = list.length > size;
        list = list.slice(0, size);
      } else {
        if (req.beforeSeq > 0n) list = list.filter((m) => m.seq < req.beforeSeq);
        hasMore = list.length > size;
        list = list.slice(-size);
      }
      return { messages: list, hasMore };
    },
    setTyping(req, ctx) {
      const c = visitor(ctx);
      c.typing = req.typing;
      c.typingCalls = (c.typingCalls || 0) + 1;
      return {};
    },
    markRead(req, ctx) {
      const c = visitor(ctx);
      const top = c.conv ? BigInt(c.conv.messages.length) : 0n;
      c.readSeq = Number(req.seq || top);
      emit(c.id, { case: "read", value: { conversationId: c.conv?.id || "", readerType: SenderType.CUSTOMER, readerId: c.id, seq: BigInt(c.readSeq) } }, true);
      return {};
    },
    updateCustomer(req, ctx) {
      const c = visitor(ctx);
      if (req.email !== undefined) {
        if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(req.email)) throw new ConnectError("bad email", Code.InvalidArgument);
        c.email = req.email;
      }
      if (req.name !== undefined) c.name = req.name;
      return { customer: { id: c.id, name: c.name, email: c.email } };
    },
    async *subscribe(req, ctx) {
      const c = visitor(ctx);
      if (refuseStreams) throw new ConnectError("live events are not available", Code.Unavailable);
      const queue = [];
      let wake = () => {};
      const sub = {
        cid: c.id,
        push(ev) {
          queue.push(ev);
          wake();
        },
        end: null,
      };
      subscribers.add(sub);
      try {
        let last = 0;
        if (req.cursor) {
          const n = Number(req.cursor);
          if (!(n >= oldestCursor)) throw new ConnectError("cursor is older than the retained history", Code.FailedPrecondition);
          for (const e of events) {
            if (e.n > n && e.cid === c.id) {
              last = e.n;
              yield { event: e.event };
            }
          }
        }
        yield { event: { occurredAt: timestampNow(), kind: { case: "ready", value: {} } } };
        for (;;) {
          while (queue.length) {
            const ev = queue.shift();
            if (ev.cursor && Number(ev.cursor) <= last) continue;
            yield { event: ev };
          }
          const why = await new Promise((resolve) => {
            const timer = setTimeout(() => resolve("heartbeat"), 15000);
            const done = () => {
              clearTimeout(timer);
              resolve("abort");
            };
            ctx.signal.addEventListener("abort", done, { once: true });
            wake = () => {
              clearTimeout(timer);
              ctx.signal.removeEventListener("abort", done);
              resolve("event");
            };
            sub.end = (code) => {
              clearTimeout(timer);
              resolve(code);
            };
          });
          if (why === "abort") return;
          if (typeof why === "number") throw new ConnectError("stream ended by the server", why);
          if (why === "heartbeat") yield { event: { occurredAt: timestampNow(), kind: { case: "heartbeat", value: {} } } };
        }
      } finally {
        subscribers.delete(sub);
      }
    },
  };

  const rpc = connectNodeAdapter({
    routes(router) {
      router.service(api.WidgetService, service);
    },
  });

  const allowed = new Set(opts.allowedOrigins);
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const origin = req.headers.origin;
    if (url.pathname === "/widget.js" || url.pathname === "/widget.css" || url.pathname.startsWith("/widget-assets/")) {
      const rel = url.pathname === "/widget.js" || url.pathname === "/widget.css" ? url.pathname : "/assets/" + url.pathname.slice(15);
      const file = normalize(join(opts.distDir, rel));
      if (!file.startsWith(opts.distDir) || !existsSync(file)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {
        "Content-Type": TYPES[extname(file)] || "application/octet-stream",
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "no-cache",
      });
      createReadStream(file).pipe(res);
      return;
    }
    if (origin && allowed.has(origin)) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Vary", "Origin");
      res.setHeader("Access-Control-Expose-Headers", "Connect-Protocol-Version, Grpc-Status, Grpc-Message");
      if (req.method === "OPTIONS") {
        res.writeHead(204, {
          "Access-Control-Allow-Methods": "GET, POST",
          "Access-Control-Allow-Headers": req.headers["access-control-request-headers"] || "",
          "Access-Control-Max-Age": "7200",
        });
        res.end();
        return;
      }
    } else if (origin) {
      // A page the widget doesn't allow: no CORS headers, so the browser
      // refuses to hand the answer to the page.
      res.writeHead(403, { "Content-Type": "application/json" }).end('{"code":"permission_denied","message":"origin not allowed"}');
      return;
    }
    calls.push(url.pathname.split("/").pop());
    rpc(req, res);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;

  const latest = () => [...new Set(customers.values())].filter((c) => c.conv).at(-1);

  return {
    url,
    siteKey,
    state,
    calls,
    customers: () => [...new Set(customers.values())],
    /** The conversation's messages as [sender, text] pairs. */
    transcript(c = latest()) {
      return c?.conv ? c.conv.messages.map((m) => [SenderType[m.senderType], m.text]) : [];
    },
    agent: {
      send(text, c = latest()) {
        if (c.conv.status === ConversationStatus.WAITING) {
          c.conv.status = ConversationStatus.ACTIVE;
          system(c, SystemEventKind.CLAIMED);
        }
        return addMessage(c, { senderType: SenderType.AGENT, senderId: agentId, senderName: agentName, text });
      },
      typing(on, c = latest()) {
        emit(c.id, { case: "typing", value: { conversationId: c.conv.id, senderType: SenderType.AGENT, senderId: agentId, senderName: agentName, typing: on } }, false);
      },
      resolve(c = latest()) {
        c.conv.status = ConversationStatus.RESOLVED;
        system(c, SystemEventKind.RESOLVED);
        emit(c.id, { case: "conversationUpdated", value: convJson(c) }, true);
      },
      read(c = latest()) {
        emit(c.id, { case: "read", value: { conversationId: c.conv.id, readerType: SenderType.AGENT, readerId: agentId, seq: BigInt(c.conv.messages.length) } }, true);
      },
      setOnline(on) {
        state.agentsOnline = on;
        emit("*", { case: "presence", value: { online: on, agentsOnline: on } }, false);
      },
    },
    /** Ends every open stream with a code (UNAVAILABLE: "reconnect with your cursor"). */
    endStreams(code = Code.Unavailable) {
      for (const s of subscribers) s.end?.(code);
    },
    /** Makes every cursor handed out so far too old (FAILED_PRECONDITION). */
    expireCursors() {
      oldestCursor = eventSeq + 1;
    },
    /** Visitor RPCs answer UNAVAILABLE for ms. */
    unavailableFor(ms) {
      unavailableUntil = Date.now() + ms;
    },
    /** Subscribe fails at once while on (as behind a proxy that breaks streams). */
    refuseStreams(on) {
      refuseStreams = on;
    },
    streams: () => subscribers.size,
    close() {
      server.closeAllConnections?.();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
