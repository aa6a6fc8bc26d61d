import { FileIcon, RotateCwIcon, XIcon } from "lucide-react";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useErrorText } from "./error-text";
import { formatBytes } from "./format";
import type { Upload } from "./use-uploads";

/** The files attached to the message being written, as chips. */
export function UploadTray({ uploads, onRemove, onRetry }: { uploads: Upload[]; onRemove: (key: string) => void; onRetry: (key: string) => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  if (!uploads.length) return null;
  return (
    <ul className="mb-2 flex flex-wrap gap-2" aria-label={t("attach.attached")} data-testid="upload-tray">
      {uploads.map((u) => (
        <li
          key={u.key}
          className={cn("relative flex max-w-64 items-center gap-2 overflow-hidden rounded-md border bg-background px-2 py-1 text-xs", u.state === "failed" && "border-destructive")}
          data-testid="upload-chip"
          data-state={u.state}
        >
          <FileIcon aria-hidden className="size-3.5 shrink-0" />
          <span className="min-w-0 truncate" title={u.name}>
            {u.name}
          </span>
          <span className="shrink-0 text-muted-foreground">
            {u.state === "uploading" ? `${Math.round(u.progress * 100)} %` : u.state === "done" ? formatBytes(u.file.size) : null}
          </span>
          {u.state === "failed" && (
            <>
              <span className="text-destructive" role="alert" data-testid="upload-error">
                {errorText(u.error)}
              </span>
              <button type="button" className="rounded p-0.5 hover:bg-accent" aria-label={t("attach.retry", { name: u.name })} onClick={() => onRetry(u.key)}>
                <RotateCwIcon aria-hidden className="size-3.5" />
              </button>
            </>
          )}
          <button
            type="button"
            className="rounded p-0.5 hover:bg-accent"
            aria-label={u.state === "uploading" ? t("attach.cancel", { name: u.name }) : t("attach.remove", { name: u.name })}
            onClick={() => onRemove(u.key)}
          >
            <XIcon aria-hidden className="size-3.5" />
          </button>
          {u.state === "uploading" && (
            <span className="absolute bottom-0 left-0 h-0.5 bg-primary transition-[width]" style={{ width: `${u.progress * 100}%` }} aria-hidden />
          )}
        </li>
      ))}
    </ul>
  );
}
