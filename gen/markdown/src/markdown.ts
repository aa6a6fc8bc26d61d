// The markdown subset messages are written in, shared by the dashboard and
// the widget so that a message looks the same on both sides:
//
//   **bold** __bold__   *italic* _italic_   `inline code`
//   ```                 - item / * item / + item     1. item / 1) item
//   a code block        [text](https://…) [text](mailto:…)
//   ```                 bare http(s):// addresses become links
//
// Safety is by construction, not by cleaning: parse() turns text into a
// small tree of the constructs above and render() builds DOM nodes from it
// with createElement/createTextNode only, so nothing a sender writes is ever
// parsed as HTML (`<img onerror>` is text). A link's address must parse as
// an http:, https: (or, written as [text](…), mailto:) URL, else the whole
// link stays text; links open in a new tab with rel="noopener noreferrer
// nofollow". Anything not understood (a lone *, an unclosed `) stays as
// typed. Headings, quotes, images, tables and raw HTML are deliberately not
// part of the subset.

/** A run of text inside a paragraph or list item. */
export type Inline =
  | string
  | { t: "strong" | "em"; c: Inline[] }
  | { t: "code"; v: string }
  | { t: "a"; href: string; c: Inline[] }
  | { t: "br" };

/** A paragraph, a code block or a list. */
export type Block =
  | { t: "p"; c: Inline[] }
  | { t: "pre"; v: string }
  | { t: "ul"; items: Inline[][] }
  | { t: "ol"; start: number; items: Inline[][] };

/** How deep emphasis and links may nest; deeper markers stay text. */
const MAX_DEPTH = 6;

