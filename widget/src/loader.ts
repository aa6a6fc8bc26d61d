// widget.js: the small first script a website embeds. It draws the launcher
// and the panel frame inside a shadow root, reads the public configuration
// with one plain GET (no protobuf runtime), and loads the chat part — the
// generated API client and the conversation UI — only when it is needed.

import { h, icon, ICON_CHAT, ICON_CLOSE } from "./dom";
import { browserLang, parseLang, translator, type Lang } from "./i18n";
import { createStore, VISITOR_KEYS } from "./storage";
import { textsFor } from "./texts";
import type { Chat, ChatModule, ConfigJson, Host, Identity } from "./types";

declare const __CHAT__: string;
declare const __CSS__: string;
declare const __VERSION__: string;

interface PreviewJson {
  appearance?: ConfigJson["appearance"];
  prechat?: ConfigJson["prechat"];
  offline?: ConfigJson["offline"];
  translations?: ConfigJson["translations"];
  agentsOnline?: boolean;
}

interface UserConfig {
  siteKey?: string;
  serverUrl?: string;
  locale?: string;
  identity?: Identity;
  preview?: PreviewJson;
}

type EventName = "unread" | "open" | "close";
type Listener = (value?: number) => void;

const w = window as unknown as { LiveChat?: { version?: string }; LiveChatConfig?: UserConfig };

// Loading the script twice (two snippets, a tag manager) must be harmless.
if (!w.LiveChat?.version) start();

