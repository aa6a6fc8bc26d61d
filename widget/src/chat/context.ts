// Tells agents where the visitor is: the page they are on, the pages of
// this visit and, once per session, what their browser says of itself
// (browser, system, kind of device, screen, language, time zone).
//
// It runs inside the chat part, so nothing is recorded before the visitor
// has opened the widget (or had a conversation here before), unless the
// widget's "track visits" switch asks for it: then the chat part loads with
// the page, and the pages seen before the chat starts are kept in the
// browser (never sent) and reported with the session's first report.
// Reports need a visitor session and never start one. Reports are batched (one
// call at most every few seconds) and sent only while the page is open:
// nothing is sent as the page goes away. Query strings and fragments are
// dropped unless the widget keeps query strings; the server applies the
// same rules.

import type { Host } from "../types";
import { callJSON, codeOf, transient, withTimeout } from "./client";
import type { Session } from "./session";

/** How long a new page waits for others before it is sent, and the least time between two reports. */
const BATCH_MS = 1500;
const GAP_MS = 5000;
/** How often a single-page site's address is looked at. */
const POLL_MS = 1000;
/** The most pages in one report (the server's limit). */
const MAX_PAGES = 20;

interface Seen {
  url: string;
  title: string;
  at: number;
}

export interface ContextReporter {
  /** The session started or changed: report at once (with the device for a new token). */
  started(): void;
  stop(): void;
}

export function startContext(host: Host, session: Session): ContextReporter {
  const tracking = () => host.config().visitorTracking || {};
  // Pages not yet reported; kept across pages only while there is no session
  // and the widget tracks visits.
  let queue: Seen[] = tracking().trackVisits ? host.store.get<Seen[]>("ctxq") || [] : [];
  let referrer = document.referrer;
  let lastHref = "";
  let lastSent = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let sending = false;
  let stopped = false;

  function clean(href: string): string {
    try {
      const u = new URL(href);
      if (u.protocol !== "http:" && u.protocol !== "https:") return "";
      u.hash = "";
      if (!tracking().keepQueryStrings) u.search = "";
      return u.href;
    } catch {
      return "";
    }
  }

  function look(): void {
    if (stopped || tracking().pagesOff) return;
    const href = location.href;
    if (href === lastHref) return;
    lastHref = href;
    const url = clean(href);
    if (!url) return;
    queue.push({ url, title: document.title.slice(0, 200), at: Date.now() });
    if (queue.length > MAX_PAGES) queue = queue.slice(-MAX_PAGES);
    keep();
    schedule(BATCH_MS);
  }

  /** Keeps the unsent pages for the next page of the visit, before the chat starts. */
  function keep(): void {
    if (!session.token && tracking().trackVisits) host.store.set("ctxq", queue);
    else host.store.remove("ctxq");
  }

  function schedule(delay: number): void {
    if (stopped || timer) return;
    const wait = Math.max(delay, lastSent + GAP_MS - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, wait);
  }

  async function flush(): Promise<void> {
    if (stopped || sending || host.preview || document.visibilityState === "hidden") return;
    const deviceDue = !!session.token && host.store.get<string>("ctxdev") !== session.token;
    if (!queue.length && !deviceDue && !(session.token && referrer)) return;
    if (!session.token) return; // reported once the chat starts
    const pages = queue;
    queue = [];
    keep();
    const token = session.token;
    const withDevice = host.store.get<string>("ctxdev") !== token;
    sending = true;
    lastSent = Date.now();
    try {
      await withTimeout((o) =>
        callJSON(
          host.server,
          "CustomerService/ReportVisitorContext",
          token,
          {
            pages: pages.map((p) => ({ url: p.url, title: p.title, msAgo: Math.min(Date.now() - p.at, 600000) })),
            referrer: referrer ? clean(referrer) : "",
            device: withDevice ? device() : undefined,
          },
          o,
        ),
      );
      referrer = "";
      if (withDevice) host.store.set("ctxdev", token);
    } catch (err) {
      // The network or the server's load: try again with the pages kept.
      if (transient(codeOf(err))) {
        queue = pages.concat(queue).slice(-MAX_PAGES);
        keep();
        schedule(GAP_MS);
      }
    } finally {
      sending = false;
    }
    if (queue.length) schedule(BATCH_MS);
  }

  const poll = setInterval(look, POLL_MS);
  const onNav = () => look();
  window.addEventListener("popstate", onNav);
  window.addEventListener("hashchange", onNav);
  const onVisible = () => {
    if (document.visibilityState === "visible") schedule(BATCH_MS);
  };
  document.addEventListener("visibilitychange", onVisible);
  look();
  if (!queue.length) schedule(0); // the device, even with pages off

  return {
    started() {
      schedule(0);
    },
    stop() {
      stopped = true;
      clearInterval(poll);
      clearTimeout(timer);
      window.removeEventListener("popstate", onNav);
      window.removeEventListener("hashchange", onNav);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}

/** What the browser says of itself: read, not guessed from the address. */
function device() {
  const ua = navigator.userAgent;
  const pick = (re: RegExp, name: string) => {
    const m = ua.match(re);
    return m ? name + (m[1] ? " " + m[1] : "") : "";
  };
  const browser =
    pick(/Edg\/(\d+)/, "Edge") ||
    pick(/OPR\/(\d+)/, "Opera") ||
    pick(/Firefox\/(\d+)/, "Firefox") ||
    pick(/(?:Chrome|CriOS)\/(\d+)/, "Chrome") ||
    pick(/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari/, "Safari");
  const os =
    pick(/Android (\d+)/, "Android") ||
    pick(/(?:iPhone|iPad|iPod).* OS (\d+)/, "iOS") ||
    pick(/Windows NT/, "Windows") ||
    pick(/CrOS/, "ChromeOS") ||
    pick(/Mac OS X/, "macOS") ||
    pick(/Linux/, "Linux");
  const deviceType = /iPad|Tablet/.test(ua) || (/Android/.test(ua) && !/Mobile/.test(ua)) ? "tablet" : /Mobi|iPhone/.test(ua) ? "mobile" : "desktop";
  let timeZone = "";
  try {
    timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    // An old browser without time zone support says nothing.
  }
  return {
    browser: browser.slice(0, 64),
    os: os.slice(0, 64),
    deviceType,
    screenWidth: screen.width | 0,
    screenHeight: screen.height | 0,
    language: (navigator.language || "").slice(0, 64),
    timeZone: timeZone.slice(0, 64),
  };
}