const FENCE = /^ {0,3}```/;
const FENCE_END = /^ {0,3}```\s*$/;
const BULLET = /^ {0,3}[-*+][ \t]+(\S.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)][ \t]+(\S.*)$/;
const AUTOLINK = /^https?:\/\/[^\s<>"'`]+/i;
// Punctuation that ends the sentence around an address rather than the address.
const TRAILING = /[.,;:!?'")\]}>*_]+$/;
const PUNCT = /[!-/:-@[-`{-~]/;
const WORD = /[\p{L}\p{N}]/u;

/**
 * The address if it parses as a URL with one of the allowed schemes,
 * normalised by the URL parser (which also drops the leading spaces and
 * control characters a browser would ignore), else null.
 */
export function safeHref(candidate: string, schemes: readonly string[] = ["http:", "https:"]): string | null {
  try {
    const u = new URL(candidate);
    return schemes.includes(u.protocol) ? u.href : null;
  } catch {
    return null;
  }
}

/** The blocks of a message's text. */
export function parse(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (FENCE.test(line)) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !FENCE_END.test(lines[i])) code.push(lines[i++]);
      i++; // the closing fence (or the end of the text)
      out.push({ t: "pre", v: code.join("\n") });
      continue;
    }
    const numbered = NUMBERED.exec(line);
    if (BULLET.test(line) || numbered) {
      const re = numbered ? NUMBERED : BULLET;
      const items: Inline[][] = [];
      let m: RegExpExecArray | null;
      while (i < lines.length && (m = re.exec(lines[i]))) {
        items.push(inline(m[m.length - 1], 0, true));
        i++;
      }
      out.push(numbered ? { t: "ol", start: Number(numbered[1]), items } : { t: "ul", items });
      continue;
    }
    if (!line.trim()) {
      i++;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && lines[i].trim() && !FENCE.test(lines[i]) && !BULLET.test(lines[i]) && !NUMBERED.test(lines[i])) {
      para.push(lines[i++]);
    }
    out.push({ t: "p", c: inline(para.join("\n"), 0, true) });
  }
  return out;
}

/** Where the closing delimiter of an emphasis opened at `from` is, or -1. */
function closer(s: string, from: number, ch: string, len: number): number {
  for (let j = from; j < s.length; j++) {
    const c = s[j];
    if (c === "\\") {
      j++;
      continue;
    }
    if (c === "`") {
      // Markers inside a code span do not close anything.
      const run = runLength(s, j, "`");
      const end = s.indexOf("`".repeat(run), j + run);
      if (end > 0) j = end + run - 1;
      continue;
    }
    if (c !== ch) continue;
    const run = runLength(s, j, ch);
    // A closer follows text, and for _ is not inside a word.
    if (run >= len && !/\s/.test(s[j - 1]) && j > from && !(ch === "_" && WORD.test(s[j + run] ?? ""))) {
      // With more markers than needed, the closer is the last ones (***x*** is strong(em(x))).
      if (len === 2 || run === 1 || run >= 3) return j + run - len;
    }
    j += run - 1;
  }
  return -1;
}

function runLength(s: string, i: number, ch: string): number {
  let n = 0;
  while (s[i + n] === ch) n++;
  return n;
}

/** The inline content of one paragraph or item; links inside link texts stay text. */
function inline(s: string, depth: number, links: boolean): Inline[] {
  const out: Inline[] = [];
  let buf = "";
  const flush = () => {
    if (buf) out.push(buf);
    buf = "";
  };
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\" && i + 1 < s.length && PUNCT.test(s[i + 1])) {
      buf += s[i + 1];
      i += 2;
      continue;
    }
    if (c === "\n") {
      flush();
      out.push({ t: "br" });
      i++;
      continue;
    }
    if (c === "`") {
      const run = runLength(s, i, "`");
      const end = s.indexOf("`".repeat(run), i + run);
      if (end > i + run && s[end + run] !== "`") {
        let v = s.slice(i + run, end).replace(/\n/g, " ");
        if (v.length > 2 && v.startsWith(" ") && v.endsWith(" ")) v = v.slice(1, -1);
        flush();
        out.push({ t: "code", v });
        i = end + run;
        continue;
      }
      buf += "`".repeat(run);
      i += run;
      continue;
    }
    if ((c === "*" || c === "_") && depth < MAX_DEPTH) {
      const run = runLength(s, i, c);
      const opens = !/\s/.test(s[i + run] ?? " ") && !(c === "_" && WORD.test(s[i - 1] ?? ""));
      let matched = false;
      for (const len of opens ? (run >= 2 ? [2, 1] : [1]) : []) {
        // **x** opens with its first two markers (***x*** is strong(em(x)));
        // a lone * opens with its last (**x* is a * and em(x)).
        const start = len === 2 ? i : i + run - len;
        const end = closer(s, start + len, c, len);
        if (end > start + len) {
          buf += c.repeat(start - i);
          flush();
          out.push({ t: len === 2 ? "strong" : "em", c: inline(s.slice(start + len, end), depth + 1, links) });
          i = end + len;
          matched = true;
          break;
        }
      }
      if (matched) continue;
      buf += c.repeat(run);
      i += run;
      continue;
    }
    if (c === "[" && links && depth < MAX_DEPTH) {
      const m = /^\[([^[\]\n]+)\]\(([^\s()]+)\)/.exec(s.slice(i));
      if (m) {
        const href = safeHref(m[2], ["http:", "https:", "mailto:"]);
        flush();
        if (href) out.push({ t: "a", href, c: inline(m[1], depth + 1, false) });
        // A link to anything else is shown as written, as text.
        else out.push(m[0]);
        i += m[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H") && links && !WORD.test(s[i - 1] ?? "")) {
      const m = AUTOLINK.exec(s.slice(i));
      if (m) {
        const url = trimUrl(m[0]);
        const href = safeHref(url);
        if (href) {
          flush();
          out.push({ t: "a", href, c: [url] });
          i += url.length;
          continue;
        }
      }
    }
    buf += c;
    i++;
  }
  flush();
  return out;
}

/** A bare address without the sentence's punctuation, keeping a ) that closes a ( in it. */
function trimUrl(url: string): string {
  const cut = TRAILING.exec(url)?.[0] ?? "";
  if (!cut) return url;
  let keep = url.slice(0, url.length - cut.length);
  let rest = cut;
  while (rest.startsWith(")") && count(keep, "(") > count(keep, ")")) {
    keep += ")";
    rest = rest.slice(1);
  }
  return keep;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** What render() needs of a document: the browser's, or one in a test. */
export type Doc = Pick<Document, "createElement" | "createTextNode" | "createDocumentFragment">;

/**
 * Message text as DOM nodes: elements from a fixed list (p, br, strong, em,
 * code, pre, ul, ol, li, a) and text nodes, never HTML parsed from the text.
 */
export function render(text: string, doc: Doc = document): DocumentFragment {
  const frag = doc.createDocumentFragment();
  for (const b of parse(text)) {
    if (b.t === "p") frag.append(el(doc, "p", b.c));
    else if (b.t === "pre") {
      const pre = doc.createElement("pre");
      const code = doc.createElement("code");
      code.append(doc.createTextNode(b.v));
      pre.append(code);
      frag.append(pre);
    } else {
      const list = doc.createElement(b.t);
      if (b.t === "ol" && b.start !== 1) list.setAttribute("start", String(b.start));
      for (const item of b.items) list.append(el(doc, "li", item));
      frag.append(list);
    }
  }
  return frag;
}

function el(doc: Doc, tag: string, content: Inline[]): HTMLElement {
  const e = doc.createElement(tag);
  for (const n of content) e.append(node(doc, n));
  return e;
}

function node(doc: Doc, n: Inline): Node {
  if (typeof n === "string") return doc.createTextNode(n);
  switch (n.t) {
    case "br":
      return doc.createElement("br");
    case "code": {
      const e = doc.createElement("code");
      e.append(doc.createTextNode(n.v));
      return e;
    }
    case "a": {
      const e = el(doc, "a", n.c);
      e.setAttribute("href", n.href);
      e.setAttribute("target", "_blank");
      e.setAttribute("rel", "noopener noreferrer nofollow");
      return e;
    }
    default:
      return el(doc, n.t, n.c);
  }
}

/** The text as a reader would say it, without markers: for previews and notifications. */
export function plainText(text: string): string {
  const flat = (c: Inline[]): string =>
    c.map((n) => (typeof n === "string" ? n : n.t === "br" ? " " : n.t === "code" ? n.v : flat(n.c))).join("");
  return parse(text)
    .map((b) => (b.t === "p" ? flat(b.c) : b.t === "pre" ? b.v : b.items.map(flat).join(" ")))
    .join(" ");
}
