// Uploading files: loaded only when the visitor first attaches one (the
// paperclip, a paste or a drop), so the widget stays small for everyone
// else. Each file uploads at once, with its progress, to
// POST <server>/api/attachments with the visitor token. A file is kept in
// IndexedDB (which holds Blobs) from the moment it is attached until the
// server has it, and the tray's list ("files" in storage) names it by a
// local key meanwhile; so a reload during an upload restarts the upload.
// A message sent while its files still upload goes into the outbox with
// those keys; delivering it (upload() below, called by the outbox) waits
// for the uploads, or restarts them after a reload, then sends once with
// the same client_message_id.

import { h } from "../dom";
import type { Host } from "../types";
import { size, type F } from "./files";
import { decodeDetail, type Detail } from "./reasons";
import { newId } from "./client";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "@livechat/api/errors_pb";
import type { Key } from "../i18n";

/** Runs one request on the widget's IndexedDB store of files (key: local key, value: Blob). */
function idb<T>(write: boolean, fn: (s: IDBObjectStore) => IDBRequest<T> | void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("livechat-files", 1);
    open.onupgradeneeded = () => open.result.createObjectStore("f");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction("f", write ? "readwrite" : "readonly");
      const r = fn(tx.objectStore("f"));
      tx.oncomplete = () => {
        db.close();
        resolve(r ? r.result : undefined);
      };
      tx.onerror = tx.onabort = () => {
        db.close();
        reject(tx.error);
      };
    };
  });
}

const forget = (k: string) => idb(true, (s) => void s.delete(k)).catch(() => {});

/** Uploads in flight on this page, by local key: the tray's and the outbox's share them. */
const inflight = new Map<string, Promise<F>>();
const xhrs = new Map<string, XMLHttpRequest>();

/** Why an upload was refused, for the tray. */
class Refused extends ConnectError {
  constructor(
    readonly why: Key,
    readonly n = 0,
  ) {
    super(why, Code.InvalidArgument);
  }
}

/**
 * Uploads blob (kept under the local key k) once, reporting progress.
 * Resolves to the uploaded file; rejects with Refused (the server refused
 * it for good) or a ConnectError that may pass (network, server).
 */
function put(host: Host, token: () => string, k: string, blob: Blob, name: string, progress?: (p: number) => void): Promise<F> {
  let p = inflight.get(k);
  if (p) return p;
  p = new Promise<F>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", host.server + "/api/attachments?name=" + encodeURIComponent(name));
    xhr.setRequestHeader("Authorization", "Bearer " + token());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => e.lengthComputable && progress?.(e.loaded / e.total);
    xhr.onload = () => {
      let body: { attachment?: { id: string; fileName: string; size: string }; details?: { type: string; value: string }[] } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: the status says enough */
      }
      const a = body.attachment;
      if (xhr.status === 200 && a) {
        void forget(k);
        resolve({ i: a.id, n: a.fileName, s: Number(a.size) });
      } else if (xhr.status === 429) reject(new Refused("tooManyFiles"));
      else if (xhr.status >= 400 && xhr.status < 500 && xhr.status !== 401) reject(refused(body.details || []));
      else reject(new ConnectError("upload failed", xhr.status === 401 ? Code.Unauthenticated : Code.Unavailable));
    };
    xhr.onerror = () => reject(new ConnectError("network error", Code.Unavailable));
    xhr.onabort = () => reject(new Refused("fileFailed"));
    xhrs.set(k, xhr);
    xhr.send(blob);
  }).finally(() => {
    inflight.delete(k);
    xhrs.delete(k);
  });
  inflight.set(k, p);
  return p;
}

/**
 * The outbox's delivery of a message's files: each file still under a
 * local key is awaited (its upload in flight on this page) or uploaded
 * again from IndexedDB (after a reload). Resolves to the files with ids.
 */
export async function upload(host: Host, token: () => string, files: F[]): Promise<F[]> {
  return Promise.all(
    files.map(async (f) => {
      if (f.i || !f.k) return f;
      const k = f.k;
      const blob = inflight.has(k) ? null : await idb<Blob>(false, (s) => s.get(k)).catch(() => undefined);
      if (!inflight.has(k) && !blob) throw new Refused("fileFailed");
      return put(host, token, k, blob as Blob, f.n);
    }),
  );
}

