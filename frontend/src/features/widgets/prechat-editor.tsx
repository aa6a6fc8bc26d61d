import { ArrowDownIcon, ArrowUpIcon, PlusIcon, Trash2Icon } from "lucide-react";
import { create } from "@bufbuild/protobuf";
import { PrechatFieldSchema, PrechatFieldType, type PrechatForm } from "@livechat/api/widget_pb";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { useI18n, type MessageKey } from "@/i18n";
import { fieldTypes, keyForType, maxPrechatFields, type PrechatField } from "./widget-form";

/** The questions asked before the first message: label, kind, required, order. */
export function PrechatEditor({
  form,
  onChange,
  problems,
}: {
  form: PrechatForm;
  onChange: (next: PrechatForm) => void;
  problems: Partial<Record<string, MessageKey>>;
}) {
  const { t } = useI18n();
  const fields = form.fields;
  const setFields = (next: PrechatField[]) => onChange({ ...form, fields: next });
  const patch = (i: number, p: Partial<PrechatField>) => setFields(fields.map((f, j) => (j === i ? { ...f, ...p } : f)));
  const move = (i: number, d: -1 | 1) => {
    const next = [...fields];
    [next[i], next[i + d]] = [next[i + d], next[i]];
    setFields(next);
  };

  return (
    <div className="grid gap-4">
      <div className="flex items-center gap-3">
        <Switch id="prechat-enabled" checked={form.enabled} onCheckedChange={(enabled) => onChange({ ...form, enabled })} />
        <Label htmlFor="prechat-enabled">{t("widgets.prechat.enabled")}</Label>
      </div>
      {form.enabled && (
        <>
          {fields.length === 0 && <p className="text-sm text-muted-foreground">{t("widgets.prechat.empty")}</p>}
          <ol className="grid gap-3">
            {fields.map((f, i) => {
              const keyProblem = problems[`field${i}.key`];
              const labelProblem = problems[`field${i}.label`];
              const n = i + 1;
              return (
                <li key={i} className="grid gap-2 rounded-lg border p-3 sm:grid-cols-[1fr_9rem_auto]">
                  <div className="grid gap-1">
                    <Input
                      aria-label={t("widgets.prechat.label", { n })}
                      placeholder={t("widgets.prechat.labelPlaceholder")}
                      value={f.label}
                      aria-invalid={labelProblem ? true : undefined}
                      onChange={(e) => {
                        const label = e.target.value;
                        const autoKey = f.key === "" || f.key === keyForType(f.type, f.label);
                        patch(i, { label, ...(autoKey ? { key: keyForType(f.type, label) } : {}) });
                      }}
                    />
                    <div className="flex items-center gap-2">
                      <span className="text-xs text-muted-foreground">{t("widgets.prechat.key")}</span>
                      <Input
                        aria-label={t("widgets.prechat.keyOf", { n })}
                        className="h-7 font-mono text-xs"
                        value={f.key}
                        aria-invalid={keyProblem ? true : undefined}
                        onChange={(e) => patch(i, { key: e.target.value.toLowerCase() })}
                      />
                    </div>
                    {(labelProblem || keyProblem) && <p className="text-xs text-destructive">{t((labelProblem ?? keyProblem)!)}</p>}
                  </div>
                  <div className="grid content-start gap-2">
                    <Select
                      value={String(f.type)}
                      onValueChange={(v) => {
                        const type = Number(v) as PrechatFieldType;
                        patch(i, { type, key: keyForType(type, f.label) });
                      }}
                    >
                      <SelectTrigger aria-label={t("widgets.prechat.typeOf", { n })}>
                        <SelectValue />
                      </SelectTrigger>
                      <SelectContent>
                        {fieldTypes.map((ft) => (
                          <SelectItem key={ft.value} value={String(ft.value)}>
                            {t(ft.label)}
                          </SelectItem>
                        ))}
                      </SelectContent>
                    </Select>
                    <label className="flex items-center gap-2 text-sm">
                      <input type="checkbox" className="size-4 accent-primary" checked={f.required} onChange={(e) => patch(i, { required: e.target.checked })} />
                      {t("widgets.prechat.required")}
                    </label>
                  </div>
                  <div className="flex items-start gap-1">
                    <Button variant="ghost" size="icon-sm" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t("widgets.prechat.moveUp", { n })}>
                      <ArrowUpIcon aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon-sm" disabled={i === fields.length - 1} onClick={() => move(i, 1)} aria-label={t("widgets.prechat.moveDown", { n })}>
                      <ArrowDownIcon aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon-sm" onClick={() => setFields(fields.filter((_, j) => j !== i))} aria-label={t("widgets.prechat.remove", { n })}>
                      <Trash2Icon aria-hidden />
                    </Button>
                  </div>
                </li>
              );
            })}
          </ol>
          <div>
            <Button
              variant="outline"
              size="sm"
              disabled={fields.length >= maxPrechatFields}
              onClick={() => setFields([...fields, create(PrechatFieldSchema, { key: "", label: "", type: PrechatFieldType.TEXT, required: false })])}
            >
              <PlusIcon aria-hidden /> {t("widgets.prechat.add")}
            </Button>
          </div>
        </>
      )}
    </div>
  );
}
