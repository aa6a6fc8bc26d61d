// "Talk to a person", a chunk of its own: loaded only while a bot holds the
// visitor's conversation (a widget whose bot answers first), so it costs
// other visitors nothing. Like the rating card it takes what it needs at
// run time as arguments and keeps its texts here.

import type { Lang } from "../i18n";

const texts = {
  en: ["Talk to a person", "Asking for a person…", "That did not work. Please try again."],
  vi: ["Gặp nhân viên", "Đang chuyển cho nhân viên…", "Không thành công. Vui lòng thử lại."],
};

/** The button that asks for a person; handOff resolves once the server has it. */
export function handOffButton(lang: () => Lang, handOff: () => Promise<unknown>): HTMLElement {
  const t = (i: number) => texts[lang() === "vi" ? "vi" : "en"][i];
  const el = (tag: string, cls: string, text = "") => Object.assign(document.createElement(tag), { className: cls, textContent: text });
  const b = el("button", "lc-more", t(0)) as HTMLButtonElement;
  b.type = "button";
  b.dataset.lcHandoff = "";
  const err = el("p", "lc-err");
  err.setAttribute("role", "alert");
  err.hidden = true;
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
  const box = el("div", "lc-handoff");
  box.append(b, err);
  return box;
}
