import { UserPlusIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { AgentRole } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useI18n } from "@/i18n";
import { displayNameProblem, passwordProblem, usernameProblem } from "@/lib/validation";
import { useAgentMutations } from "./use-agent-mutations";

const blank = { displayName: "", username: "", password: "", role: String(AgentRole.AGENT) };

/** Adds a colleague with a starting password they can change later. */
export function CreateAgentDialog() {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(blank);
  const [submitted, setSubmitted] = useState(false);
  const { create } = useAgentMutations();
  const problems = {
    displayName: displayNameProblem(form.displayName),
    username: usernameProblem(form.username),
    password: passwordProblem(form.password),
  };
  const shown = (k: keyof typeof problems) => (submitted && problems[k] ? t(problems[k]) : null);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(problems).some(Boolean)) return;
    create.mutate(
      {
        displayName: form.displayName.trim(),
        username: form.username.trim().toLowerCase(),
        password: form.password,
        role: Number(form.role) as AgentRole,
      },
      { onSuccess: () => setOpen(false) },
    );
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (o) {
          setForm(blank);
          setSubmitted(false);
          create.reset();
        }
      }}
    >
      <DialogTrigger asChild>
        <Button data-testid="add-agent">
          <UserPlusIcon aria-hidden /> {t("agents.add")}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>{t("agents.add")}</DialogTitle>
          <DialogDescription>{t("agents.addDescription")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={submit} noValidate>
          <Field label={t("field.displayName")} error={shown("displayName")}>
            <Input autoFocus value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
          </Field>
          <Field label={t("field.username")} hint={t("validation.username")} error={shown("username")}>
            <Input autoCapitalize="none" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />
          </Field>
          <Field label={t("field.initialPassword")} hint={t("validation.password")} error={shown("password")}>
            <Input type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
          </Field>
          <Field label={t("field.role")}>
            <Select value={form.role} onValueChange={(role) => setForm({ ...form, role })}>
              <SelectTrigger>
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={String(AgentRole.AGENT)}>{t("role.agent")}</SelectItem>
                <SelectItem value={String(AgentRole.ADMIN)}>{t("role.admin")}</SelectItem>
              </SelectContent>
            </Select>
          </Field>
          <FormError error={create.error} />
          <DialogFooter>
            <Button variant="outline" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={create.isPending}>
              {t("agents.create")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
