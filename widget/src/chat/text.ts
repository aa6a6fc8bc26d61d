// Message text becomes text nodes, with web addresses made into links. No
// message text is ever parsed as HTML.

const URL_RE = /\bhttps?:\/\/[^\s<>"']+/gi;

export function linkify(text: string): Node[] {
  const out: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    // Trailing punctuation usually ends the sentence, not the address.
    const url = match[0].replace(/[.,!?;:)\]]+$/, "");
    const start = match.index || 0;
    if (start > last) out.push(document.createTextNode(text.slice(last, start)));
    const a = document.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.textContent = url;
    out.push(a);
    last = start + url.length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
