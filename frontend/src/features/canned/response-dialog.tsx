import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { CannedResponseScope, CannedResponseService, type CannedResponse } from "@livechat/api/canned_pb";
import { ErrorReason } from "@livechat/api/errors_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useI18n } from "@/i18n";
import { errorDetail } from "@/lib/errors";
import { useIsAdmin } from "@/features/auth/use-me";
import { cannedListsKey } from "./keys";
import { cannedLimits, shortcutProblem, textProblem, titleProblem } from "./validation";

/**
 * Creates a response (editing is null) or edits one. Agents create personal
 * responses; admins choose team-wide or personal.
 */
export function ResponseDialog({ editing, onClose }: { editing: CannedResponse | null; onClose: () => void }) {
  const { t } = useI18n();
  const isAdmin = useIsAdmin();
  const qc = useQueryClient();
  const [form, setForm] = useState(() => ({
    scope: String(editing?.scope ?? (isAdmin ? CannedResponseScope.TEAM : CannedResponseScope.PERSONAL)),
    shortcut: editing?.shortcut ?? "",
    title: editing?.title ?? "",
    text: editing?.text ?? "",
    en: editing?.texts.en ?? "",
    vi: editing?.texts.vi ?? "",
  }));
  const [submitted, setSubmitted] = useState(false);
  const done = {
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedListsKey });
      onClose();
    },
  };
  const create = useMutation(CannedResponseService.method.createCannedResponse, done);
  const update = useMutation(CannedResponseService.method.updateCannedResponse, done);
  const mutation = editing ? update : create;

  const problems = {
    shortcut: shortcutProblem(form.shortcut),
    title: titleProblem(form.title),
    text: textProblem(form.text, true),
    en: textProblem(form.en, false),
    vi: textProblem(form.vi, false),
  };
  const shown = (k: keyof typeof problems) => (submitted && problems[k] ? t(problems[k], { max: cannedLimits.text }) : null);
  // The server's refusal of a taken shortcut belongs under the shortcut.
  const detail = errorDetail(mutation.error);
  const taken = detail?.reason === ErrorReason.ALREADY_EXISTS && detail.field === "shortcut";

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(problems).some(Boolean)) return;
    const response = {
      shortcut: form.shortcut.trim(),
      title: form.title.trim(),
      text: form.text,
      texts: { en: form.en, vi: form.vi },
    };
    if (editing) update.mutate({ cannedResponseId: editing.id, response });
    else create.mutate({ scope: Number(form.scope) as CannedResponseScope, response });
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-xl" data-testid="canned-dialog">
        <DialogHeader>
          <DialogTitle>{editing ? t("canned.editTitle", { shortcut: editing.shortcut }) : t("canned.createTitle")}</DialogTitle>
          <DialogDescription>{t("canned.dialogDescription")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={submit} noValidate>
          {!editing && isAdmin && (
            <Field label={t("canned.scope")} hint={form.scope === String(CannedResponseScope.TEAM) ? t("canned.scopeTeamHint") : undefined}>
              <Select value={form.scope} onValueChange={(scope) => setForm({ ...form, scope })}>
                <SelectTrigger data-testid="canned-scope">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value={String(CannedResponseScope.TEAM)}>{t("canned.scopeTeam")}</SelectItem>
                  <SelectItem value={String(CannedResponseScope.PERSONAL)}>{t("canned.scopePersonal")}</SelectItem>
                </SelectContent>
              </Select>
            </Field>
          )}
          <Field label={t("canned.shortcut")} hint={t("canned.shortcutHint")} error={shown("shortcut") ?? (taken ? t("canned.shortcutTaken") : null)}>
            <Input
              autoFocus
              autoCapitalize="none"
              spellCheck={false}
              maxLength={cannedLimits.shortcut + 10}
              data-testid="canned-shortcut"
              value={form.shortcut}
              onChange={(e) => setForm({ ...form, shortcut: e.target.value })}
            />
          </Field>
          <Field label={t("canned.titleField")} hint={t("canned.titleHint")} error={shown("title")}>
            <Input data-testid="canned-title" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />
          </Field>
          <Field label={t("canned.text")} hint={t("canned.textHint")} error={shown("text")}>
            <Textarea rows={4} data-testid="canned-text" value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} />
          </Field>
          <Field label={t("canned.textVi")} hint={t("canned.translationsHint")} error={shown("vi")}>
            <Textarea rows={2} data-testid="canned-text-vi" value={form.vi} onChange={(e) => setForm({ ...form, vi: e.target.value })} />
          </Field>
          <Field label={t("canned.textEn")} error={shown("en")}>
            <Textarea rows={2} data-testid="canned-text-en" value={form.en} onChange={(e) => setForm({ ...form, en: e.target.value })} />
          </Field>
          {!taken && <FormError error={mutation.error} />}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={mutation.isPending} data-testid="canned-save">
              {t("common.save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
