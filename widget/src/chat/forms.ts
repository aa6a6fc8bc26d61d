// The forms around the conversation: the greeting with the offline email
// form, and the pre-chat form asked before the first message. Each is
// rebuilt only when what it shows changes, so a visitor typing into it never
// loses their input.

import { h } from "../dom";
import { closedWithNotice, isOnline, opensWhen, replyKey } from "../hours";
import { textsFor } from "../texts";
import type { Host, PrechatFieldJson } from "../types";
import { newId, withTimeout, type Api } from "./client";
import { formError } from "./reasons";
import type { Session } from "./session";
import { render as markdown } from "@livechat/markdown";
import type { View } from "./view";

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

interface Field {
  wrap: HTMLElement;
  err: HTMLElement;
  input: HTMLInputElement;
}

function field(label: string, input: HTMLInputElement): Field {
  const id = "lc-f-" + newId().slice(0, 8);
  input.id = id;
  const err = h("p", { class: "lc-err", id: id + "-e", hidden: true });
  input.setAttribute("aria-describedby", err.id);
  return { wrap: h("div", { class: "lc-field" }, h("label", { for: id }, label), input, err), err, input };
}

function showErr(f: Field, msg: string): void {
  f.err.textContent = msg;
  f.err.hidden = !msg;
  f.input.setAttribute("aria-invalid", msg ? "true" : "false");
}

export class Forms {
  /** The pre-chat form was answered on this page. */
  prechatDone = false;
  /** The pre-chat answers are on their way. */
  private answering = false;
  private introSig = "";
  private footerSig = "";

  constructor(
    private host: Host,
    private api: Api,
    private session: Session,
    private view: View,
  ) {}

  /** The greeting (or offline message), with the email form when no agent is online. */
  renderIntro(): void {
    const { host } = this;
    const t = host.t;
    const c = host.config();
    // Closed with a notice: the chat stays open, greeting and all.
    const notice = closedWithNotice(c);
    const online = isOnline(c) || notice;
    const texts = textsFor(c, host.lang());
    const text = online ? texts.greeting : texts.offlineMessage || t("away");
    const knownEmail = this.knownEmail();
    // While the pre-chat form is asked, it asks for the email too: one form.
    const asking = this.prechatFields().length > 0;
    const when = notice ? opensWhen(c, host.lang()) : "";
    const reply = online ? replyKey(c) : null;
    const sig = JSON.stringify([online, text, knownEmail, c.offline?.collectEmail, asking, host.lang(), when, reply]);
    if (sig === this.introSig) return;
    this.introSig = sig;
    const nodes: Node[] = [];
    if (text) nodes.push(h("div", { class: "lc-greet lc-md", dir: "auto" }, markdown(text)));
    if (when) nodes.push(h("p", { class: "lc-note", "data-lc": "opens" }, t("opensAt", { when })));
    if (reply) nodes.push(h("p", { class: "lc-note", "data-lc": "reply" }, t(reply)));
    if (!online && c.offline?.collectEmail && !asking) {
      if (knownEmail) nodes.push(h("p", { class: "lc-note" }, t("emailSaved", { email: knownEmail })));
      else nodes.push(this.emailForm());
    }
    this.view.intro.replaceChildren(...nodes);
  }

  private knownEmail(): string | undefined {
    return this.host.store.get<string>("email") || this.host.identity()?.email;
  }

  /**
   * Whether the pre-chat form must add an email field of its own: no agent
   * is online, the widget collects an email then, and neither the form nor
   * an earlier answer has one.
   */
  private offlineEmail(fields: PrechatFieldJson[]): boolean {
    const c = this.host.config();
    return (
      !isOnline(c) &&
      !closedWithNotice(c) &&
      !!c.offline?.collectEmail &&
      !this.knownEmail() &&
      !fields.some((f) => f.type === "PRECHAT_FIELD_TYPE_EMAIL")
    );
  }

  private emailForm(): HTMLElement {
    const { host } = this;
    const t = host.t;
    const f = field(t("email"), h("input", { type: "email", autocomplete: "email", required: true }));
    const form = h(
      "form",
      { class: "lc-form", novalidate: true },
      h("p", null, t("emailAsk")),
      f.wrap,
      h("button", { type: "submit", class: "lc-btn" }, t("save")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const email = f.input.value.trim();
      if (!EMAIL.test(email)) return showErr(f, t("badEmail"));
      showErr(f, "");
      const done = (): void => {
        host.store.set("email", email);
        this.renderIntro();
      };
      if (host.preview) return done();
      this.session
        .ensure()
        .then(() => withTimeout((o) => this.api.updateCustomer({ email }, o)))
        .then(done, (err: unknown) => {
          // A refusal without a reason of its own is about the address.
          const why = formError(err);
          showErr(f, why.k === "checkForm" ? t("badEmail") : t(why.k, { n: why.n ?? 0 }));
        });
    });
    return form;
  }

  /** Pre-chat fields still to ask: those a verified identity does not answer. */
  private prechatFields(): PrechatFieldJson[] {
    const { host } = this;
    const p = host.config().prechat;
    if (!p?.enabled || !p.fields?.length || this.prechatDone) return [];
    if (this.session.token && !host.preview && !this.answering) return [];
    const id = host.identity();
    return p.fields.filter(
      (f) =>
        !(id?.name && f.type === "PRECHAT_FIELD_TYPE_NAME") && !(id?.email && f.type === "PRECHAT_FIELD_TYPE_EMAIL"),
    );
  }

