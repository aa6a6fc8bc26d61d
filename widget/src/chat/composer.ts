// The message box: Enter sends (Shift+Enter is a new line, an IME keeps its
// Enter), the draft survives a reload, and agents see the visitor typing.

import type { Host } from "../types";
import { newId, withTimeout, type Api } from "./client";
import { h } from "../dom";
import type { Tray } from "./attach";
import type { EmojiPicker } from "./emoji";
import type { Outbox } from "./outbox";
import type { Session } from "./session";
import type { Thread } from "./thread";
import type { View } from "./view";

/**
 * The longest message the server accepts, in characters (Unicode code
 * points) after trimming: WidgetServiceSendMessageRequest.text in
 * proto/livechat/v1/widget.proto, limits.MessageText on the server. The
 * configuration's limits.messageText, when the server sends it, wins.
 */
export const MESSAGE_TEXT_MAX = 4000;

/** The counter shows from this share of the limit on. */
const COUNT_FROM = 0.9;

/** Characters as the server counts them: code points, not UTF-16 units. */
export function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // The low half of a surrogate pair is part of the character before it.
    if (c < 0xdc00 || c > 0xdfff || i === 0 || (s.charCodeAt(i - 1) & 0xfc00) !== 0xd800) n++;
  }
  return n;
}

