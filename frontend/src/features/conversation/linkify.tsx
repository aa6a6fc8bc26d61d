import type { ReactNode } from "react";

// A web address in running text: http(s) only, up to white space or a
// character that cannot be part of one.
const urlPattern = /\bhttps?:\/\/[^\s<>"'`]+/gi;
// Punctuation that ends the sentence around a URL rather than the URL.
const trailing = /[.,;:!?'")\]}>]+$/;

/** The URL if it is a well-formed http(s) address, else null. */
function safeUrl(candidate: string): string | null {
  try {
    const u = new URL(candidate);
    return u.protocol === "http:" || u.protocol === "https:" ? candidate : null;
  } catch {
    return null;
  }
}

/**
 * Text with its http(s) URLs as links that open in a new tab without giving
 * that page a handle on the dashboard (noopener) or the conversation's
 * address (noreferrer). Everything else stays text: no other scheme
 * (javascript:, data:) ever becomes a link.
 */
export function linkify(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(urlPattern)) {
    let url = match[0];
    // Keep a closing parenthesis that belongs to the URL, as in Wikipedia links.
    const cut = trailing.exec(url)?.[0] ?? "";
    if (cut) {
      let keep = url.slice(0, url.length - cut.length);
      let rest = cut;
      while (rest.startsWith(")") && (keep.match(/\(/g)?.length ?? 0) > (keep.match(/\)/g)?.length ?? 0)) {
        keep += ")";
        rest = rest.slice(1);
      }
      url = keep;
    }
    const href = safeUrl(url);
    if (!href) continue;
    const start = match.index;
    if (start > last) out.push(text.slice(last, start));
    out.push(
      <a key={start} href={href} target="_blank" rel="noopener noreferrer" className="underline underline-offset-2">
        {url}
      </a>,
    );
    last = start + url.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