function refused(details: { type: string; value: string }[]): Refused {
  const d: Detail = { code: Code.Unknown, reason: ErrorReason.UNSPECIFIED, field: "", limit: 0, retryAfterMs: 0 };
  const x = details.find((x) => x.type === "livechat.v1.ErrorDetail");
  if (x) decodeDetail(Uint8Array.from(atob(x.value.padEnd(Math.ceil(x.value.length / 4) * 4, "=")), (c) => c.charCodeAt(0)), d);
  switch (d.reason) {
    case ErrorReason.FILE_TOO_LARGE:
      return new Refused("fileTooLarge", Math.floor(d.limit / 1048576));
    case ErrorReason.FILE_TYPE_NOT_ALLOWED:
      return new Refused("fileType");
    case ErrorReason.FILE_EMPTY:
      return new Refused("fileEmpty");
  }
  return new Refused("fileFailed");
}

interface Up {
  /** The local key while uploading; the uploaded file once done. */
  k: string;
  f?: F;
  name: string;
  size: number;
  progress: number;
  err?: Key;
  errN?: number;
}

export class Tray {
  readonly el = h("ul", { class: "lc-tray" });
  private ups: Up[] = [];

  constructor(
    private host: Host,
    private token: () => string,
    private changed: () => void,
  ) {
    // Files attached before a reload: the uploaded ones wait to be sent,
    // the others upload again from IndexedDB.
    for (const f of host.store.get<F[]>("files") || []) {
      const up: Up = { k: f.k || f.i, f: f.i ? f : undefined, name: f.n, size: f.s, progress: f.i ? 1 : 0 };
      this.ups.push(up);
      if (!f.i) void this.restart(up);
    }
    this.render();
  }

  /** Uploads files, each at once, keeping each in IndexedDB until the server has it. */
  add(files: Iterable<File>): void {
    for (const file of files) {
      const up: Up = {
        k: newId(),
        name: file.name && file.name !== "image.png" ? file.name : "screenshot-" + Date.now() + ".png",
        size: file.size,
        progress: 0,
      };
      this.ups.push(up);
      this.save();
      void idb(true, (s) => void s.put(file, up.k)).catch(() => {});
      this.upload(up, file);
    }
    this.render();
  }

  private async restart(up: Up): Promise<void> {
    const blob = await idb<Blob>(false, (s) => s.get(up.k)).catch(() => undefined);
    if (blob) this.upload(up, blob);
    else {
      up.err = "fileFailed";
      this.render();
    }
  }

  /** The files to send, in order: uploaded ones by id, those still uploading by local key. */
  ready(): F[] {
    return this.ups.flatMap((u) => (u.err ? [] : [u.f || { i: "", k: u.k, n: u.name, s: u.size }]));
  }

  /** Empties the tray: its files went out with a message (uploads still running carry on for it). */
  clear(): void {
    for (const u of this.ups) if (u.err) void forget(u.k);
    this.ups = [];
    this.save();
    this.render();
  }

  private save(): void {
    const files = this.ready();
    if (files.length) this.host.store.set("files", files);
    else this.host.store.remove("files");
  }

  private upload(up: Up, blob: Blob): void {
    put(this.host, this.token, up.k, blob, up.name, (p) => {
      up.progress = p;
      this.render();
    }).then(
      (f) => {
        up.f = f;
        if (this.ups.includes(up)) this.save();
        this.render();
      },
      (e: unknown) => {
        up.err = e instanceof Refused ? e.why : "fileFailed";
        up.errN = e instanceof Refused ? e.n : 0;
        if (this.ups.includes(up)) this.save();
        this.render();
      },
    );
  }

  private remove(up: Up): void {
    xhrs.get(up.k)?.abort();
    this.ups = this.ups.filter((u) => u !== up);
    void forget(up.k);
    this.save();
    this.render();
  }

  private render(): void {
    const t = this.host.t;
    this.el.replaceChildren(
      ...this.ups.map((up) => {
        const x = h("button", { type: "button", class: "lc-link", "aria-label": t("removeFile", { name: up.name }) }, "×");
        x.addEventListener("click", () => this.remove(up));
        return h(
          "li",
          { class: "lc-chip" + (up.err ? " lc-failed" : "") },
          up.name,
          up.f ? " · " + size(up.f.s) : null,
          !up.f && !up.err ? h("progress", { max: "1", value: String(up.progress) }) : null,
          up.err ? h("span", { class: "lc-err", role: "alert" }, t(up.err, up.errN ? { n: up.errN } : undefined)) : null,
          x,
        );
      }),
    );
    this.el.hidden = !this.ups.length;
    this.changed();
  }
}