function start(): void {
  const script = (document.currentScript ||
    document.querySelector('script[src*="/widget.js"]')) as HTMLScriptElement | null;
  // window.LiveChatConfig, else the tag's own data-site-key, data-locale and
  // data-server-url: a page whose CSP allows no inline script needs nothing
  // but the tag.
  const user: UserConfig = w.LiveChatConfig || {};
  const data = script?.dataset || {};
  const siteKey = String(user.siteKey || data.siteKey || "");
  const server = String(
    user.serverUrl || data.serverUrl || (script?.src ? new URL(".", script.src).href : ""),
  ).replace(/\/+$/, "");
  const preview = user.preview || null;
  const LOG = "LiveChat:";

  // The dashboard preview keeps nothing: it is not a visitor.
  const store = createStore(siteKey, !!preview);
  let config: ConfigJson = preview ? fromPreview(preview) : store.get<ConfigJson>("cfg") || {};
  let haveConfig = !!preview || !!store.get("cfg");
  let langOverride: Lang | null = parseLang(user.locale || data.locale);
  let identity: Identity | null = user.identity && validIdentity(user.identity) ? user.identity : null;
  let isOpen = false;
  // The chat part's stream is down: the header must not promise anyone online.
  let reconnecting = false;
  let unread = 0;
  let chat: Chat | null = null;
  let chatLoad: Promise<Chat | null> | null = null;
  const listeners: Record<string, Set<Listener>> = { unread: new Set(), open: new Set(), close: new Set() };

  const lang = (): Lang => langOverride || parseLang(config.appearance?.locale) || browserLang();
  const t = translator(lang);

  // ---- DOM: one host element, everything else in its shadow root ----
  const hostEl = document.createElement("livechat-widget");
  // CSSOM, not a style attribute, so a strict style-src allows it; inline
  // !important beats any rule of the host page.
  const hs = hostEl.style;
  hs.setProperty("all", "initial", "important");
  // Hidden until both the stylesheet and a configuration are there, so the
  // launcher never flashes unstyled or in the wrong colour.
  hs.setProperty("display", "none", "important");
  for (const [k, v] of [
    ["position", "fixed"],
    ["z-index", "2147483647"],
    ["right", "0"],
    ["bottom", "0"],
    ["width", "0"],
    ["height", "0"],
  ]) {
    hs.setProperty(k, v, "important");
  }
  const shadow = hostEl.attachShadow({ mode: "open" });
  const link = h("link", { rel: "stylesheet", href: server + "/widget.css?v=" + __CSS__ });
  let cssReady = false;

  const label = h("span", { class: "lc-label" });
  const badge = h("span", { class: "lc-badge", "aria-hidden": "true", hidden: true });
  const launcher = h(
    "button",
    { type: "button", class: "lc-launcher", "aria-haspopup": "dialog", "aria-controls": "lc-panel", "aria-expanded": "false" },
    icon(ICON_CHAT),
    h("span", { class: "lc-x lc-shut" }, icon(ICON_CLOSE)),
    label,
    badge,
  );
  const title = h("h2", { class: "lc-title", id: "lc-title" });
  const status = h("p", { class: "lc-status" });
  const closeBtn = h("button", { type: "button", class: "lc-close lc-x" }, icon(ICON_CLOSE));
  const body = h("div", { class: "lc-body" });
  const panel = h(
    "div",
    { class: "lc-panel", id: "lc-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "lc-title", hidden: true },
    h("header", { class: "lc-head" }, h("div", { class: "lc-head-text" }, title, status), closeBtn),
    body,
  );
  const root = h("div", { class: "lc-root" }, panel, launcher);
  shadow.append(link, root);

  link.addEventListener("load", () => {
    cssReady = true;
    reveal();
  });
  link.addEventListener("error", () => console.error(LOG, "could not load", link.href));

  function reveal(): void {
    if (cssReady && haveConfig) hs.setProperty("display", "block", "important");
  }

  function validColor(c?: string): string {
    return c && /^#[0-9a-f]{6}$/i.test(c) ? c : "#2563eb";
  }

  /** Restyles and relabels everything, the chat part included. */
  function refresh(): void {
    apply();
    chat?.refresh();
  }

  /** Restyles and relabels what the loader owns. */
  function apply(): void {
    const a = config.appearance || {};
    const color = validColor(a.primaryColor);
    const n = parseInt(color.slice(1), 16);
    // Text on the brand colour: dark on light colours, white otherwise.
    const lum = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
    // On an element inside the shadow root, where no rule of the page can
    // reach (all: initial does not reset custom properties, so on the host
    // element a page's "livechat-widget { --lc-c: red !important }" would
    // win); important all the same.
    root.style.setProperty("--lc-c", color, "important");
    root.style.setProperty("--lc-on", lum > 0.65 ? "#111827" : "#ffffff", "important");
    root.classList.toggle("lc-left", a.position === "WIDGET_POSITION_BOTTOM_LEFT");
    root.setAttribute("lang", lang());
    const texts = textsFor(config, lang());
    label.textContent = texts.launcherLabel || t("launcher");
    title.textContent = texts.title || t("title");
    status.textContent = reconnecting ? t("reconnecting") : config.agentsOnline ? t("online") : t("away");
    status.classList.toggle("lc-on", !reconnecting && !!config.agentsOnline);
    closeBtn.setAttribute("aria-label", t("closeChat"));
    launcher.setAttribute(
      "aria-label",
      (isOpen ? t("closeChat") : label.textContent) + (unread ? " (" + t("unread", { n: unread }) + ")" : ""),
    );
  }

  // ---- events for the host page ----
  function emit(name: EventName, value?: number): void {
    for (const fn of listeners[name]) {
      try {
        fn(value);
      } catch (e) {
        console.error(LOG, "error in", name, "listener", e);
      }
    }
  }

  function setUnread(n: number): void {
    if (n === unread) return;
    unread = n;
    badge.textContent = n > 99 ? "99+" : String(n);
    badge.hidden = n === 0;
    apply();
    emit("unread", n);
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
      focusFirst();
    });
    focusFirst();
    refreshConfig();
    emit("open");
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
    emit("close");
  }

  function focusables(): HTMLElement[] {
    return Array.from(
      panel.querySelectorAll<HTMLElement>("button,a[href],input,textarea,select,[tabindex]:not([tabindex='-1'])"),
    ).filter((el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0);
  }

  function focusFirst(): void {
    const target = panel.querySelector<HTMLElement>("[data-autofocus]") || closeBtn;
    if (target.getClientRects().length) target.focus();
  }

  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Tab") {
      const f = focusables();
      if (!f.length) return;
      const first = f[0];
      const last = f[f.length - 1];
      const active = shadow.activeElement;
      if (e.shiftKey && (active === first || !panel.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    }
  });
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
      if (!preview && siteKey && Date.now() - lastFetch > 10000) void fetchConfig();
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
  let lastFetch = 0;
  let failures = 0;
  // Set when the server refuses this page for good: the widget is removed.
  let refused = false;
  // Settles once the first configuration read has an answer (or failed for
  // a passing reason, such as the network).
  let markChecked = (): void => {};
  const checked = new Promise<void>((r) => (markChecked = r));
  if (preview) markChecked();

  /** Logs why, then removes the widget from the page for good. */
  function refuse(why: string): void {
    if (refused) return;
    refused = true;
    console.error(LOG, why);
    store.remove("cfg");
    chat?.stop();
    close();
    hostEl.remove();
    markChecked();
  }

  /** Reads the public configuration with a plain Connect GET. */
  async function fetchConfig(): Promise<void> {
    if (refused) return;
    lastFetch = Date.now();
    const url =
      server +
      "/livechat.v1.WidgetService/GetWidgetConfig?connect=v1&encoding=json&message=" +
      encodeURIComponent(JSON.stringify({ siteKey }));
    let res: Response;
    try {
      res = await fetch(url, { credentials: "omit" });
    } catch {
      if (failures++ === 0) console.error(LOG, `could not reach ${server}; retrying.`);
      if (failures < 6) setTimeout(() => void fetchConfig(), 1000 * 2 ** failures);
      markChecked();
      return;
    }
    const data = (await res.json().catch(() => null)) as { config?: ConfigJson; code?: string; message?: string } | null;
    if (refused) return;
    if (res.ok && data) {
      failures = 0;
      hostApi.setConfig(data.config || {});
      markChecked();
      if (!haveConfig) {
        haveConfig = true;
        boot();
      }
      return;
    }
    // A deleted or refused widget disappears, rather than showing a chat
    // that cannot work, and is not asked again.
    const code = data?.code || "http " + res.status;
    const origin = location.origin;
    if (code === "permission_denied") {
      return refuse(
        `this page's origin ${origin} is not allowed to use the widget with site key "${siteKey}", ` +
          `so the chat is not shown. To show it here, add ${origin} to the widget's allowed origins ` +
          `in the livechat dashboard (Widgets).`,
      );
    }
    if (code === "not_found") {
      return refuse(`there is no widget with site key "${siteKey}" on ${server}: check the site key in the embed code.`);
    }
    if (code === "invalid_argument") return refuse(`the site key "${siteKey}" is not valid: ${data?.message || code}.`);
    if (failures++ === 0) console.error(LOG, "could not read the widget configuration:", data?.message || code);
    if (failures < 6) setTimeout(() => void fetchConfig(), 1000 * 2 ** failures);
    markChecked();
  }

  /** Refreshes agents' presence when the panel opens, at most once a minute. */
  function refreshConfig(): void {
    if (!preview && !refused && siteKey && Date.now() - lastFetch > 60000) void fetchConfig();
  }

  // Another tab of the site started a conversation: follow it here too, so
  // the unread badge is live everywhere.
  store.watch((k) => {
    if ((k === "token" || k === "*") && store.get("token")) void loadChat();
  });

  window.addEventListener("online", () => {
    if (!preview && !haveConfig && siteKey) {
      failures = 0;
      void fetchConfig();
    }
  });

  /** Shows the widget once a configuration is known. */
  function boot(): void {
    apply();
    reveal();
    // A visitor with a conversation gets the chat part at once so the unread
    // badge stays live; the preview opens straight away.
    if (preview || store.get("token") || identity) void loadChat();
    if (preview || wantOpen) open();
  }

  let wantOpen = false;

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
    },
    setLocale(l: string): void {
      const p = parseLang(l);
      if (!p && l !== "auto") console.warn(LOG, `unsupported locale "${l}"; use "en", "vi" or "auto".`);
      langOverride = p;
      refresh();
    },
    on(name: EventName, fn: Listener): () => void {
      if (!listeners[name] || typeof fn !== "function") {
        console.error(LOG, `on(): unknown event "${name}"; use "unread", "open" or "close".`);
        return () => {};
      }
      listeners[name].add(fn);
      return () => api.off(name, fn);
    },
    off(name: EventName, fn: Listener): void {
      listeners[name]?.delete(fn);
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
    if (!preview) void fetchConfig();
    window.dispatchEvent(new CustomEvent("livechat:ready"));
  };
  if (document.body) mountPoint();
  else document.addEventListener("DOMContentLoaded", mountPoint);
}

function fromPreview(p: PreviewJson): ConfigJson {
  return {
    appearance: p.appearance,
    prechat: p.prechat,
    offline: p.offline,
    translations: p.translations,
    agentsOnline: p.agentsOnline !== false,
  };
}

function validIdentity(id: Identity | null | undefined): boolean {
  return !!id && typeof id.userId === "string" && !!id.userId && typeof id.hmac === "string" && !!id.hmac;
}
