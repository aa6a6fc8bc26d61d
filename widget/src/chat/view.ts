// The conversation's DOM: the messages, unsent messages with their state,
// the typing line, the reconnecting banner and "show earlier". Rendering
// reuses each line while it is unchanged, so that a visitor's text
// selection survives incoming events.

import { SystemEventKind } from "@livechat/api/conversation_pb";
import { h, icon, ICON_ATTACH, ICON_SEND } from "../dom";
import type { Key } from "../i18n";
import type { Host } from "../types";
import type { Edits } from "./edit";
import type { Item, Outbox } from "./outbox";
import { filesEl } from "./files";
import { refusalText } from "./reasons";
import { render as markdown } from "@livechat/markdown";
import type { Msg, Thread } from "./thread";

/** The text of a system line ("Lan joined the conversation"), in the visitor's language. */
export function sysText(m: Msg, t: Host["t"]): string {
  const s = m.sys;
  if (!s) return m.text;
  const vars = { actor: s.actor || t("agent"), target: s.target || t("agent") };
  const k: Key | null =
    s.kind === SystemEventKind.CLAIMED
      ? "claimed"
      : s.kind === SystemEventKind.ASSIGNED
        ? s.actor && s.actor !== s.target
          ? "assigned"
          : "assignedTo"
        : s.kind === SystemEventKind.RESOLVED
          ? "resolved"
          : s.kind === SystemEventKind.CLOSED
            ? "closed"
            : s.kind === SystemEventKind.REOPENED
              ? "reopened"
              : s.kind === SystemEventKind.HANDED_OFF
                ? "handedOff"
                : null;
  return k ? t(k, vars) : m.text;
}

export class View {
  readonly banner = h("div", { class: "lc-banner", role: "status", hidden: true });
  readonly more = h("button", { type: "button", class: "lc-more", hidden: true });
  readonly intro = h("div", { class: "lc-intro" });
  readonly list = h("div", { class: "lc-list" });
  // In the log, right under the greeting: one scrolling column, no empty
  // area between the two.
  readonly prechatBox = h("div", { class: "lc-prechat-box" });
  readonly typing = h("div", { class: "lc-typing", hidden: true, "aria-live": "polite" });
  readonly log = h(
    "div",
    { class: "lc-log", role: "log", "aria-live": "polite", tabindex: "-1" },
    this.more,
    this.intro,
    this.prechatBox,
    this.list,
    this.typing,
  );
  // No maxlength: the browser would cut a long paste silently. The composer
  // counts instead, and refuses to send over the limit.
  readonly textarea = h("textarea", { class: "lc-input", rows: "1", "data-autofocus": true, "aria-describedby": "lc-limit" });
  readonly sendBtn = h("button", { type: "submit", class: "lc-send" }, icon(ICON_SEND));
  readonly attachBtn = h("button", { type: "button", class: "lc-attach" }, icon(ICON_ATTACH));
  readonly emojiBtn = h("button", { type: "button", class: "lc-emoji", "data-testid": "emoji-open" }, "🙂");
  readonly fileInput = h("input", { type: "file", multiple: true, hidden: true });
  /** "3650/4000" near the limit, and why sending is refused over it. */
  readonly count = h("span", { class: "lc-count", hidden: true });
  readonly limitErr = h("span", { class: "lc-err", role: "alert", hidden: true });
  readonly composer = h(
    "form",
    { class: "lc-composer" },
    this.fileInput,
    this.attachBtn,
    this.emojiBtn,
    this.textarea,
    this.sendBtn,
    h("div", { class: "lc-limit", id: "lc-limit" }, this.limitErr, this.count),
  );

  /** The agent typing now, "" when nobody. */
  typingName = "";
  /** Editing and deleting the visitor's own messages (edit.ts, loaded by needEdits). */
  edits?: Edits;
  /** Asks for edits once a message of the visitor's can still be changed. */
  needEdits?: () => void;

  private formats = new Map<string, Intl.DateTimeFormat>();
  // Rendered lines by message id (or "p" + client_message_id while pending).
  private cache = new Map<string, { sig: string; el: HTMLElement }>();

  constructor(
    private host: Host,
    private thread: Thread,
    private outbox: Outbox,
    /** Called after each render: the unread count and read marker follow what is shown. */
    private rendered: () => void,
  ) {
    host.body.replaceChildren(this.banner, this.log, this.composer);
  }

