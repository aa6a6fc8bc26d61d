// Uploading files: loaded only when the visitor first attaches one (the
// paperclip, a paste or a drop), so the widget stays small for everyone
// else. Each file uploads at once, with its progress, to
// POST <server>/api/attachments with the visitor token; the uploaded ones
// wait in the tray, kept in storage ("files") so a reload does not lose
// them, until the message that carries them is sent. The message then goes
// through the outbox with their ids, which makes a resend after a reload
// idempotent like any other.

import { h } from "../dom";
import type { Host } from "../types";
import { size, type F } from "./files";
import { decodeDetail, type Detail } from "./reasons";
import { Code } from "@connectrpc/connect";
import { ErrorReason } from "@livechat/api/errors_pb";
import type { Key } from "../i18n";

interface Up {
  file?: File;
  f?: F;
  name: string;
  progress: number;
  err?: Key;
  errN?: number;
  xhr?: XMLHttpRequest;
}

export class Tray {
  readonly el = h("ul", { class: "lc-tray" });
  private ups: Up[] = [];

  constructor(
    private host: Host,
    private token: () => string,
    private changed: () => void,
  ) {
    for (const f of host.store.get<F[]>("files") || []) this.ups.push({ f, name: f.n, progress: 1 });
    this.render();
  }

  /** Uploads files, each at once. */
  add(files: Iterable<File>): void {
    for (const file of files) {
      const up: Up = { file, name: file.name && file.name !== "image.png" ? file.name : "screenshot-" + Date.now() + ".png", progress: 0 };
      this.ups.push(up);
      this.upload(up);
    }
    this.render();
  }

  /** Uploads in progress: sending waits for them. */
  busy(): boolean {
    return this.ups.some((u) => !u.f && !u.err);
  }

  /** The uploaded files, in order. */
  ready(): F[] {
    return this.ups.flatMap((u) => (u.f ? [u.f] : []));
  }

  /** Empties the tray: its files went out with a message. */
  clear(): void {
    this.ups = this.ups.filter((u) => !u.f);
    this.save();
    this.render();
  }

  private save(): void {
    const ready = this.ready();
    if (ready.length) this.host.store.set("files", ready);
    else this.host.store.remove("files");
  }

  private upload(up: Up): void {
    const xhr = new XMLHttpRequest();
    up.xhr = xhr;
    xhr.open("POST", this.host.server + "/api/attachments?name=" + encodeURIComponent(up.name));
    xhr.setRequestHeader("Authorization", "Bearer " + this.token());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        up.progress = e.loaded / e.total;
        this.render();
      }
    };
    xhr.onload = () => {
      let body: { attachment?: { id: string; fileName: string; size: string }; details?: { type: string; value: string }[] } = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON: the status says enough */
      }
      const a = body.attachment;
      if (xhr.status === 200 && a) {
        up.f = { i: a.id, n: a.fileName, s: Number(a.size) };
        this.save();
      } else this.refused(up, body.details || []);
      this.render();
    };
    xhr.onerror = () => {
      up.err = "fileFailed";
      this.render();
    };
    xhr.send(up.file as File);
  }

  private refused(up: Up, details: { type: string; value: string }[]): void {
    const d: Detail = { code: Code.Unknown, reason: ErrorReason.UNSPECIFIED, field: "", limit: 0, retryAfterMs: 0 };
    const x = details.find((x) => x.type === "livechat.v1.ErrorDetail");
    if (x) decodeDetail(Uint8Array.from(atob(x.value.padEnd(Math.ceil(x.value.length / 4) * 4, "=")), (c) => c.charCodeAt(0)), d);
    switch (d.reason) {
      case ErrorReason.FILE_TOO_LARGE:
        up.err = "fileTooLarge";
        up.errN = Math.floor(d.limit / 1048576);
        return;
      case ErrorReason.FILE_TYPE_NOT_ALLOWED:
        up.err = "fileType";
        return;
      case ErrorReason.FILE_EMPTY:
        up.err = "fileEmpty";
        return;
      case ErrorReason.RATE_LIMITED:
        up.err = "tooManyFiles";
        return;
    }
    up.err = "fileFailed";
  }

  private remove(up: Up): void {
    up.xhr?.abort();
    this.ups = this.ups.filter((u) => u !== up);
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
