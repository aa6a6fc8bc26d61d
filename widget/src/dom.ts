// Tiny DOM helpers. Text is only ever set through textContent, and no
// element gets a style attribute (a strict style-src would block it).

type Attrs = Record<string, string | boolean | undefined>;

/** Creates an element; string children become text nodes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const k in attrs) {
      const v = attrs[k];
      if (v === true) el.setAttribute(k, "");
      else if (typeof v === "string") el.setAttribute(k, v);
    }
  }
  for (const c of children) {
    if (c != null && c !== false) el.append(c);
  }
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

/** An icon from one 24×24 path, hidden from assistive technology. */
export function icon(d: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("d", d);
  svg.append(path);
  return svg;
}

export const ICON_CHAT =
  "M6 3h12a3 3 0 0 1 3 3v9a3 3 0 0 1-3 3H10l-5 4v-4.2A3 3 0 0 1 3 15V6a3 3 0 0 1 3-3z";
export const ICON_CLOSE = "M6 6l12 12M18 6L6 18";
export const ICON_SEND = "M3 20l18-8L3 4v6l12 2-12 2z";
export const ICON_ATTACH = "M21 11l-8.5 8.5a5 5 0 01-7-7L14 4a3.5 3.5 0 015 5l-8.5 8.5a2 2 0 01-3-3L15 7";
