// widget.js: the small first script a website embeds. It draws the launcher
// and the panel frame inside a shadow root (frame.ts), reads the public
// configuration with one plain GET (remote-config.ts, no protobuf runtime),
// offers window.LiveChat, and loads the chat part — the generated API client
// and the conversation UI — only when it is needed.

import { fromPreview, readEmbed, validIdentity, type PreviewJson, type UserConfig } from "./embed";
import { Events, type EventName, type Listener } from "./events";
import { brandColors, createFrame, focusFirst, reveal as show, trapFocus } from "./frame";
import { h } from "./dom";
import { browserLang, parseLang, translator, type Lang } from "./i18n";
import { ConfigReader } from "./remote-config";
import { createStore, VISITOR_KEYS } from "./storage";
import { isOnline } from "./hours";
import { textsFor } from "./texts";
import type { Chat, ChatModule, ConfigJson, Host, Identity } from "./types";

declare const __CHAT__: string;
declare const __CSS__: string;
declare const __VERSION__: string;

const w = window as unknown as { LiveChat?: { version?: string }; LiveChatConfig?: UserConfig };

// Loading the script twice (two snippets, a tag manager) must be harmless.
if (!w.LiveChat?.version) start();

function start(): void {
  const script = (document.currentScript ||
    document.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement | null;
  const embed = readEmbed(w.LiveChatConfig || {}, script);
  const { siteKey, server, preview } = embed;
  const LOG = "LiveChat:";

  // The dashboard preview keeps nothing: it is not a visitor.
  const store = createStore(siteKey, !!preview);
  let config: ConfigJson = preview ? fromPreview(preview) : store.get<ConfigJson>("cfg") || {};
  let haveConfig = !!preview || !!store.get("cfg");
  let langOverride: Lang | null = parseLang(embed.locale);
  let identity: Identity | null = embed.identity;
  let isOpen = false;
  // The chat part's stream is down: the header must not promise anyone online.
  let reconnecting = false;
  let unread = 0;
  let chat: Chat | null = null;
  let chatLoad: Promise<Chat | null> | null = null;
  const events = new Events();

  const lang = (): Lang => langOverride || parseLang(config.appearance?.locale) || browserLang();
  const t = translator(lang);

  // ---- DOM: one host element, everything else in its shadow root ----
  const frame = createFrame(server + "/widget.css?v=" + __CSS__);
  const { hostEl, shadow, link, root, launcher, label, badge, panel, title, status, closeBtn, body } = frame;
  let cssReady = false;
  link.addEventListener("load", () => {
    cssReady = true;
    reveal();
  });
  link.addEventListener("error", () => console.error(LOG, "could not load", link.href));

  function reveal(): void {
    if (cssReady && haveConfig) show(frame);
  }

  /** Restyles and relabels everything, the chat part included. */
  function refresh(): void {
    apply();
    chat?.refresh();
  }

  /** Restyles and relabels what the loader owns. */
  function apply(): void {
    const a = config.appearance || {};
    const { color, on } = brandColors(a.primaryColor);
    // On an element inside the shadow root, where no rule of the page can
    // reach (all: initial does not reset custom properties, so on the host
    // element a page's "livechat-widget { --lc-c: red !important }" would
    // win); important all the same.
    root.style.setProperty("--lc-c", color, "important");
    root.style.setProperty("--lc-on", on, "important");
    root.classList.toggle("lc-left", a.position === "WIDGET_POSITION_BOTTOM_LEFT");
    root.setAttribute("lang", lang());
    const texts = textsFor(config, lang());
    label.textContent = texts.launcherLabel || t("launcher");
    title.textContent = texts.title || t("title");
    // Online: "Lan and 2 others are here", with their avatars.
    const here = !reconnecting && isOnline(config);
    const faces = (here && config.onlineAgents) || [];
    const n = config.onlineAgentCount || 1;
    status.replaceChildren(
      ...faces.flatMap((a) => (a.avatarUrl ? [h("img", { class: "lc-av", src: server + a.avatarUrl, alt: "" })] : [])),
      reconnecting ? t("reconnecting") : faces[0]?.name ? t("here", { n, m: n - 1, name: faces[0].name }) : here ? t("online") : t("away"),
    );
    status.classList.toggle("lc-on", here);
    closeBtn.setAttribute("aria-label", t("closeChat"));
    launcher.setAttribute(
      "aria-label",
      (isOpen ? t("closeChat") : label.textContent) + (unread ? " (" + t("unread", { n: unread }) + ")" : ""),
    );
  }

  function setUnread(n: number): void {
    if (n === unread) return;
    unread = n;
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    apply();
    events.emit("unread", n);
  }

  // ---- open / close, focus kept in the open panel ----
  function open(): void {
    if (isOpen) return;
    isOpen = true;
    panel.hidden = false;
    root.classList.add("lc-open");
    launcher.setAttribute("aria-expanded", "true");
    apply();
    void loadChat().then((c) => {
      if (!isOpen) return;
      c?.shown();
      focusFirst(frame);
    });
    focusFirst(frame);
    refreshConfig();
    events.emit("open");
  }

  function close(): void {
    if (!isOpen) return;
    const hadFocus = panel.contains(shadow.activeElement);
    isOpen = false;
    panel.hidden = true;
    root.classList.remove("lc-open");
    launcher.setAttribute("aria-expanded", "false");
    apply();
    if (hadFocus) launcher.focus();
    events.emit("close");
  }

  trapFocus(frame, close);
  closeBtn.addEventListener("click", close);
  launcher.addEventListener("click", () => (isOpen ? close() : open()));
  // Warm the chat part up as soon as the visitor shows intent.
  launcher.addEventListener("pointerenter", () => void loadChat());
  launcher.addEventListener("focus", () => void loadChat());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && isOpen) chat?.shown();
  });

  // ---- the chat part ----
  const chunkUrl = server + "/widget-assets/" + __CHAT__;

  const hostApi: Host = {
    server,
    siteKey,
    preview: !!preview,
    config: () => config,
    setConfig(c) {
      config = c;
      if (!preview) store.set("cfg", c);
      refresh();
    },
    identity: () => identity,
    store,
    t,
    lang,
    body,
    seen: () => isOpen && document.visibilityState === "visible",
    setUnread,
    setReconnecting(on) {
      if (on === reconnecting) return;
      reconnecting = on;
      apply();
    },
    open,
    recheck() {
      if (!preview && siteKey) reader.refreshIfOlder(10000);
    },
  };

  function loadChat(): Promise<Chat | null> {
    if (!haveConfig || refused) return Promise.resolve(null);
    if (!chatLoad) {
      body.replaceChildren(h("p", { class: "lc-note" }, t("loading")));
      // Not before the server has had its say on this page: a cached
      // configuration shows the launcher at once, but a page the widget no
      // longer allows must not start a session.
      chatLoad = checked.then(() => (refused ? null : (import(chunkUrl) as Promise<ChatModule>))).then(
        (m) => {
          if (!m || refused) return null;
          chat = m.mount(hostApi);
          return chat;
        },
        (err: unknown) => {
          console.error(LOG, "could not load", chunkUrl, err);
          chatLoad = null;
          const retry = h("button", { type: "button", class: "lc-btn" }, t("retry"));
          retry.addEventListener("click", () => void loadChat().then((c) => c?.shown()));
          body.replaceChildren(h("div", { class: "lc-note" }, h("p", null, t("loadFailed")), retry));
          return null;
        },
      );
    }
    return chatLoad;
  }

  // ---- configuration ----
  // Set when the server refuses this page for good: the widget is removed.
  let refused = false;
  const reader = new ConfigReader({
    server,
    siteKey,
    got(c) {
      hostApi.setConfig(c);
      if (!haveConfig) {
        haveConfig = true;
        boot();
      }
    },
    refuse,
    refused: () => refused,
  });
  const checked = reader.checked;
  if (preview) reader.settle();

  /** Logs why, then removes the widget from the page for good. */
  function refuse(why: string): void {
    if (refused) return;
    refused = true;
    console.error(LOG, why);
    store.remove("cfg");
    chat?.stop();
    close();
    hostEl.remove();
    reader.settle();
  }

  /** Refreshes agents' presence when the panel opens, at most once a minute. */
  function refreshConfig(): void {
    if (!preview && siteKey) reader.refreshIfOlder(60000);
  }

  // Another tab of the site started a conversation: follow it here too, so
  // the unread badge is live everywhere.
  store.watch((k) => {
    if ((k === "token" || k === "*") && store.get("token")) void loadChat();
  });

  window.addEventListener("online", () => {
    if (!preview && !haveConfig && siteKey) reader.retryNow();
  });

  /** Shows the widget once a configuration is known. */
  function boot(): void {
    apply();
    reveal();
    // A visitor with a conversation gets the chat part at once so the unread
    // badge stays live; the preview opens straight away.
    // "Track visits" reports pages before the chat is opened: the chat part
    // carries the reporter.
    if (preview || store.get("token") || identity || config.visitorTracking?.trackVisits) void loadChat();
    if (preview || wantOpen) open();
    triggers();
    setInterval(triggers, 1000);
  }

  let wantOpen = false;

  // ---- automatic messages: after N seconds on a matching page ----
  // Evaluated here, in the browser; nothing is sent. Each trigger shows at
  // most once per browser tab session, and never over an open panel or
  // unread replies.
  const greet = h("p", { class: "lc-trigger", role: "status", hidden: true });
  panel.insertBefore(greet, body);
  let trigPath: string | null = null;
  let trigTimers: ReturnType<typeof setTimeout>[] = [];
  function triggers(): void {
    if (preview || location.pathname === trigPath) return;
    trigPath = location.pathname;
    trigTimers.forEach(clearTimeout);
    trigTimers = [];
    (config.visitorTracking?.triggers || []).forEach((tr, i) => {
      const re = "^" + (tr.urlPattern || "").split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*") + "$";
      if (new RegExp(re).test(trigPath!)) trigTimers.push(setTimeout(() => fire(tr, "lc-t" + siteKey + i + tr.urlPattern), (tr.delaySeconds || 0) * 1000));
    });
  }
  function fire(tr: { textEn?: string; textVi?: string }, k: string): void {
    try {
      if (isOpen || unread || sessionStorage.getItem(k)) return;
      sessionStorage.setItem(k, "1");
    } catch {
      // Storage refused: show it all the same.
    }
    greet.textContent = (lang() === "vi" ? tr.textVi || tr.textEn : tr.textEn || tr.textVi) || "";
    greet.hidden = false;
    open();
  }

  // ---- the public API: the only global ----
  const api = {
    version: __VERSION__,
    open(): void {
      if (haveConfig) open();
      else wantOpen = true;
    },
    close(): void {
      wantOpen = false;
      close();
    },
    toggle(): void {
      if (isOpen || wantOpen) api.close();
      else api.open();
    },
    identify(id: Identity): void {
      if (!validIdentity(id)) {
        console.error(LOG, "identify() needs { userId, hmac } as strings.");
        return;
      }
      identity = { userId: id.userId, hmac: id.hmac, name: id.name, email: id.email };
      if (chat) chat.identify(identity);
      else void loadChat();
      // identify({ …, attributes }) sets them too, once verified.
      const attrs = (id as { attributes?: Record<string, unknown> }).attributes;
      if (attrs) api.setAttributes(attrs);
    },
    setAttributes(attrs: Record<string, unknown>): void {
      const clean: Record<string, string> = {};
      for (const [k, v] of Object.entries(attrs && typeof attrs === "object" ? attrs : {})) {
        if (v == null) clean[k] = "";
        else if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") clean[k] = String(v);
      }
      void loadChat().then((c) => c?.setAttributes(clean));
    },
    setLocale(l: string): void {
      const p = parseLang(l);
      if (!p && l !== "auto") console.warn(LOG, `unsupported locale "${l}"; use "en", "vi" or "auto".`);
      langOverride = p;
      refresh();
    },
    on(name: EventName, fn: Listener): () => void {
      if (!events.on(name, fn)) {
        console.error(LOG, `on(): unknown event "${name}"; use "unread", "open" or "close".`);
        return () => {};
      }
      return () => api.off(name, fn);
    },
    off(name: EventName, fn: Listener): void {
      events.off(name, fn);
    },
    shutdown(): void {
      identity = null;
      close();
      if (chat) chat.shutdown();
      else for (const k of VISITOR_KEYS) store.remove(k);
      setUnread(0);
    },
    /** Dashboard preview: shows other unsaved settings without a reload. */
    updatePreview(p: PreviewJson): void {
      if (!preview) return;
      hostApi.setConfig(fromPreview(p));
    },
  };
  (window as unknown as { LiveChat: typeof api }).LiveChat = api;

  if (!preview && !siteKey) {
    console.error(
      LOG,
      'no site key: add data-site-key="…" to the widget.js script tag, or set window.LiveChatConfig = { siteKey: "…" } before it.',
    );
    return;
  }
  if (!server) {
    console.error(LOG, "cannot tell the server URL: set window.LiveChatConfig.serverUrl.");
    return;
  }

  const mountPoint = (): void => {
    document.documentElement.append(hostEl);
    if (haveConfig) boot();
    if (!preview) void reader.fetch();
    window.dispatchEvent(new CustomEvent("livechat:ready"));
  };
  if (document.body) mountPoint();
  else document.addEventListener("DOMContentLoaded", mountPoint);
}
