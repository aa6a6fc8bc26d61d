import { DownloadIcon, FileIcon } from "lucide-react";
import { useState } from "react";
import type { Attachment } from "@livechat/api/attachment_pb";
import { Dialog, DialogContent, DialogTitle } from "@/components/ui/dialog";
import { useI18n } from "@/i18n";
import { formatBytes } from "./format";

/**
 * The files of a message: images as previews (their thumbnails) that open
 * full size in a lightbox, other files as chips that download.
 */
export function MessageAttachments({ attachments }: { attachments: Attachment[] }) {
  const { t } = useI18n();
  const [open, setOpen] = useState<Attachment | null>(null);
  if (!attachments.length) return null;
  const removed = attachments.filter((a) => a.removedAt);
  const images = attachments.filter((a) => !a.removedAt && a.thumbnailUrl);
  const files = attachments.filter((a) => !a.removedAt && !a.thumbnailUrl);
  return (
    <div className="flex max-w-full flex-col gap-1.5" data-testid="message-attachments">
      {images.length > 0 && (
        <div className="flex flex-wrap gap-1.5">
          {images.map((a) => (
            <button
              key={a.id}
              type="button"
              className="overflow-hidden rounded-lg border focus-visible:outline-2 focus-visible:outline-ring"
              aria-label={t("attach.open", { name: a.fileName })}
              onClick={() => setOpen(a)}
            >
              <img
                src={a.thumbnailUrl}
                alt={a.fileName}
                loading="lazy"
                width={previewSize(a).width}
                height={previewSize(a).height}
                className="block max-h-40 object-cover"
                data-testid="attachment-image"
              />
            </button>
          ))}
        </div>
      )}
      {files.map((a) => (
        <a
          key={a.id}
          href={a.url}
          download={a.fileName}
          className="inline-flex max-w-full items-center gap-2 rounded-md border bg-background px-2.5 py-1.5 text-xs hover:bg-accent focus-visible:outline-2 focus-visible:outline-ring"
          data-testid="attachment-file"
        >
          <FileIcon aria-hidden className="size-4 shrink-0" />
          <span className="min-w-0 truncate font-medium">{a.fileName}</span>
          <span className="shrink-0 text-muted-foreground">{formatBytes(a.size)}</span>
          <DownloadIcon aria-hidden className="size-3.5 shrink-0" />
        </a>
      ))}
      {removed.map((a) => (
        <span
          key={a.id}
          className="inline-flex max-w-full items-center gap-2 rounded-md border border-dashed px-2.5 py-1.5 text-xs text-muted-foreground"
          data-testid="attachment-removed"
        >
          <FileIcon aria-hidden className="size-4 shrink-0" />
          <span className="min-w-0 truncate line-through">{a.fileName}</span>
          <span className="shrink-0">{t("attach.removed")}</span>
        </span>
      ))}
      <Dialog open={open !== null} onOpenChange={(o) => !o && setOpen(null)}>
        <DialogContent className="max-w-[min(90vw,1200px)] justify-items-center" aria-describedby={undefined} data-testid="lightbox">
          {open && (
            <>
              <img src={open.url} alt={open.fileName} className="max-h-[75vh] max-w-full object-contain" />
              <div className="flex items-center gap-3 text-sm">
                <DialogTitle className="text-sm">{open.fileName}</DialogTitle>
                <a href={open.url} download={open.fileName} className="inline-flex items-center gap-1 underline">
                  <DownloadIcon aria-hidden className="size-3.5" /> {t("attach.download")}
                </a>
              </div>
            </>
          )}
        </DialogContent>
      </Dialog>
    </div>
  );
}

/** The preview's box: the thumbnail's shape, at most 160 pixels high. */
function previewSize(a: Attachment): { width: number; height: number } {
  if (!a.width || !a.height) return { width: 160, height: 160 };
  const h = Math.min(160, a.height);
  return { width: Math.round((a.width * h) / a.height), height: h };
}
