import { useState, type FormEvent } from "react";
import type { Agent } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { displayNameProblem } from "@/lib/validation";
import { useAgentMutations } from "./use-agent-mutations";

/** Changes the name customers and colleagues see. */
export function RenameAgentDialog({ agent, onClose }: { agent: Agent; onClose: () => void }) {
  const { t } = useI18n();
  const [name, setName] = useState(agent.displayName);
  const { update } = useAgentMutations();
  const problem = displayNameProblem(name);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (problem) return;
    update.mutate({ agentId: agent.id, displayName: name.trim() }, { onSuccess: onClose });
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t("agents.rename")}</DialogTitle>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={submit} noValidate>
          <Field label={t("field.displayName")} error={problem ? t(problem) : null}>
            <Input autoFocus value={name} onChange={(e) => setName(e.target.value)} />
          </Field>
          <FormError error={update.error} />
          <DialogFooter>
            <Button variant="outline" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={update.isPending || Boolean(problem)}>
              {t("common.save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
