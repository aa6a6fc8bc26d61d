// The satisfaction rating card, a chunk of its own: loaded only when the
// visitor's conversation is resolved on a widget that asks for ratings, so
// it costs other visitors nothing. Everything it needs at run time comes in
// through RatingDeps (type imports only), so the chunk shares no code with
// the chat part and stays a few hundred bytes. Its texts live here, in
// English and Vietnamese, for the same reason.

import type { h as H } from "../dom";
import type { Lang } from "../i18n";

/** A rating as the card shows it. */
export interface Given {
  score: number;
  comment: string;
  /** Until when (ms since the epoch) it may still be changed. */
  until: number;
}

export interface RatingDeps {
  h: typeof H;
  lang(): Lang;
  /** Sends the rating; rejects with the key of a text for the visitor. */
  rate(score: number, comment: string): Promise<Given>;
  /** The longest comment, as the server counts (characters). */
  maxComment: number;
}

const en = {
  ask: "How would you rate this conversation?",
  star: "{n} of 5 stars",
  up: "Good",
  down: "Bad",
  comment: "Add a comment (optional)",
  send: "Send rating",
  thanks: "Thank you for your feedback!",
  change: "Change rating",
  pick: "Please choose a rating first.",
  tooLong: "The comment is too long: at most {n} characters.",
  final: "The rating can no longer be changed.",
  notYet: "You can rate once the conversation is resolved.",
  error: "Something went wrong. Please try again.",
};
type Text = keyof typeof en;
const vi: Record<Text, string> = {
  ask: "Bạn đánh giá cuộc trò chuyện này thế nào?",
  star: "{n} trên 5 sao",
  up: "Tốt",
  down: "Không tốt",
  comment: "Thêm nhận xét (không bắt buộc)",
  send: "Gửi đánh giá",
  thanks: "Cảm ơn bạn đã góp ý!",
  change: "Đổi đánh giá",
  pick: "Vui lòng chọn mức đánh giá trước.",
  tooLong: "Nhận xét quá dài: tối đa {n} ký tự.",
  final: "Không thể đổi đánh giá nữa.",
  notYet: "Bạn có thể đánh giá khi cuộc trò chuyện đã được giải quyết.",
  error: "Đã xảy ra lỗi. Vui lòng thử lại.",
};

/** The card for one conversation, on the "five" or "thumbs" scale. */
export function ratingCard(d: RatingDeps, thumbs: boolean, given: Given | null) {
  const { h } = d;
  const t = (k: Text, n?: number) => (d.lang() === "vi" ? vi : en)[k].replace("{n}", String(n));
  const el = h("section", { class: "lc-rate", "data-lc-rating": "" });
  let score = given?.score ?? 0;
  let done = given;

  function ask(): void {
    const scores = thumbs ? [5, 1] : [1, 2, 3, 4, 5];
    const err = h("p", { class: "lc-err", role: "alert", hidden: true });
    const buttons = scores.map((n) => {
      const label = thumbs ? t(n === 5 ? "up" : "down") : t("star", n);
      const b = h("button", { type: "button", class: "lc-score", "aria-label": label, "data-score": String(n) }, thumbs ? (n === 5 ? "👍" : "👎") : "★");
      b.addEventListener("click", () => {
        score = n;
        paint();
      });
      return b;
    });
    const paint = () =>
      buttons.forEach((b, i) => {
        const n = scores[i];
        b.setAttribute("aria-pressed", String(thumbs ? n === score : n <= score));
      });
    paint();
    const comment = h("textarea", { class: "lc-input", rows: "2", "aria-label": t("comment"), placeholder: t("comment") });
    comment.value = done?.comment ?? "";
    const send = h("button", { type: "submit", class: "lc-btn" }, t("send"));
    const form = h(
      "form",
      { class: "lc-form", novalidate: true },
      h("p", { id: "lc-rate-q" }, t("ask")),
      h("div", { class: "lc-scores", role: "group", "aria-labelledby": "lc-rate-q" }, ...buttons),
      comment,
      h("div", { class: "lc-actions-inline" }, send),
      err,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = comment.value.trim();
      const fail = (msg: string) => {
        err.textContent = msg;
        err.hidden = false;
      };
      if (!score) return fail(t("pick"));
      if ([...text].length > d.maxComment) return fail(t("tooLong", d.maxComment));
      send.disabled = true;
      d.rate(score, text).then(
        (g) => {
          done = g;
          thanks();
        },
        (key: Text) => {
          send.disabled = false;
          fail(t(key));
        },
      );
    });
    el.replaceChildren(form);
  }

  function thanks(): void {
    const nodes: Node[] = [h("p", { role: "status" }, t("thanks"))];
    if (done && done.until > Date.now()) {
      const change = h("button", { type: "button", class: "lc-more" }, t("change"));
      change.addEventListener("click", ask);
      nodes.push(change);
      // The button goes when the window closes; the server would refuse.
      setTimeout(() => change.remove(), Math.min(done.until - Date.now(), 2 ** 31 - 1));
    }
    el.replaceChildren(...nodes);
  }

  if (done) thanks();
  else ask();
  return el;
}