export class Composer {
  private typingSent = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private draftTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private host: Host,
    private api: Api,
    private session: Session,
    private thread: Thread,
    private outbox: Outbox,
    private view: View,
  ) {
    const { textarea, composer } = view;
    composer.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
      textarea.focus();
    });
    textarea.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        this.send();
      }
    });
    textarea.addEventListener("input", () => {
      this.grow();
      this.checkLength();
      this.setTyping(!!textarea.value.trim());
      clearTimeout(this.draftTimer);
      this.draftTimer = setTimeout(() => {
        if (textarea.value) host.store.set("draft", textarea.value);
        else host.store.remove("draft");
      }, 300);
    });
    textarea.addEventListener("blur", () => this.setTyping(false));
    // Files: the paperclip (a photo picker or the camera on phones), a
    // pasted screenshot, a drop. The upload code loads on first use.
    const { attachBtn, fileInput } = view;
    attachBtn.setAttribute("aria-label", host.t("attach"));
    attachBtn.title = host.t("attach");
    attachBtn.hidden = !!host.preview;
    attachBtn.addEventListener("click", () => {
      // The kinds this widget accepts (the server judges the content anyway).
      fileInput.accept = host.config().attachmentAccept || "";
      fileInput.click();
    });
    fileInput.addEventListener("change", () => {
      if (fileInput.files?.length) void this.attach(fileInput.files);
      fileInput.value = "";
    });
    textarea.addEventListener("paste", (e) => {
      if (!e.clipboardData?.files.length) return;
      e.preventDefault();
      void this.attach(e.clipboardData.files);
    });
    composer.addEventListener("dragover", (e) => {
      if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
    });
    composer.addEventListener("drop", (e) => {
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      void this.attach(e.dataTransfer.files);
    });
    // Emoji: the picker's code loads the first time it is opened.
    const { emojiBtn } = view;
    emojiBtn.setAttribute("aria-label", host.t("emoji"));
    emojiBtn.title = host.t("emoji");
    emojiBtn.setAttribute("aria-haspopup", "dialog");
    emojiBtn.addEventListener("click", () => void this.openEmoji());
    // Files uploaded before a reload are still waiting to be sent.
    if (host.store.get("files")) void this.loadTray();
    textarea.value = host.store.get<string>("draft") || "";
    this.checkLength();
  }

  private limit(): number {
    return this.host.config().limits?.messageText || MESSAGE_TEXT_MAX;
  }

  /**
   * Shows the counter near the limit and the refusal over it. Reports
   * whether the text may be sent. Nothing is ever cut.
   */
  checkLength(): boolean {
    const { textarea, count, limitErr } = this.view;
    const max = this.limit();
    const n = charCount(textarea.value.trim());
    const over = n > max;
    count.hidden = n < max * COUNT_FROM;
    count.textContent = n + "/" + max;
    count.classList.toggle("lc-over", over);
    limitErr.hidden = !over;
    limitErr.textContent = over ? this.host.t("msgTooLongMax", { n: max }) : "";
    textarea.setAttribute("aria-invalid", over ? "true" : "false");
    return !over;
  }

  private emoji: Promise<EmojiPicker> | undefined;

  /** Opens the emoji picker above the message box; a pick goes in at the caret. */
  private async openEmoji(): Promise<void> {
    const { textarea, composer, emojiBtn } = this.view;
    this.emoji ??= import("./emoji").then(({ EmojiPicker }) => {
      const close = () => {
        picker.el.hidden = true;
        emojiBtn.setAttribute("aria-expanded", "false");
      };
      const picker = new EmojiPicker(
        h,
        () => this.host.lang(),
        (char) => {
          close();
          textarea.focus();
          textarea.setRangeText(char, textarea.selectionStart, textarea.selectionEnd, "end");
          // The draft, the counter and typing follow as if it were typed.
          textarea.dispatchEvent(new Event("input"));
        },
        () => {
          close();
          textarea.focus();
        },
      );
      composer.appendChild(picker.el);
      return picker;
    });
    const picker = await this.emoji;
    emojiBtn.setAttribute("aria-expanded", "true");
    picker.show();
  }

  private tray: Promise<Tray> | undefined;

  /** The tray of files, loading the upload code the first time. */
  private loadTray(): Promise<Tray> {
    this.tray ??= import("./attach").then(({ Tray }) => {
      const tray = new Tray(this.host, () => this.session.token, () => this.view.render());
      this.view.composer.insertBefore(tray.el, this.view.composer.firstChild);
      return tray;
    });
    return this.tray;
  }

  private async attach(files: FileList): Promise<void> {
    const list = Array.from(files);
    // An upload needs the visitor's token.
    await this.session.ensure();
    (await this.loadTray()).add(list);
  }

  private send(): void {
    void this.sendWith();
  }

  private async sendWith(): Promise<void> {
    const { textarea } = this.view;
    const text = textarea.value.trim();
    const tray = this.tray && (await this.tray);
    // Files still uploading go with the message: the outbox waits for them.
    const files = tray?.ready() || [];
    if ((!text && !files.length) || !this.checkLength()) return;
    tray?.clear();
    textarea.value = "";
    this.host.store.remove("draft");
    this.grow();
    this.checkLength();
    this.setTyping(false);
    const it = { c: newId(), t: text, at: Date.now(), ...(files.length ? { f: files } : {}) };
    if (this.host.preview) {
      const { thread } = this;
      thread.msgs.set(it.c, {
        id: it.c,
        conv: thread.conv,
        seq: thread.msgs.size + 1,
        who: "me",
        senderId: "",
        name: "",
        text,
        at: it.at,
        cmid: it.c,
      });
      this.view.render(true);
      return;
    }
    this.outbox.add(it);
    this.view.render(true);
    void this.outbox.flush();
  }

  private grow(): void {
    const { textarea } = this.view;
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight, 120) + "px";
  }

  /** Tells agents the visitor is typing (at most every 3 s), or stopped (after 5 s idle). */
  setTyping(on: boolean): void {
    clearTimeout(this.idleTimer);
    if (!this.session.token || this.host.preview || this.session.stopped) return;
    if (on) {
      this.idleTimer = setTimeout(() => this.setTyping(false), 5000);
      if (Date.now() - this.typingSent < 3000) return;
      this.typingSent = Date.now();
    } else {
      if (!this.typingSent) return;
      this.typingSent = 0;
    }
    void withTimeout((o) => this.api.setTyping({ typing: on }, o)).catch(() => {});
  }

  /** Empties the box: another visitor. */
  clear(): void {
    this.view.textarea.value = "";
    this.checkLength();
  }

  stop(): void {
    clearTimeout(this.idleTimer);
  }
}
