// A small HTTP proxy in front of the real server, for the network faults a
// widget meets in the wild: streams cut mid-way, a proxy that cannot hold a
// stream at all, an API that is down for a while, and a resumed stream
// whose cursor the server no longer knows. Everything else passes through
// untouched (and unbuffered, so live events stay live).

import { createServer, request } from "node:http";

const SUBSCRIBE = "/livechat.v1.WidgetService/Subscribe";
const API = "/livechat.v1.";

/** Reads a Connect envelope's protobuf: field 1 (cursor) of a SubscribeRequest. */
function readCursor(body) {
  if (body.length < 5) return "";
  const msg = body.subarray(5, 5 + body.readUInt32BE(1));
  let i = 0;
  while (i < msg.length) {
    const tag = msg[i++];
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = msg[i++];
      len |= (b & 0x7f) << shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    if (tag === 0x0a) return msg.subarray(i, i + len).toString("utf8");
    i += len;
  }
  return "";
}

/** A Connect envelope holding SubscribeRequest{cursor}. */
function withCursor(cursor) {
  const c = Buffer.from(cursor, "utf8");
  if (c.length > 127) throw new Error("cursor too long for this test proxy");
  const msg = Buffer.concat([Buffer.from([0x0a, c.length]), c]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/**
 * Starts the proxy on a free loopback port, forwarding to target (a URL).
 */
export async function startProxy(target) {
  const to = new URL(target);
  const streams = new Set(); // open Subscribe exchanges: { req, res, up }
  const sockets = new Set();
  /** The cursor of every Subscribe that reached the server, in order. */
  const subscribes = [];
  /** HTTP status of every Subscribe answered by the server, in order. */
  const statuses = [];
  let apiDown = false;
  let refuseStreams = false;
  let nextCursor = null;

  /** Answers like a gateway with no server behind it, readable cross-origin. */
  function unavailable(req, res) {
    res.writeHead(503, {
      "Content-Type": "application/json",
      "Access-Control-Allow-Origin": req.headers.origin || "*",
      "Access-Control-Expose-Headers": "Connect-Protocol-Version",
    });
    res.end(JSON.stringify({ code: "unavailable", message: "no server behind the proxy" }));
  }

  function forward(req, res, body) {
    const headers = { ...req.headers, host: to.host };
    if (body) headers["content-length"] = String(body.length);
    const up = request(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers },
      (upRes) => {
        const h = { ...upRes.headers };
        delete h.connection;
        delete h["keep-alive"];
        res.writeHead(upRes.statusCode, h);
        res.flushHeaders();
        upRes.on("data", (d) => res.write(d));
        upRes.on("end", () => res.end());
        upRes.on("error", () => res.destroy());
        if (req.url.startsWith(SUBSCRIBE)) statuses.push(upRes.statusCode);
      },
    );
    up.on("error", () => res.destroy());
    res.on("close", () => up.destroy());
    if (body) up.end(body);
    else req.pipe(up);
    return up;
  }

  const server = createServer((req, res) => {
    const path = req.url || "";
    const isApi = path.startsWith(API) && req.method !== "OPTIONS";
    if (isApi && apiDown) {
      req.resume();
      return unavailable(req, res);
    }
    if (!path.startsWith(SUBSCRIBE) || req.method !== "POST") {
      forward(req, res);
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      if (refuseStreams) return unavailable(req, res);
      let cursor = readCursor(body);
      if (cursor && nextCursor) {
        cursor = nextCursor;
        nextCursor = null;
        body = withCursor(cursor);
      }
      subscribes.push(cursor);
      const s = { res, up: null };
      streams.add(s);
      res.on("close", () => streams.delete(s));
      s.up = forward(req, res, body);
    });
  });
  server.on("connection", (sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;

  return {
    url,
    subscribes,
    statuses,
    /** How many Subscribe streams are open through the proxy. */
    streams: () => streams.size,
    /** Breaks every open stream's connection, as a lost network does. */
    cutStreams() {
      for (const s of streams) {
        s.up?.destroy();
        s.res.socket?.destroy();
      }
    },
    /** While on, Subscribe gets 503 at once (a proxy that cannot stream). */
    refuseStreams(on) {
      refuseStreams = on;
    },
    /** While on, every API call gets 503; the widget's files still load. */
    apiDown(on) {
      apiDown = on;
    },
    /** The next resumed Subscribe carries this cursor instead of its own. */
    replaceNextCursor(cursor) {
      nextCursor = cursor;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