  /** The composer, or the pre-chat form in its place while it is unanswered. */
  renderFooter(): void {
    const { host, view } = this;
    const t = host.t;
    const fields = this.prechatFields();
    view.composer.hidden = fields.length > 0;
    view.textarea.toggleAttribute("data-autofocus", !fields.length);
    view.textarea.placeholder = t("placeholder");
    view.textarea.setAttribute("aria-label", t("message"));
    view.sendBtn.setAttribute("aria-label", t("send"));
    view.more.textContent = t("earlier");
    const askEmail = fields.length > 0 && this.offlineEmail(fields);
    const texts = textsFor(host.config(), host.lang());
    const labels = fields.map((f) => texts.prechatLabel(f.key, f.label) || f.key || "");
    const sig = JSON.stringify([fields, labels, askEmail, host.lang()]);
    if (sig === this.footerSig) return;
    this.footerSig = sig;
    if (!fields.length) {
      view.prechatBox.replaceChildren();
      return;
    }
    const inputs: { f: PrechatFieldJson; ui: Field }[] = [];
    for (const [i, f] of fields.entries()) {
      const type =
        f.type === "PRECHAT_FIELD_TYPE_EMAIL" ? "email" : f.type === "PRECHAT_FIELD_TYPE_PHONE" ? "tel" : "text";
      const input = h("input", {
        type,
        name: f.key,
        required: !!f.required,
        maxlength: "200",
        autocomplete:
          type === "email" ? "email" : type === "tel" ? "tel" : f.type === "PRECHAT_FIELD_TYPE_NAME" ? "name" : "off",
      });
      inputs.push({ f, ui: field(labels[i] + (f.required ? " *" : ""), input) });
    }
    // Not a pre-chat field (the server knows none by that key): saved on the
    // customer once the session has started.
    const extra = askEmail
      ? field(t("email"), h("input", { type: "email", autocomplete: "email", maxlength: "200" }))
      : null;
    inputs[0].ui.input.setAttribute("data-autofocus", "");
    const status = h("p", { class: "lc-err", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "lc-btn" }, t("start"));
    const form = h(
      "form",
      { class: "lc-form lc-prechat", novalidate: true },
      h("p", null, t("prechatIntro") + (extra ? " " + t("emailAsk") : "")),
      ...inputs.map((i) => i.ui.wrap),
      extra?.wrap,
      // Kept at the bottom of the panel while a long form scrolls.
      h("div", { class: "lc-actions" }, status, submit),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const answers: Record<string, string> = {};
      let firstBad: HTMLInputElement | null = null;
      for (const { f, ui } of inputs) {
        const v = ui.input.value.trim();
        const msg =
          f.required && !v ? t("required") : v && f.type === "PRECHAT_FIELD_TYPE_EMAIL" && !EMAIL.test(v) ? t("badEmail") : "";
        showErr(ui, msg);
        if (msg && !firstBad) firstBad = ui.input;
        if (v && f.key) answers[f.key] = v;
      }
      const extraEmail = extra?.input.value.trim() || "";
      if (extra) {
        const msg = extraEmail && !EMAIL.test(extraEmail) ? t("badEmail") : "";
        showErr(extra, msg);
        if (msg && !firstBad) firstBad = extra.input;
      }
      if (firstBad) return firstBad.focus();
      const finish = (extraSaved = false): void => {
        this.answering = false;
        this.prechatDone = true;
        const email =
          inputs.find((i) => i.f.type === "PRECHAT_FIELD_TYPE_EMAIL")?.ui.input.value.trim() ||
          (extraSaved ? extraEmail : "");
        if (email) host.store.set("email", email);
        this.renderIntro();
        this.renderFooter();
        view.textarea.focus();
      };
      if (host.preview) return finish(true);
      // The form stays while the answers go out, even once the session has
      // started (its token would otherwise end the form at once).
      this.answering = true;
      submit.disabled = true;
      status.hidden = true;
      this.session
        .ensure(answers)
        .then(async () => {
          if (!extraEmail) return finish();
          // Refused, the address is asked again by the offline email form.
          const saved = await withTimeout((o) => this.api.updateCustomer({ email: extraEmail }, o)).then(
            () => true,
            () => false,
          );
          finish(saved);
        })
        .catch((err: unknown) => {
          const msg = this.prechatError(err, inputs);
          status.textContent = msg;
          status.hidden = !msg;
        })
        .finally(() => {
          submit.disabled = false;
          if (this.answering) {
            this.answering = false;
            this.renderIntro();
            this.renderFooter();
          }
        });
    });
    view.prechatBox.replaceChildren(form);
  }

  /**
   * Shows why StartSession refused the pre-chat answers, in the visitor's
   * language: under the field the error detail names, else as the returned
   * form-wide message.
   */
  private prechatError(err: unknown, inputs: { f: PrechatFieldJson; ui: Field }[]): string {
    const t = this.host.t;
    const why = formError(err);
    // The field the detail names; an address refused without one is the
    // form's email field.
    const hit = why.field
      ? inputs.find((i) => i.f.key === why.field)
      : why.k === "badEmail"
        ? inputs.find((i) => i.f.type === "PRECHAT_FIELD_TYPE_EMAIL")
        : undefined;
    if (!hit) {
      if (!why.field && why.k !== "checkForm") return t(why.k, { n: why.n ?? 0 });
      // About a field this page does not show: most likely the form changed
      // since this page read it.
      this.host.recheck();
      return t("checkForm");
    }
    showErr(hit.ui, t(why.k, { n: why.n ?? 0 }));
    hit.ui.input.focus();
    return "";
  }

  /** Forgets the answers: another visitor. */
  reset(): void {
    this.prechatDone = false;
  }
}
