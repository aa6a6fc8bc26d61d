import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { AttributeType, CustomerService, type CustomerProfile } from "@livechat/api/customer_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useI18n } from "@/i18n";
import { errorDetail } from "@/lib/errors";
import { useErrorText } from "@/lib/use-error-text";
import { valueProblem } from "./attributes";
import { conversationsWithCustomerKey, customerDetailsKey, customerListsKey } from "./keys";

type Contact = "name" | "email" | "phone" | "company" | "notes";
const contactFields: Contact[] = ["name", "email", "phone", "company"];

/** No value, in the boolean picker (Radix Select needs a non-empty value). */
const unset = "-";

/**
 * Edits a customer's contact details, notes and custom attributes. Only
 * what changed is sent, so the record of edits lists exactly those fields.
 */
export function EditCustomerDialog({ profile, onClose }: { profile: CustomerProfile; onClose: () => void }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const c = profile.customer;
  const initial: Record<Contact, string> = { name: c?.name ?? "", email: c?.email ?? "", phone: c?.phone ?? "", company: c?.company ?? "", notes: profile.notes };
  const [form, setForm] = useState(initial);
  const initialCustom = Object.fromEntries(profile.customAttributes.map((a) => [a.key, a.value]));
  const [custom, setCustom] = useState<Record<string, string>>(initialCustom);
  const [submitted, setSubmitted] = useState(false);
  const defs = useQuery(CustomerService.method.listAttributeDefinitions, {});
  const update = useMutation(CustomerService.method.updateCustomer, {
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: customerDetailsKey });
      void qc.invalidateQueries({ queryKey: customerListsKey });
      void qc.invalidateQueries({ queryKey: conversationsWithCustomerKey });
      onClose();
    },
  });
  const detail = errorDetail(update.error);
  const serverProblem = (field: string) => (detail?.field === field ? errorText(update.error) : null);
  const definitions = defs.data?.definitions ?? [];
  const problems = Object.fromEntries(definitions.map((d) => [d.key, valueProblem(d.type, custom[d.key] ?? "")]));

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(problems).some(Boolean)) return;
    const changed = (k: Contact) => (form[k] !== initial[k] ? form[k] : undefined);
    const customAttributes: Record<string, string> = {};
    for (const d of definitions) {
      const v = (custom[d.key] ?? "").trim();
      if (v !== (initialCustom[d.key] ?? "")) customAttributes[d.key] = v;
    }
    update.mutate({
      customerId: c?.id ?? "",
      name: changed("name"),
      email: changed("email"),
      phone: changed("phone"),
      company: changed("company"),
      notes: changed("notes"),
      customAttributes,
    });
  }

  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent className="max-h-[90vh] overflow-y-auto sm:max-w-lg" data-testid="customer-edit-dialog">
        <DialogHeader>
          <DialogTitle>{t("customer.editTitle")}</DialogTitle>
          <DialogDescription>{t("customer.editDescription")}</DialogDescription>
        </DialogHeader>
        <form className="grid gap-4" onSubmit={submit} noValidate>
          {contactFields.map((k, i) => (
            <Field key={k} label={t(`customer.${k}`)} error={serverProblem(k)}>
              <Input
                autoFocus={i === 0}
                type={k === "email" ? "email" : k === "phone" ? "tel" : "text"}
                data-testid={`customer-edit-${k}`}
                value={form[k]}
                onChange={(e) => setForm({ ...form, [k]: e.target.value })}
              />
            </Field>
          ))}
          <Field label={t("customer.notes")} hint={t("customer.notesHint")} error={serverProblem("notes")}>
            <Textarea rows={4} data-testid="customer-edit-notes" value={form.notes} onChange={(e) => setForm({ ...form, notes: e.target.value })} />
          </Field>
          {definitions.map((d) => {
            const field = `attributes.${d.key}`;
            const problem = submitted && problems[d.key] ? t(problems[d.key]!) : serverProblem(field);
            const value = custom[d.key] ?? "";
            const set = (v: string) => setCustom({ ...custom, [d.key]: v });
            return (
              <Field key={d.key} label={d.label} error={problem}>
                {d.type === AttributeType.BOOLEAN ? (
                  <Select value={value || unset} onValueChange={(v) => set(v === unset ? "" : v)}>
                    <SelectTrigger data-testid={`customer-edit-attr-${d.key}`}>
                      <SelectValue />
                    </SelectTrigger>
                    <SelectContent>
                      <SelectItem value={unset}>{t("attributes.noValue")}</SelectItem>
                      <SelectItem value="true">{t("common.yes")}</SelectItem>
                      <SelectItem value="false">{t("common.no")}</SelectItem>
                    </SelectContent>
                  </Select>
                ) : (
                  <Input
                    type={d.type === AttributeType.DATE ? "date" : "text"}
                    inputMode={d.type === AttributeType.NUMBER ? "decimal" : undefined}
                    data-testid={`customer-edit-attr-${d.key}`}
                    value={value}
                    onChange={(e) => set(e.target.value)}
                  />
                )}
              </Field>
            );
          })}
          {!detail?.field && <FormError error={update.error} />}
          <DialogFooter>
            <Button type="button" variant="outline" onClick={onClose}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" disabled={update.isPending} data-testid="customer-edit-save">
              {t("common.save")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
