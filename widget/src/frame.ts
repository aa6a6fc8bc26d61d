// The widget's frame on the host page: one host element, everything else in
// its shadow root — the launcher, the panel with its header, and the body
// the chat part fills — plus the brand colours and keeping focus inside the
// open panel.

import { h, icon, ICON_CHAT, ICON_CLOSE } from "./dom";

export interface Frame {
  hostEl: HTMLElement;
  shadow: ShadowRoot;
  /** The stylesheet, linked inside the shadow root. */
  link: HTMLLinkElement;
  root: HTMLElement;
  launcher: HTMLButtonElement;
  label: HTMLElement;
  badge: HTMLElement;
  panel: HTMLElement;
  title: HTMLElement;
  status: HTMLElement;
  closeBtn: HTMLButtonElement;
  /** The panel's body, which the chat part owns. */
  body: HTMLElement;
}

export function createFrame(cssHref: string): Frame {
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
  const link = h("link", { rel: "stylesheet", href: cssHref });

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
  return { hostEl, shadow, link, root, launcher, label, badge, panel, title, status, closeBtn, body };
}

/** Shows the host element. */
export function reveal(f: Frame): void {
  f.hostEl.style.setProperty("display", "block", "important");
}

/**
 * The brand colour (a configured #rrggbb, else the default blue) and the
 * text colour on it: dark on light colours, white otherwise.
 */
export function brandColors(primary?: string): { color: string; on: string } {
  const color = primary && /^#[0-9a-f]{6}$/i.test(primary) ? primary : "#2563eb";
  const n = parseInt(color.slice(1), 16);
  const lum = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return { color, on: lum > 0.65 ? "#111827" : "#ffffff" };
}

/** Focuses the field the chat part marked, else the close button. */
export function focusFirst(f: Frame): void {
  const target = f.panel.querySelector<HTMLElement>("[data-autofocus]") || f.closeBtn;
  if (target.getClientRects().length) target.focus();
}

/** Keeps Tab inside the open panel; Escape calls close. */
export function trapFocus(f: Frame, close: () => void): void {
  const { panel, shadow } = f;
  const focusables = (): HTMLElement[] =>
    Array.from(
      panel.querySelectorAll<HTMLElement>("button,a[href],input,textarea,select,[tabindex]:not([tabindex='-1'])"),
    ).filter((el) => !(el as HTMLButtonElement).disabled && el.getClientRects().length > 0);
  panel.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      close();
    } else if (e.key === "Tab") {
      const all = focusables();
      if (!all.length) return;
      const first = all[0];
      const last = all[all.length - 1];
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
}
