import { useCallback, useRef, useState } from "react";
import type { Attachment } from "@livechat/api/attachment_pb";
import { uploadFile } from "./upload";

/** A file on its way into a message. */
export interface Upload {
  key: string;
  file: File;
  name: string;
  /** 0–1 while uploading. */
  progress: number;
  state: "uploading" | "done" | "failed";
  attachment?: Attachment;
  error?: unknown;
}

let counter = 0;

/** A name for pasted images, which come without one. */
function nameOf(file: File): string {
  if (file.name && file.name !== "image.png") return file.name;
  const stamp = new Date().toISOString().slice(0, 19).replace(/[T:]/g, "-");
  return `screenshot-${stamp}.${file.type.split("/")[1] || "png"}`;
}

/**
 * The files attached to the message being written: each starts uploading at
 * once (so sending is instant), can be cancelled, retried after a failure
 * and removed. ids() are the uploaded ones, in order.
 */
export function useUploads() {
  const [uploads, setUploads] = useState<Upload[]>([]);
  const controllers = useRef(new Map<string, AbortController>());

  const patch = useCallback((key: string, p: Partial<Upload>) => {
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...p } : u)));
  }, []);

  const start = useCallback(
    (u: Upload) => {
      const ctl = new AbortController();
      controllers.current.set(u.key, ctl);
      uploadFile(u.file, u.name, (progress) => patch(u.key, { progress }), ctl.signal).then(
        (attachment) => patch(u.key, { state: "done", progress: 1, attachment }),
        (error: unknown) => {
          if (!ctl.signal.aborted) patch(u.key, { state: "failed", error });
        },
      );
    },
    [patch],
  );

  const add = useCallback(
    (files: Iterable<File>) => {
      const fresh = [...files].map((file): Upload => ({ key: `u${++counter}`, file, name: nameOf(file), progress: 0, state: "uploading" }));
      setUploads((list) => [...list, ...fresh]);
      fresh.forEach(start);
    },
    [start],
  );

  const remove = useCallback((key: string) => {
    controllers.current.get(key)?.abort();
    controllers.current.delete(key);
    setUploads((list) => list.filter((u) => u.key !== key));
  }, []);

  const retry = useCallback(
    (key: string) => {
      const u = uploads.find((x) => x.key === key);
      if (!u) return;
      const again = { ...u, state: "uploading" as const, progress: 0, error: undefined };
      patch(key, again);
      start(again);
    },
    [uploads, patch, start],
  );

  const clear = useCallback(() => setUploads([]), []);
  const busy = uploads.some((u) => u.state !== "done");
  const ids = uploads.flatMap((u) => (u.attachment ? [u.attachment.id] : []));
  const attachments = uploads.flatMap((u) => (u.attachment ? [u.attachment] : []));
  return { uploads, add, remove, retry, clear, busy, ids, attachments };
}
