import { create } from "@bufbuild/protobuf";
import { VisitorTrackingSchema, type VisitorTracking } from "@livechat/api/widget_pb";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useI18n, type MessageKey } from "@/i18n";

const switches: { key: "pagesOff" | "keepQueryStrings" | "trackVisits"; label: MessageKey; hint: MessageKey }[] = [
  { key: "pagesOff", label: "tracking.pagesOff", hint: "tracking.pagesOffHint" },
  { key: "keepQueryStrings", label: "tracking.keepQuery", hint: "tracking.keepQueryHint" },
  { key: "trackVisits", label: "tracking.trackVisits", hint: "tracking.trackVisitsHint" },
];

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
            disabled={s.key !== "pagesOff" && v.pagesOff}
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
    </div>
  );
}
