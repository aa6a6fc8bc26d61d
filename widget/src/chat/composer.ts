// The message box: Enter sends (Shift+Enter is a new line, an IME keeps its
// Enter), the draft survives a reload, and agents see the visitor typing.

import type { Host } from "../types";
import { newId, withTimeout, type Api } from "./client";
import type { Outbox } from "./outbox";
import type { Session } from "./session";
import type { Thread } from "./thread";
import type { View } from "./view";

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
      this.setTyping(!!textarea.value.trim());
      clearTimeout(this.draftTimer);
      this.draftTimer = setTimeout(() => {
        if (textarea.value) host.store.set("draft", textarea.value);
        else host.store.remove("draft");
      }, 300);
    });
    textarea.addEventListener("blur", () => this.setTyping(false));
    textarea.value = host.store.get<string>("draft") || "";
  }

  private send(): void {
    const { textarea } = this.view;
    const text = textarea.value.trim();
    if (!text) return;
    textarea.value = "";
    this.host.store.remove("draft");
    this.grow();
    this.setTyping(false);
    const it = { c: newId(), t: text, at: Date.now() };
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
  }

  stop(): void {
    clearTimeout(this.idleTimer);
  }
}
