// Keeps the visitor on the agents' "visitors now" list while this page is
// open, and opens the chat when an agent starts one (a proactive chat).
//
// Loaded by the chat part, lazily, only when the widget may list the
// visitor: its "track visits" switch is on, the visitor has a session, or
// opened the widget on this page. One VisitorService.Browse stream per page
// view: it ends when the page closes (the visitor leaves the list) and is
// opened again when a single-page site changes its address. The server
// keeps the list in memory; nothing is written per page view.

import { createClient } from "@connectrpc/connect";
import { VisitorService, type VisitorInvitation } from "@livechat/api/visitor_pb";
import type { Host } from "../types";
import { codeOf, transient, visitorTransport, withTimeout } from "./client";
import type { Session } from "./session";

/** A visit ends after this long without a page. */
const VISIT_GAP = 30 * 60000;

interface Visit {
  /** When the visit started and when its last page was seen. */
  s: number;
  l: number;
  /** This browser was here in an earlier visit. */
  r: boolean;
}

export interface Browse {
  /** The visitor opened the widget (lists them when visits are not tracked). */
  opened(): void;
  stop(): void;
}

export function browse(host: Host, session: Session, opened: boolean): Browse {
  const client = createClient(VisitorService, visitorTransport(host.server, () => session.token));
  const { store } = host;
  let key = store.get<string>("vk") || "";
  if (!key) {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    key = btoa(String.fromCharCode(...b)).replace(/[+/=]/g, (c) => (c === "+" ? "-" : c === "/" ? "_" : ""));
    store.set("vk", key);
  }
  const now = Date.now();
  let visit = store.get<Visit>("visit");
  if (!visit || now - visit.l > VISIT_GAP) visit = { s: now, l: now, r: !!visit };
  visit.l = now;
  store.set("visit", visit);

  let ctl: AbortController | null = null;
  let href = "";
  let token = "";
  let delay = 1000;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  function pageURL(): string {
    const t = host.config().visitorTracking || {};
    if (t.pagesOff) return "";
    try {
      const u = new URL(location.href);
      u.hash = "";
      if (!t.keepQueryStrings) u.search = "";
      return u.href;
    } catch {
      return "";
    }
  }

  async function run(): Promise<void> {
    clearTimeout(retry);
    ctl?.abort();
    if (stopped) return;
    const c = (ctl = new AbortController());
    href = location.href;
    token = session.token;
    try {
      const stream = client.browse(
        {
          siteKey: host.siteKey,
          visitorKey: key,
          url: pageURL(),
          title: document.title.slice(0, 200),
          visitMs: BigInt(Math.max(0, Date.now() - visit!.s)),
          returning: visit!.r,
          opened,
          visitorToken: token,
        },
        { signal: c.signal },
      );
      for await (const r of stream) {
        delay = 1000;
        if (r.kind.case === "invitation") void accept(r.kind.value);
      }
    } catch (err) {
      // Refused for good (an origin or widget no longer allowed, a full
      // list): stay off the list on this page.
      if (c.signal.aborted || !transient(codeOf(err))) return;
    }
    if (c === ctl && !stopped) retry = setTimeout(() => void run(), (delay = Math.min(delay * 2, 30000)));
  }

  async function accept(inv: VisitorInvitation): Promise<void> {
    try {
      await session.ensure();
      await withTimeout((o) => client.acceptInvitation({ token: inv.token }, o));
      host.open();
    } catch (err) {
      console.error("LiveChat: could not open the chat an agent started:", err);
    }
  }

  // A new address (single-page sites) or a new session: report again.
  const poll = setInterval(() => {
    if (location.href !== href || session.token !== token) void run();
  }, 1000);
  void run();

  return {
    opened() {
      if (opened) return;
      opened = true;
      void run();
    },
    stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(retry);
      ctl?.abort();
    },
  };
}
