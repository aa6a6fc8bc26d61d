import { CsatScale } from "@livechat/api/csat_pb";
import { useI18n, type MessageKey } from "@/i18n";

const choices: { value: CsatScale; label: MessageKey }[] = [
  { value: CsatScale.UNSPECIFIED, label: "csat.setting.off" },
  { value: CsatScale.FIVE, label: "csat.setting.five" },
  { value: CsatScale.THUMBS, label: "csat.setting.thumbs" },
];

/** Whether, and how, the widget asks visitors to rate a resolved conversation. */
export function CsatSetting({ value, onChange }: { value: CsatScale; onChange: (v: CsatScale) => void }) {
  const { t } = useI18n();
  return (
    <fieldset className="grid gap-2">
      <legend className="sr-only">{t("csat.setting.legend")}</legend>
      {choices.map((c) => (
        <label key={c.value} className="flex items-center gap-2 text-sm">
          <input
            type="radio"
            name="csat-scale"
            value={c.value}
            checked={value === c.value}
            onChange={() => onChange(c.value)}
            data-testid={`csat-scale-${c.value}`}
            className="size-4 accent-primary"
          />
          {t(c.label)}
        </label>
      ))}
    </fieldset>
  );
}
