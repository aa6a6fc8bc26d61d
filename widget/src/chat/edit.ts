// The visitor edits or deletes their own message while the server allows
// it (the message's editable_until): "Edit" turns the bubble into a text
// box (Enter saves, Esc cancels), "Delete" asks once more. The server's
// answer, and the MESSAGE_UPDATED event every tab gets, update the thread.

import type { Message } from "@livechat/api/conversation_pb";
import { ErrorReason } from "@livechat/api/errors_pb";
import { h } from "../dom";
import type { Host } from "../types";
import { withTimeout, type Api } from "./client";
import { detailOf, refusalText, sendRefusal } from "./reasons";
import type { Msg, Thread } from "./thread";

export class Edits {
  /** The message being edited, "" when none. */
  private editing = "";
  /** The message whose deletion awaits a second click. */
  private confirming = "";
  /** Why the last change of `editing` (or `confirming`) was refused. */
  private err = "";
  /** What the visitor has typed in the box: the line is drawn again when
   * anything of the message changes (it is seen, a reply arrives), and a
   * new box must not lose it. */
  private draft = "";

  constructor(
    private host: Host,
    private api: Api,
    private thread: Thread,
    private render: () => void,
  ) {}

  /** Whether the visitor may still change m. */
  can(m: Msg): boolean {
    return m.who === "me" && !m.del && !!m.until && m.until > Date.now();
  }

  /** What the rendered line of m depends on here. */
  sig(m: Msg): string {
    if (!this.can(m)) return "";
    return "c" + (this.editing === m.id ? "e" : "") + (this.confirming === m.id ? "d" : "") + this.err;
  }

  /** The text box that stands in for m's bubble while it is edited, else null. */
  editor(m: Msg): HTMLElement | null {
    if (this.editing !== m.id || !this.can(m)) return null;
    const t = this.host.t;
    const box = h("textarea", { class: "lc-input lc-edit-input", rows: "2", "aria-label": t("editMsg") });
    box.value = this.draft;
    box.addEventListener("input", () => (this.draft = box.value));
    const save = () => {
      const text = box.value.trim();
      if (text && text !== m.text) void this.change(m, text);
      else this.stop();
    };
    box.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.preventDefault();
        e.stopPropagation(); // the widget closes on Esc otherwise
        this.stop();
      } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        save();
      }
    });
    const ok = h("button", { type: "button", class: "lc-link" }, t("save"));
    const cancel = h("button", { type: "button", class: "lc-link" }, t("cancel"));
    ok.addEventListener("click", save);
    cancel.addEventListener("click", () => this.stop());
    queueMicrotask(() => {
      box.focus();
      box.setSelectionRange(box.value.length, box.value.length);
    });
    return h("div", { class: "lc-edit" }, box, this.err ? h("div", { class: "lc-err", role: "alert" }, this.err) : null, h("div", { class: "lc-meta" }, ok, " · ", cancel));
  }

  /** " · Edit · Delete" after m's time, while it may be changed. */
  actions(m: Msg): (Node | string)[] {
    if (!this.can(m) || this.editing === m.id) return [];
    const t = this.host.t;
    const edit = h("button", { type: "button", class: "lc-link" }, t("edit"));
    const del = h("button", { type: "button", class: "lc-link" }, t(this.confirming === m.id ? "confirmDelete" : "delete"));
    edit.addEventListener("click", () => {
      this.editing = m.id;
      this.draft = m.text;
      this.confirming = this.err = "";
      this.render();
    });
    del.addEventListener("click", () => {
      if (this.confirming !== m.id) {
        this.confirming = m.id;
        this.err = "";
        this.render();
      } else void this.change(m, null);
    });
    const out: (Node | string)[] = [" · ", edit, " · ", del];
    if (this.err && this.confirming === m.id) out.push(h("span", { class: "lc-err", role: "alert" }, " " + this.err));
    return out;
  }

  private stop(): void {
    this.editing = this.confirming = this.err = "";
    this.render();
  }

  /** Saves new text, or deletes with null. */
  private async change(m: Msg, text: string | null): Promise<void> {
    try {
      const res = await withTimeout<{ message?: Message }>((o) =>
        text === null ? this.api.deleteMessage({ messageId: m.id }, o) : this.api.editMessage({ messageId: m.id, text }, o),
      );
      if (res.message) this.thread.add(res.message);
      this.stop();
    } catch (err) {
      const t = this.host.t;
      const reason = detailOf(err).reason;
      this.err =
        reason === ErrorReason.EDIT_WINDOW_PASSED
          ? t("editLate")
          : reason === ErrorReason.MESSAGE_DELETED || reason === ErrorReason.MESSAGE_NOT_FOUND
            ? t("deletedText")
            : refusalText(sendRefusal(err), t);
      this.render();
    }
  }
}
