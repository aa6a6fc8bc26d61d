// The composer's emoji picker, a chunk of its own: loaded the first time a
// visitor opens it, so it costs nobody else a byte. The emoji and their
// names come from @livechat/markdown/emoji, the list the dashboard's picker
// offers. Keyboard-first like the dashboard's: focus starts in the search
// field, the arrow keys move through the grid, Enter inserts, Esc closes
// and gives the focus back to the message box; a click inserts too. Names
// are read in the visitor's language and searched in both. h comes in as
// an argument so the chunk shares no code with the chat part; its texts
// live here.

import { emoji } from "@livechat/markdown/emoji";
import type { h as H } from "../dom";
import type { Lang } from "../i18n";

const texts: Record<Lang, { search: string; none: string; label: string }> = {
  en: { search: "Search emoji", none: "No emoji matches", label: "Emoji" },
  vi: { search: "Tìm biểu tượng cảm xúc", none: "Không có biểu tượng nào khớp", label: "Biểu tượng cảm xúc" },
};

const columns = 8;

// The picker's styles come with it, not in widget.css, so the opened
// widget's budget pays nothing for them. They are adopted as a constructed
// stylesheet: a <style> element would break on host pages whose CSP
// forbids inline styles.
const css =
  ".lc-emoji-pop {position: absolute; bottom: 100%; left: 8px; right: 8px; z-index: 2; padding: 8px; border: 1px solid var(--lc-line); border-radius: 10px; background: #fff; box-shadow: 0 6px 24px rgba(0, 0, 0, 0.15);} .lc-emoji-search {width: 100%; box-sizing: border-box; margin-bottom: 6px; padding: 6px 8px; border: 1px solid var(--lc-line); border-radius: 6px; font: inherit;} .lc-emoji-grid {display: grid; grid-template-columns: repeat(8, 1fr); max-height: 160px; overflow-y: auto;} .lc-emoji-grid button {height: 32px; border-radius: 6px; font-size: 18px;} .lc-emoji-grid button:hover, .lc-emoji-grid [aria-selected=\"true\"] {background: var(--lc-bg); outline: 2px solid var(--lc-c);} .lc-emoji-none {margin: 8px 0; text-align: center; opacity: 0.7;}";

/** The picker: show() opens it; pick receives the chosen emoji, close is told when it closes. */
export class EmojiPicker {
  readonly el: HTMLElement;
  private search: HTMLInputElement;
  private grid: HTMLElement;
  private shown = emoji;
  private active = 0;

  constructor(
    private h: typeof H,
    private lang: () => Lang,
    private pick: (char: string) => void,
    private close: () => void,
  ) {
    this.search = h("input", { class: "lc-emoji-search", role: "combobox", "aria-expanded": "true", "aria-controls": "lc-emoji-grid" });
    this.grid = h("div", { class: "lc-emoji-grid", id: "lc-emoji-grid", role: "listbox" });
    this.el = h("div", { class: "lc-emoji-pop", "data-testid": "emoji-picker" }, this.search, this.grid);
    this.search.addEventListener("input", () => {
      this.active = 0;
      this.render();
    });
    this.search.addEventListener("keydown", (e) => {
      const step = ({ ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns } as Record<string, number>)[e.key];
      if (step) {
        e.preventDefault();
        this.active = Math.max(0, Math.min(this.shown.length - 1, this.active + step));
        this.mark();
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (this.shown[this.active]) this.pick(this.shown[this.active].char);
      } else if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation();
        this.close();
      }
    });
    this.el.addEventListener("focusout", (e) => {
      if (!this.el.contains(e.relatedTarget as Node | null)) this.close();
    });
  }

  private styled = false;

  /** Opens the picker, empty search, focus in the search field. */
  show(): void {
    const root = this.el.getRootNode();
    if (!this.styled && (root instanceof ShadowRoot || root instanceof Document)) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      this.styled = true;
    }
    const t = texts[this.lang()];
    this.search.placeholder = t.search;
    this.search.setAttribute("aria-label", t.search);
    this.grid.setAttribute("aria-label", t.label);
    this.search.value = "";
    this.active = 0;
    this.el.hidden = false;
    this.render();
    this.search.focus();
  }

  private render(): void {
    const lang = this.lang();
    const q = this.search.value.trim().toLocaleLowerCase();
    this.shown = q ? emoji.filter((e) => e.en.includes(q) || e.vi.toLocaleLowerCase().includes(q)) : emoji;
    this.grid.replaceChildren(
      ...(this.shown.length
        ? this.shown.map((e, i) => {
            const name = lang === "vi" ? e.vi : e.en;
            const b = this.h("button", { type: "button", id: "lc-emoji-" + i, role: "option", tabindex: "-1", title: name, "aria-label": name }, e.char);
            // Keep the focus in the search field, so the picker stays open.
            b.addEventListener("mousedown", (ev) => ev.preventDefault());
            b.addEventListener("click", () => this.pick(e.char));
            return b;
          })
        : [this.h("p", { class: "lc-emoji-none" }, texts[lang].none)]),
    );
    this.mark();
  }

  /** Marks the active emoji for the eye and for screen readers. */
  private mark(): void {
    this.grid.querySelectorAll("[role=option]").forEach((b, i) => {
      b.setAttribute("aria-selected", String(i === this.active));
      if (i === this.active) b.scrollIntoView({ block: "nearest" });
    });
    if (this.shown.length) this.search.setAttribute("aria-activedescendant", "lc-emoji-" + this.active);
    else this.search.removeAttribute("aria-activedescendant");
  }
}
