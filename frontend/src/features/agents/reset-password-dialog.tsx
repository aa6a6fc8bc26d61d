import { useState, type FormEvent } from "react";
import type { Agent } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { passwordProblem } from "@/lib/validation";
import { useAgentMutations } from "./use-agent-mutations";

/** Sets a new password for a colleague (which signs them out everywhere). */
export function ResetPasswordDialog({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [done, setDone] = useState(false);
  const { resetPassword } = useAgentMutations();
  const problem = passwordProblem(password);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (problem) return;
    resetPassword.mutate({ agentId: agent.id, newPassword: password }, { onSuccess: () => setDone(true) });
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t("agents.resetPasswordFor", { name: agent.displayName })}</DialogTitle>
          <DialogDescription>{t("agents.resetPasswordDescription")}</DialogDescription>
        </DialogHeader>
        {done ? (
          <>
            <p role="status" className="text-sm">
              {t("agents.passwordReset")}
            </p>
            <DialogFooter>
              <Button onClick={onClose}>{t("common.done")}</Button>
            </DialogFooter>
          </>
        ) : (
          <form className="grid gap-4" onSubmit={submit} noValidate>
            <Field label={t("field.newPassword")} hint={t("validation.password")} error={submitted && problem ? t(problem) : null}>
              <Input type="password" autoComplete="new-password" autoFocus value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <FormError error={resetPassword.error} />
            <DialogFooter>
              <Button variant="outline" onClick={onClose}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" disabled={resetPassword.isPending}>
                {t("agents.resetPassword")}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
