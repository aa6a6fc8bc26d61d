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

/**
 * Says that loading failed, why, and offers to try again. The title, the
 * explanation and the action's label can be worded for the case at hand.
 */
export function ErrorState({
  error,
  onRetry,
  className,
  title,
  message,
  retryLabel,
  "data-testid": testId,
}: {
  error: unknown;
  onRetry?: () => void;
  className?: string;
  title?: string;
  message?: string;
  retryLabel?: string;
  "data-testid"?: string;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  return (
    <div role="alert" className={cn("flex flex-col items-center justify-center gap-3 px-6 py-10 text-center", className)} data-testid={testId}>
      <AlertTriangleIcon aria-hidden className="size-8 text-destructive" />
      <p className="font-medium">{title ?? t("common.loadFailed")}</p>
      <p className="max-w-sm text-sm text-muted-foreground">{message ?? errorText(error)}</p>
      {onRetry && (
        <Button variant="outline" size="sm" onClick={onRetry}>
          <RotateCwIcon aria-hidden /> {retryLabel ?? t("common.retry")}
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
