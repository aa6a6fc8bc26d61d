import { useRef, type ReactNode } from "react";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useI18n } from "@/i18n";

/**
 * Asks before a destructive or unusual action, and shows its error if it
 * fails. Esc or Cancel closes it; focus goes back where it was.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  description,
  confirmLabel,
  onConfirm,
  pending,
  error,
  children,
  variant = "destructive",
  focusConfirm = false,
  returnFocus,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  description: string;
  confirmLabel: string;
  onConfirm: () => void;
  pending?: boolean;
  error?: unknown;
  children?: ReactNode;
  /** How the confirming button looks: "default" for an action that destroys nothing. */
  variant?: "destructive" | "default";
  /** Focus the confirming button (else Cancel, the first button), so Enter confirms. */
  focusConfirm?: boolean;
  /** Where focus goes when it closes (else where it was before it opened). */
  returnFocus?: () => void;
}) {
  const { t } = useI18n();
  const confirm = useRef<HTMLButtonElement>(null);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        role="alertdialog"
        onOpenAutoFocus={(e) => {
          if (!focusConfirm) return;
          e.preventDefault();
          confirm.current?.focus();
        }}
        onCloseAutoFocus={(e) => {
          if (!returnFocus) return;
          e.preventDefault();
          returnFocus();
        }}
      >
        <DialogHeader>
          <DialogTitle>{title}</DialogTitle>
          <DialogDescription>{description}</DialogDescription>
        </DialogHeader>
        {children}
        <FormError error={error} />
        <DialogFooter>
          <Button variant="outline" onClick={() => onOpenChange(false)}>
            {t("common.cancel")}
          </Button>
          <Button ref={confirm} variant={variant} disabled={pending} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
