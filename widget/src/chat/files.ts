// Files in the conversation: what a message carries (from the server's
// Attachment) and how a line shows them. The upload code is elsewhere
// (attach.ts), loaded only when the visitor attaches something.

import type { Attachment } from "@livechat/api/attachment_pb";
import { h } from "../dom";

/** A file of a message, as kept in the thread and the outbox. */
export interface F {
  i: string; // id
  n: string; // file name
  s: number; // size
  /** The local key (attach.ts) while the file uploads; i is "" until then. */
  k?: string;
  /** Signed links, relative to the server; empty in the outbox. */
  u?: string;
  th?: string;
}

export function fileOf(a: Attachment): F {
  return { i: a.id, n: a.fileName, s: Number(a.size), u: a.url, th: a.thumbnailUrl };
}

/** "820 B", "14 KB", "3.2 MB". */
export function size(n: number): string {
  return n < 1024 ? n + " B" : n < 1048576 ? Math.round(n / 1024) + " KB" : (n / 1048576).toFixed(1) + " MB";
}

/**
 * The files of a line: images as previews that open full size in a new
 * tab, other files as links that download. Links are the server's signed
 * ones; a file without a link yet (unsent) shows as a name.
 */
export function filesEl(files: F[] | undefined, server: string): HTMLElement | null {
  if (!files?.length) return null;
  return h(
    "div",
    { class: "lc-files" },
    ...files.map((f) => {
      if (!f.u) return h("span", { class: "lc-file" }, f.n);
      if (f.th)
        return h(
          "a",
          { class: "lc-img", href: server + f.u, target: "_blank", rel: "noopener" },
          h("img", { src: server + f.th, alt: f.n, loading: "lazy" }),
        );
      return h("a", { class: "lc-file", href: server + f.u, download: f.n, target: "_blank", rel: "noopener" }, f.n + " · " + size(f.s));
    }),
  );
}