  private fmtTime(at: number): string {
    const lang = this.host.lang();
    const d = new Date(at);
    const key = lang + (d.toDateString() === new Date().toDateString() ? "t" : "d");
    let f = this.formats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(lang, {
        hour: "numeric",
        minute: "2-digit",
        ...(key.endsWith("t") ? {} : { day: "numeric", month: "short" }),
      });
      this.formats.set(key, f);
    }
    return f.format(d);
  }

  private cached(key: string, sig: string, make: () => HTMLElement): HTMLElement {
    const c = this.cache.get(key);
    if (c && c.sig === sig) return c.el;
    const el = make();
    this.cache.set(key, { sig, el });
    return el;
  }

  /** Renders the thread and the outbox; scroll: to the bottom (else only if it was there). */
  render(scroll?: boolean): void {
    const { log, list, host, thread } = this;
    const t = host.t;
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const items = thread.sorted();
    const pending = this.outbox.items();
    const lastMine = [...items].reverse().find((m) => m.who === "me");
    const nodes: HTMLElement[] = [];
    const keep = new Set<string>();
    let prev = "";
    for (const m of items) {
      keep.add(m.id);
      if (m.who === "sys") {
        const text = sysText(m, t);
        nodes.push(this.cached(m.id, text, () => h("p", { class: "lc-sys" }, text)));
        prev = "";
        continue;
      }
      const key = m.who + m.senderId;
      const showName = m.who === "agent" && prev !== key;
      const meta =
        this.fmtTime(m.at) +
        (m.del ? " · " + t("deleted") : m.ed ? " · " + t("edited") : "") +
        (m === lastMine && m.seq <= thread.agentRead ? " · " + t("seen") : "");
      const edits = this.edits;
      if (!edits && m.who === "me" && (m.until || 0) > Date.now()) this.needEdits?.();
      nodes.push(
        this.cached(m.id, meta + showName + host.lang() + m.text + (edits?.sig(m) ?? ""), () =>
          h(
            "div",
            { class: "lc-msg lc-" + m.who + (m.del ? " lc-del" : "") },
            showName
              ? h("div", { class: "lc-name" }, m.av ? h("img", { class: "lc-av", src: host.server + m.av, alt: "" }) : null, m.name || t("agent"))
              : null,
            edits?.editor(m) ??
              (m.del
                ? h("div", { class: "lc-bubble" }, t("deletedText"))
                : m.text
                  ? h("div", { class: "lc-bubble lc-md", dir: "auto" }, markdown(m.text))
                  : null),
            m.del ? null : filesEl(m.files, host.server),
            h("div", { class: "lc-meta" }, meta, ...(edits?.actions(m) ?? [])),
          ),
        ),
      );
      prev = key;
    }
    for (const it of pending) {
      keep.add("p" + it.c);
      nodes.push(
        this.cached("p" + it.c, JSON.stringify(it.err || "") + this.outbox.waiting + host.lang(), () =>
          this.pendingLine(it),
        ),
      );
    }
    for (const k of this.cache.keys()) if (!keep.has(k)) this.cache.delete(k);
    // Touch the DOM only where the sequence changed.
    nodes.forEach((el, i) => {
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
    });
    while (list.children.length > nodes.length) list.lastElementChild?.remove();
    this.more.hidden = !thread.hasMore;
    this.typing.hidden = !this.typingName;
    this.typing.textContent = this.typingName ? t("typing", { name: this.typingName }) : "";
    // The pre-chat form is read from the top, under the greeting; its
    // button stays in view by itself.
    if ((scroll || atBottom) && !this.prechatBox.firstChild) log.scrollTop = log.scrollHeight;
    this.rendered();
  }

  private pendingLine(it: Item): HTMLElement {
    const t = this.host.t;
    const meta = h("div", { class: "lc-meta" });
    if (it.err) {
      const retry = h("button", { type: "button", class: "lc-link" }, t("retry"));
      const remove = h("button", { type: "button", class: "lc-link" }, t("remove"));
      retry.addEventListener("click", () => this.outbox.retry(it.c));
      remove.addEventListener("click", () => {
        this.outbox.remove(it.c);
        this.render();
      });
      const why = refusalText(it.err, t);
      meta.append(t("failed") + (why ? ": " + why : "") + " · ", retry, " · ", remove);
    } else {
      const w = this.outbox.waiting;
      meta.textContent = t(w || "sending");
    }
    return h(
      "div",
      { class: "lc-msg lc-me lc-pending" + (it.err ? " lc-failed" : "") },
      it.t ? h("div", { class: "lc-bubble lc-md", dir: "auto" }, markdown(it.t)) : null,
      filesEl(it.f, this.host.server),
      meta,
    );
  }

  /** Shows "Reconnecting…" once the stream has been down for a moment. */
  renderBanner(down: boolean): void {
    this.banner.hidden = !down;
    this.banner.textContent = this.host.t("reconnecting");
    this.host.setReconnecting(down);
  }

  /** Keeps the scroll position while older messages are added above. */
  async prepend(load: () => Promise<void>): Promise<void> {
    const fromBottom = this.log.scrollHeight - this.log.scrollTop;
    this.more.disabled = true;
    try {
      await load();
      this.render();
      this.log.scrollTop = this.log.scrollHeight - fromBottom;
    } catch {
      /* the button stays for another try */
    } finally {
      this.more.disabled = false;
    }
  }
}
