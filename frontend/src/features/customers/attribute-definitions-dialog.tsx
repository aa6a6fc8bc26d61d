import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { Trash2Icon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { AttributeType, CustomerService, type AttributeDefinition } from "@livechat/api/customer_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Field } from "@/components/field";
import { ErrorState, FormError, Spinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useI18n } from "@/i18n";
import { errorDetail } from "@/lib/errors";
import { useErrorText } from "@/lib/use-error-text";
import { typeLabel } from "./attributes";
import { attributeDefinitionsKey, customerDetailsKey } from "./keys";

const types = [AttributeType.TEXT, AttributeType.NUMBER, AttributeType.BOOLEAN, AttributeType.DATE];
const keyPattern = /^[a-z][a-z0-9_]{0,31}$/;

/** Admins define the installation's custom customer attributes, and delete them. */
export function AttributeDefinitionsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const defs = useQuery(CustomerService.method.listAttributeDefinitions, {});
  const [form, setForm] = useState({ key: "", label: "", type: String(AttributeType.TEXT) });
  const [submitted, setSubmitted] = useState(false);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: attributeDefinitionsKey });
    void qc.invalidateQueries({ queryKey: customerDetailsKey });
  };
  const create = useMutation(CustomerService.method.createAttributeDefinition, {
    onSuccess: () => {
      refresh();
      setForm({ key: "", label: "", type: form.type });
      setSubmitted(false);
    },
  });
  const [deleting, setDeleting] = useState<AttributeDefinition | null>(null);
  const remove = useMutation(CustomerService.method.deleteAttributeDefinition, {
    onSuccess: () => {
      refresh();
      setDeleting(null);
    },
  });
  const keyProblem = !keyPattern.test(form.key) ? t("attributes.keyHint") : null;
  const labelProblem = !form.label.trim() ? t("reason.textEmpty") : null;
  const detail = errorDetail(create.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (keyProblem || labelProblem) return;
    create.mutate({ key: form.key, label: form.label.trim(), type: Number(form.type) as AttributeType });
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-lg" data-testid="attributes-dialog">
        <DialogHeader>
          <DialogTitle>{t("attributes.title")}</DialogTitle>
          <DialogDescription>{t("attributes.description")}</DialogDescription>
        </DialogHeader>
        {defs.isPending ? (
          <Spinner />
        ) : defs.isError ? (
          <ErrorState error={defs.error} onRetry={() => void defs.refetch()} />
        ) : defs.data.definitions.length === 0 ? (
          <p className="text-sm text-muted-foreground">{t("attributes.empty")}</p>
        ) : (
          <ul className="divide-y rounded-md border" data-testid="attributes-list">
            {defs.data.definitions.map((d) => (
              <li key={d.id} className="flex items-center gap-3 px-3 py-2 text-sm">
                <span className="min-w-0 flex-1">
                  <span className="font-medium">{d.label}</span> <code className="text-xs text-muted-foreground">{d.key}</code>
                </span>
                <span className="text-xs text-muted-foreground">{t(typeLabel[d.type])}</span>
                <Button
                  variant="ghost"
                  size="icon"
                  aria-label={t("attributes.delete", { label: d.label })}
                  disabled={remove.isPending}
                  onClick={() => setDeleting(d)}
                >
                  <Trash2Icon aria-hidden />
                </Button>
              </li>
            ))}
          </ul>
        )}
        <ConfirmDialog
          open={!!deleting}
          onOpenChange={(o) => !o && setDeleting(null)}
          title={t("attributes.deleteTitle", { label: deleting?.label ?? "" })}
          description={t("attributes.deleteDescription")}
          confirmLabel={t("attributes.deleteConfirm")}
          pending={remove.isPending}
          error={remove.error}
          onConfirm={() => deleting && remove.mutate({ definitionId: deleting.id })}
        />
        <form className="grid gap-3 border-t pt-4" onSubmit={submit} noValidate>
          <h3 className="text-sm font-medium">{t("attributes.new")}</h3>
          <Field label={t("attributes.label")} error={submitted ? labelProblem : null}>
            <Input data-testid="attribute-label" value={form.label} onChange={(e) => setForm({ ...form, label: e.target.value })} />
          </Field>
          <Field
            label={t("attributes.key")}
            hint={t("attributes.keyHint")}
            error={(submitted ? keyProblem : null) ?? (detail?.field === "key" ? errorText(create.error) : null)}
          >
            <Input
              autoCapitalize="none"
              spellCheck={false}
              data-testid="attribute-key"
              value={form.key}
              onChange={(e) => setForm({ ...form, key: e.target.value })}
            />
          </Field>
          <Field label={t("attributes.type")}>
            <Select value={form.type} onValueChange={(type) => setForm({ ...form, type })}>
              <SelectTrigger data-testid="attribute-type">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {types.map((ty) => (
                  <SelectItem key={ty} value={String(ty)}>
                    {t(typeLabel[ty])}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </Field>
          {detail?.field !== "key" && <FormError error={create.error} />}
          <Button type="submit" className="justify-self-start" disabled={create.isPending} data-testid="attribute-create">
            {t("attributes.create")}
          </Button>
        </form>
      </DialogContent>
    </Dialog>
  );
}
