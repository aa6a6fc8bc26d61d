import { create } from "@bufbuild/protobuf";
import { ChatTriggerSchema, VisitorTrackingSchema, type ChatTrigger, type VisitorTracking } from "@livechat/api/widget_pb";
import { PlusIcon, Trash2Icon } from "lucide-react";
import { Button } from "@/components/ui/button";
import { Input, Textarea } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useI18n, type MessageKey } from "@/i18n";

const switches: { key: "pagesOff" | "keepQueryStrings" | "trackVisits" | "proactiveOff"; label: MessageKey; hint: MessageKey }[] = [
  { key: "pagesOff", label: "tracking.pagesOff", hint: "tracking.pagesOffHint" },
  { key: "keepQueryStrings", label: "tracking.keepQuery", hint: "tracking.keepQueryHint" },
  { key: "trackVisits", label: "tracking.trackVisits", hint: "tracking.trackVisitsHint" },
  { key: "proactiveOff", label: "tracking.proactiveOff", hint: "tracking.proactiveOffHint" },
];

/** The most automatic messages a widget has (the server's limit). */
const maxTriggers = 10;

/** A widget's switches for what it reports of visitors' browsing (the visitor context agents see). */
export function TrackingSettings({ value, onChange }: { value?: VisitorTracking; onChange: (v: VisitorTracking) => void }) {
  const { t } = useI18n();
  const v = value ?? create(VisitorTrackingSchema);
  return (
    <div className="grid gap-4" data-testid="tracking-settings">
      {switches.map((s) => (
        <div key={s.key} className="flex items-start gap-3">
          <Switch
            id={`tracking-${s.key}`}
            checked={v[s.key]}
            disabled={(s.key === "keepQueryStrings" || s.key === "trackVisits") && v.pagesOff}
            aria-describedby={`tracking-${s.key}-hint`}
            onCheckedChange={(on) => onChange(create(VisitorTrackingSchema, { ...v, [s.key]: on }))}
          />
          <div className="grid gap-0.5">
            <Label htmlFor={`tracking-${s.key}`}>{t(s.label)}</Label>
            <p id={`tracking-${s.key}-hint`} className="text-xs text-muted-foreground">
              {t(s.hint)}
            </p>
          </div>
        </div>
      ))}
      <TriggersEditor triggers={v.triggers} onChange={(triggers) => onChange(create(VisitorTrackingSchema, { ...v, triggers }))} />
    </div>
  );
}

/** The widget's automatic messages: after N seconds on a matching page, open with this text. */
function TriggersEditor({ triggers, onChange }: { triggers: ChatTrigger[]; onChange: (t: ChatTrigger[]) => void }) {
  const { t } = useI18n();
  const set = (i: number, patch: Partial<ChatTrigger>) => onChange(triggers.map((x, j) => (j === i ? create(ChatTriggerSchema, { ...x, ...patch }) : x)));
  return (
    <fieldset className="grid gap-3" data-testid="triggers">
      <legend className="text-sm font-medium">{t("triggers.title")}</legend>
      <p className="text-xs text-muted-foreground">{t("triggers.hint")}</p>
      {triggers.length === 0 && <p className="text-sm text-muted-foreground">{t("triggers.none")}</p>}
      {triggers.map((tr, i) => (
        <div key={i} className="grid gap-2 rounded-md border p-3" data-testid="trigger">
          <div className="grid grid-cols-[1fr_8rem_auto] items-end gap-2">
            <div className="grid gap-1">
              <Label htmlFor={`trigger-${i}-pattern`}>{t("triggers.pattern")}</Label>
              <Input
                id={`trigger-${i}-pattern`}
                value={tr.urlPattern}
                placeholder="/pricing"
                maxLength={200}
                aria-describedby={`trigger-${i}-pattern-hint`}
                onChange={(e) => set(i, { urlPattern: e.target.value })}
                data-testid="trigger-pattern"
              />
            </div>
            <div className="grid gap-1">
              <Label htmlFor={`trigger-${i}-delay`}>{t("triggers.delay")}</Label>
              <Input
                id={`trigger-${i}-delay`}
                type="number"
                min={0}
                max={3600}
                value={tr.delaySeconds}
                onChange={(e) => set(i, { delaySeconds: Math.max(0, Math.min(3600, Number(e.target.value) || 0)) })}
                data-testid="trigger-delay"
              />
            </div>
            <Button type="button" variant="ghost" size="icon" aria-label={t("triggers.remove")} onClick={() => onChange(triggers.filter((_, j) => j !== i))}>
              <Trash2Icon aria-hidden />
            </Button>
          </div>
          <p id={`trigger-${i}-pattern-hint`} className="text-xs text-muted-foreground">
            {t("triggers.patternHint")}
          </p>
          <Label htmlFor={`trigger-${i}-en`}>{t("triggers.textEn")}</Label>
          <Textarea id={`trigger-${i}-en`} value={tr.textEn} maxLength={500} onChange={(e) => set(i, { textEn: e.target.value })} data-testid="trigger-text-en" />
          <Label htmlFor={`trigger-${i}-vi`}>{t("triggers.textVi")}</Label>
          <Textarea id={`trigger-${i}-vi`} value={tr.textVi} maxLength={500} onChange={(e) => set(i, { textVi: e.target.value })} data-testid="trigger-text-vi" />
        </div>
      ))}
      {triggers.length < maxTriggers && (
        <Button
          type="button"
          variant="outline"
          size="sm"
          className="justify-self-start"
          onClick={() => onChange([...triggers, create(ChatTriggerSchema, { urlPattern: "/", delaySeconds: 10 })])}
          data-testid="trigger-add"
        >
          <PlusIcon aria-hidden /> {t("triggers.add")}
        </Button>
      )}
    </fieldset>
  );
}
