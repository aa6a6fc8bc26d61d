// "Email me a transcript", a chunk of its own: loaded only when the visitor
// asks, so it costs other visitors nothing. It asks the server
// (MailService.EmailMyTranscript, in Connect's JSON form with plain fetch,
// which keeps MailService's descriptors out of the widget) to mail the
// conversation to the address the visitor gave; without one it asks for
// it, sets it with UpdateCustomer and asks again. Everything it needs at
// run time comes in as arguments (h too, so the chunk shares no code with
// the chat part); its texts live here, in English and
// Vietnamese.

import type { h as H } from "../dom";
import type { Host } from "../types";
import type { Api } from "./client";
import type { Session } from "./session";
import type { Thread } from "./thread";

const en = {
  ask: "Where should we send the transcript?",
  email: "Your email",
  bad: "Please enter a valid email address.",
  send: "Send transcript",
  sending: "Sending…",
  sent: "The transcript is on its way to {to}.",
  off: "You asked us not to email you, so no transcript is sent.",
  bounced: "Emails to your address could not be delivered, so no transcript is sent.",
  busy: "You asked for transcripts several times already. Please try again later.",
  none: "Transcripts by email are not available right now.",
  error: "Something went wrong. Please try again.",
};
type Text = keyof typeof en;
const vi: Record<Text, string> = {
  ask: "Chúng tôi nên gửi bản ghi tới đâu?",
  email: "Email của bạn",
  bad: "Vui lòng nhập địa chỉ email hợp lệ.",
  send: "Gửi bản ghi",
  sending: "Đang gửi…",
  sent: "Bản ghi đang được gửi tới {to}.",
  off: "Bạn đã yêu cầu không nhận email, nên bản ghi không được gửi.",
  bounced: "Không thể gửi email tới địa chỉ của bạn, nên bản ghi không được gửi.",
  busy: "Bạn đã yêu cầu bản ghi nhiều lần. Vui lòng thử lại sau.",
  none: "Hiện không thể gửi bản ghi qua email.",
  error: "Đã xảy ra lỗi. Vui lòng thử lại.",
};

// livechat.v1.ErrorReason numbers (proto/livechat/v1/errors.proto).
const NOT_CONFIGURED = 120;
const NO_ADDRESS = 122;
const UNSUBSCRIBED = 123;
const BOUNCED = 124;
const NOT_GIVEN = 125;

/** The reason in a Connect JSON error's livechat.v1.ErrorDetail (field 1, a varint), or 0. */
function reasonOf(body: { details?: { type?: string; value?: string }[] }): number {
  const v = body.details?.find((d) => d.type === "livechat.v1.ErrorDetail")?.value;
  if (!v) return 0;
  const b = atob(v.replace(/-/g, "+").replace(/_/g, "/"));
  if (b.charCodeAt(0) !== 8) return 0;
  let n = 0;
  for (let i = 1, s = 0; i < b.length && s < 35; i++, s += 7) {
    const c = b.charCodeAt(i);
    n |= (c & 127) << s;
    if (c < 128) break;
  }
  return n;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Puts the transcript box in the button's place, which asks the server at
 * once, and for an address when it needs one.
 */
export function open(button: HTMLElement, h: typeof H, host: Host, api: Api, session: Session, thread: Thread): void {
  const t = (k: Text, to = "") => (host.lang() === "vi" ? vi : en)[k].replace("{to}", to);
  const conv = thread.conv;
  const status = h("p", { role: "status", "aria-live": "polite" });
  const input = h("input", { type: "email", id: "lc-tx-email", class: "lc-input", autocomplete: "email", required: true });
  const err = h("p", { class: "lc-err", role: "alert", hidden: true });
  const submit = h("button", { type: "submit", class: "lc-btn" }, t("send"));
  const form = h(
    "form",
    { class: "lc-field", hidden: true, novalidate: true },
    h("label", { for: "lc-tx-email" }, t("email")),
    input,
    err,
    submit,
  );
  const box = h("section", { class: "lc-rate", "data-lc-transcript": "" }, status, form);

  async function request(): Promise<void> {
    status.textContent = t("sending");
    submit.disabled = true;
    let res: Response, body: { toAddress?: string; code?: string; details?: { type?: string; value?: string }[] };
    try {
      res = await fetch(host.server + "/livechat.v1.MailService/EmailMyTranscript", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Connect-Protocol-Version": "1", Authorization: "Bearer " + session.token },
        body: JSON.stringify({ conversationId: conv }),
      });
      body = await res.json().catch(() => ({}));
    } catch {
      status.textContent = t("error");
      submit.disabled = false;
      return;
    }
    submit.disabled = false;
    if (res.ok) {
      form.hidden = true;
      status.textContent = t("sent", body.toAddress || "");
      return;
    }
    const r = reasonOf(body);
    if (r === NO_ADDRESS || r === NOT_GIVEN) {
      status.textContent = t("ask");
      form.hidden = false;
      input.focus();
      return;
    }
    status.textContent = t(
      r === UNSUBSCRIBED ? "off" : r === BOUNCED ? "bounced" : r === NOT_CONFIGURED ? "none" : body.code === "resource_exhausted" ? "busy" : "error",
    );
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const email = input.value.trim();
    const bad = !EMAIL.test(email);
    err.textContent = bad ? t("bad") : "";
    err.hidden = !bad;
    input.setAttribute("aria-invalid", String(bad));
    if (bad) return;
    submit.disabled = true;
    api.updateCustomer({ email }).then(request, () => {
      submit.disabled = false;
      err.textContent = t("bad");
      err.hidden = false;
    });
  });

  button.replaceWith(box);
  void request();
}
