import { AlertCircleIcon, XIcon } from "lucide-react";
import { useI18n } from "@/i18n";
import { useStore } from "@/lib/external-store";
import { dismissToast, toasts } from "@/lib/toasts";

/**
 * Where failures of menu actions are told. The alert region is always
 * mounted, so a screen reader announces each message as it is added.
 */
export function Toaster() {
  const { t } = useI18n();
  const list = useStore(toasts);
  return (
    <div role="alert" aria-live="assertive" className="fixed right-4 bottom-4 z-50 grid w-[min(24rem,calc(100vw-2rem))] gap-2">
      {list.map((toast) => (
        <div
          key={toast.id}
          data-testid="toast"
          className="flex items-start gap-2 rounded-lg border border-destructive/40 bg-background px-3 py-2 text-sm text-destructive shadow-lg"
        >
          <AlertCircleIcon aria-hidden className="mt-0.5 size-4 shrink-0" />
          <span className="flex-1">{toast.text}</span>
          <button
            type="button"
            aria-label={t("common.dismiss")}
            className="rounded-sm text-muted-foreground hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
            onClick={() => dismissToast(toast.id)}
          >
            <XIcon className="size-4" />
          </button>
        </div>
      ))}
    </div>
  );
}
