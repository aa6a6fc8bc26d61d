import * as Tabs from "@radix-ui/react-tabs";
import { useState } from "react";
import { create } from "@bufbuild/protobuf";
import { WidgetTextsSchema, type WidgetSettings, type WidgetTexts } from "@livechat/api/widget_pb";
import { Field } from "@/components/field";
import { Input, Textarea } from "@/components/ui/input";
import { languages, useI18n, type Language } from "@/i18n";
import { cn } from "@/lib/cn";
import { textLimits } from "./widget-form";

/**
 * The visitor-facing texts written per language (title, greeting, button
 * label, offline message, pre-chat questions), one tab per language. An
 * empty field falls back to the default text, shown as its placeholder, so
 * only what differs needs writing; a language left all empty is dropped.
 */
export function TextsEditor({
  settings,
  onChange,
  problems,
}: {
  settings: WidgetSettings;
  onChange: (translations: WidgetSettings["translations"]) => void;
  problems: Partial<Record<string, string>>;
}) {
  const { t } = useI18n();
  const [lang, setLang] = useState<Language>("en");
  const a = settings.appearance!;
  const fields = settings.prechat?.fields ?? [];

  const update = (code: Language, patch: Partial<Omit<WidgetTexts, "$typeName">>) => {
    const next = create(WidgetTextsSchema, { ...(settings.translations[code] ?? {}), ...patch });
    const translations = { ...settings.translations };
    const empty = !next.title && !next.greeting && !next.launcherLabel && !next.offlineMessage && Object.values(next.prechatLabels).every((v) => !v);
    if (empty) delete translations[code];
    else translations[code] = next;
    onChange(translations);
  };

  return (
    <Tabs.Root value={lang} onValueChange={(v) => setLang(v as Language)}>
      <Tabs.List aria-label={t("widgets.texts.languages")} className="mb-4 inline-flex gap-1 rounded-lg bg-muted p-1">
        {languages.map((l) => (
          <Tabs.Trigger
            key={l.code}
            value={l.code}
            lang={l.code}
            className={cn(
              "rounded-md px-3 py-1 text-sm font-medium text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring",
              "data-[state=active]:bg-background data-[state=active]:text-foreground data-[state=active]:shadow-xs",
            )}
          >
            {l.label}
          </Tabs.Trigger>
        ))}
      </Tabs.List>
      {languages.map(({ code }) => {
        const tr = settings.translations[code];
        const problem = (k: string) => problems[`texts.${code}.${k}`] ?? null;
        return (
          <Tabs.Content key={code} value={code} data-testid={`texts-${code}`} className="grid gap-4 sm:grid-cols-2">
            <Field label={t("widgets.panelTitle")} error={problem("title")}>
              <Input value={tr?.title ?? ""} placeholder={a.title} maxLength={textLimits.title} onChange={(e) => update(code, { title: e.target.value })} />
            </Field>
            <Field label={t("widgets.launcher")} error={problem("launcherLabel")}>
              <Input
                value={tr?.launcherLabel ?? ""}
                placeholder={a.launcherLabel}
                maxLength={textLimits.launcherLabel}
                onChange={(e) => update(code, { launcherLabel: e.target.value })}
              />
            </Field>
            <Field label={t("widgets.greeting")} error={problem("greeting")} className="sm:col-span-2">
              <Textarea
                rows={2}
                value={tr?.greeting ?? ""}
                placeholder={a.greeting}
                maxLength={textLimits.greeting}
                onChange={(e) => update(code, { greeting: e.target.value })}
              />
            </Field>
            <Field label={t("widgets.offline.message")} error={problem("offlineMessage")} className="sm:col-span-2">
              <Textarea
                rows={2}
                value={tr?.offlineMessage ?? ""}
                placeholder={settings.offline?.message}
                maxLength={textLimits.offlineMessage}
                onChange={(e) => update(code, { offlineMessage: e.target.value })}
              />
            </Field>
            {fields.map((f) => (
              <Field key={f.key} label={t("widgets.texts.question", { label: f.label || f.key })} error={problem(`prechat.${f.key}`)}>
                <Input
                  value={tr?.prechatLabels[f.key] ?? ""}
                  placeholder={f.label}
                  maxLength={textLimits.prechatLabel}
                  onChange={(e) => update(code, { prechatLabels: { ...(tr?.prechatLabels ?? {}), [f.key]: e.target.value } })}
                />
              </Field>
            ))}
          </Tabs.Content>
        );
      })}
    </Tabs.Root>
  );
}
