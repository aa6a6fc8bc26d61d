import { AlertTriangleIcon, LoaderCircleIcon, RotateCwIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useErrorText } from "@/lib/use-error-text";

export function Spinner({ className }: { className?: string }) {
  return <LoaderCircleIcon aria-hidden className={cn("size-5 animate-spin text-muted-foreground", className)} />;
}

export function FullPageSpinner() {
  const { t } = useI18n();
  return (
    <div className="flex h-full items-center justify-center" role="status">
      <Spinner className="size-6" />
      <span className="sr-only">{t("common.loading")}</span>
    </div>
  );
}

/** A friendly placeholder for a list or pane with nothing to show. */
export function EmptyState({ icon, title, children, className }: { icon?: ReactNode; title: string; children?: ReactNode; className?: string }) {
  return (
    <div className={cn("flex flex-col items-center justify-center gap-2 px-6 py-10 text-center", className)}>
      {icon && <div className="text-muted-foreground [&_svg]:size-8">{icon}</div>}
      <p className="font-medium">{title}</p>
      {children && <div className="max-w-sm text-sm text-muted-foreground">{children}</div>}
    </div>
  );
}

/** Says that loading failed, why, and offers to try again. */
export function ErrorState({ error, onRetry, className }: { error: unknown; onRetry?: () => void; className?: string }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  return (
    <div role="alert" className={cn("flex flex-col items-center justify-center gap-3 px-6 py-10 text-center", className)}>
      <AlertTriangleIcon aria-hidden className="size-8 text-destructive" />
      <p className="font-medium">{t("common.loadFailed")}</p>
      <p className="max-w-sm text-sm text-muted-foreground">{errorText(error)}</p>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry}>
          <RotateCwIcon aria-hidden /> {t("common.retry")}
        </Button>
      )}
    </div>
  );
}

/** An inline error line under a form. */
export function FormError({ error }: { error: unknown }) {
  const errorText = useErrorText();
  if (!error) return null;
  return (
    <p role="alert" className="text-sm text-destructive">
      {errorText(error)}
    </p>
  );
}
