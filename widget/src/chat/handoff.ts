// "Talk to a person", a chunk of its own: loaded only while a bot holds the
// visitor's conversation (a widget whose bot answers first), so it costs
// other visitors nothing. Like the rating card it takes what it needs at
// run time as arguments and keeps its texts here.

import type { h as H } from "../dom";
import type { Lang } from "../i18n";

const texts = {
  en: ["Talk to a person", "Asking for a person…", "That did not work. Please try again."],
  vi: ["Gặp nhân viên", "Đang chuyển cho nhân viên…", "Không thành công. Vui lòng thử lại."],
};

/** The button that asks for a person; handOff resolves once the server has it. */
export function handOffButton(h: typeof H, lang: () => Lang, handOff: () => Promise<unknown>): HTMLElement {
  const t = (i: number) => texts[lang() === "vi" ? "vi" : "en"][i];
  const b = h("button", { type: "button", class: "lc-more", "data-lc-handoff": "" }, t(0));
  const err = h("p", { class: "lc-err", role: "alert", hidden: true });
  b.addEventListener("click", () => {
    b.disabled = true;
    b.textContent = t(1);
    err.hidden = true;
    handOff().catch(() => {
      b.disabled = false;
      b.textContent = t(0);
      err.textContent = t(2);
      err.hidden = false;
    });
  });
  return h("div", { class: "lc-handoff" }, b, err);
}
