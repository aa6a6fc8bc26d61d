import { defaultAttachmentKinds } from "@/features/attachments/kinds-setting";
import { create } from "@bufbuild/protobuf";
import {
  PrechatFieldType,
  WidgetLocale,
  WidgetPosition,
  WidgetSettingsSchema,
  type PrechatField,
  type WidgetSettings,
} from "@livechat/api/widget_pb";
import type { I18n, MessageKey } from "@/i18n";

export const maxOrigins = 50;
/** The server's length limits of the visitor-facing texts, in characters. */
export const textLimits = { title: 40, launcherLabel: 40, greeting: 500, offlineMessage: 500, prechatLabel: 64 } as const;
export const maxPrechatFields = 10;

/** Settings for a new widget, worded in the admin's language. */
export function defaultSettings(t: I18n["t"]): WidgetSettings {
  return create(WidgetSettingsSchema, {
    name: "",
    allowedOrigins: [],
    appearance: {
      primaryColor: "#4f46e5",
      position: WidgetPosition.BOTTOM_RIGHT,
      title: t("widgets.default.title"),
      greeting: t("widgets.default.greeting"),
      launcherLabel: t("widgets.default.launcher"),
      locale: WidgetLocale.AUTO,
    },
    prechat: { enabled: false, fields: [] },
    offline: { message: t("widgets.default.offline"), collectEmail: true },
    attachmentKinds: defaultAttachmentKinds,
  });
}

const originPattern = /^(https:\/\/(\*\.)?|http:\/\/)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;

/** Normalises what an admin typed into an origin ("Shop.example.com/" → "https://shop.example.com"). */
export function normaliseOrigin(input: string): string {
  let s = input.trim().toLowerCase().replace(/\/+$/, "");
  if (s && !/^[a-z]+:\/\//.test(s)) s = `https://${s}`;
  return s;
}

export function originProblem(origin: string): MessageKey | null {
  return originPattern.test(origin) ? null : "widgets.origins.invalid";
}

function length(s: string): number {
  return [...s.trim()].length;
}

/** What is wrong with the settings, field by field, mirroring the server's limits. */
export function settingsProblems(s: WidgetSettings): Partial<Record<string, MessageKey>> {
  const p: Partial<Record<string, MessageKey>> = {};
  if (length(s.name) < 1 || length(s.name) > 64) p.name = "widgets.problem.name";
  // Translations may be empty (the default shows) but not longer than it may be.
  for (const [lang, tr] of Object.entries(s.translations)) {
    if (length(tr.title) > textLimits.title) p[`texts.${lang}.title`] = "widgets.problem.max40";
    if (length(tr.launcherLabel) > textLimits.launcherLabel) p[`texts.${lang}.launcherLabel`] = "widgets.problem.max40";
    if (length(tr.greeting) > textLimits.greeting) p[`texts.${lang}.greeting`] = "widgets.problem.greeting";
    if (length(tr.offlineMessage) > textLimits.offlineMessage) p[`texts.${lang}.offlineMessage`] = "widgets.problem.offline";
    for (const [key, label] of Object.entries(tr.prechatLabels)) {
      if (length(label) > textLimits.prechatLabel) p[`texts.${lang}.prechat.${key}`] = "widgets.problem.max64";
    }
  }
  const a = s.appearance;
  if (!a || !/^#[0-9a-fA-F]{6}$/.test(a.primaryColor)) p.primaryColor = "widgets.problem.color";
  if (!a || length(a.title) < 1 || length(a.title) > 40) p.title = "widgets.problem.title";
  if (!a || length(a.launcherLabel) < 1 || length(a.launcherLabel) > 40) p.launcherLabel = "widgets.problem.launcher";
  if (a && length(a.greeting) > 500) p.greeting = "widgets.problem.greeting";
  if (s.offline && length(s.offline.message) > 500) p.offline = "widgets.problem.offline";
  if (s.allowedOrigins.length > maxOrigins) p.origins = "widgets.problem.origins";
  if (!s.attachmentKinds.length) p.attachmentKinds = "attachments.kinds.none";
  const keys = new Set<string>();
  (s.prechat?.fields ?? []).forEach((f, i) => {
    if (!/^[a-z0-9_]{1,32}$/.test(f.key) || keys.has(f.key)) p[`field${i}.key`] = "widgets.problem.fieldKey";
    if (length(f.label) < 1 || length(f.label) > 64) p[`field${i}.label`] = "widgets.problem.fieldLabel";
    keys.add(f.key);
  });
  return p;
}

/**
 * The settings as saved: translations keep only their non-empty pre-chat
 * labels of fields the form still has, and a language with nothing left
 * is dropped (the server accepts labels of the form's fields only).
 */
export function withCleanTranslations(s: WidgetSettings): WidgetSettings {
  const keys = new Set((s.prechat?.fields ?? []).map((f) => f.key));
  const translations: WidgetSettings["translations"] = {};
  for (const [lang, tr] of Object.entries(s.translations)) {
    const prechatLabels = Object.fromEntries(Object.entries(tr.prechatLabels).filter(([k, v]) => keys.has(k) && v.trim()));
    if (!tr.title.trim() && !tr.greeting.trim() && !tr.launcherLabel.trim() && !tr.offlineMessage.trim() && !Object.keys(prechatLabels).length) continue;
    translations[lang] = { ...tr, prechatLabels };
  }
  return { ...s, translations };
}

/** A field key derived from its label: "Order number" → "order_number". */
export function keyFromLabel(label: string): string {
  return label
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/gi, "d")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 32);
}

export const fieldTypes: { value: PrechatFieldType; label: MessageKey }[] = [
  { value: PrechatFieldType.NAME, label: "widgets.prechat.type.name" },
  { value: PrechatFieldType.EMAIL, label: "widgets.prechat.type.email" },
  { value: PrechatFieldType.PHONE, label: "widgets.prechat.type.phone" },
  { value: PrechatFieldType.TEXT, label: "widgets.prechat.type.text" },
];

export function keyForType(type: PrechatFieldType, label: string): string {
  switch (type) {
    case PrechatFieldType.NAME:
      return "name";
    case PrechatFieldType.EMAIL:
      return "email";
    case PrechatFieldType.PHONE:
      return "phone";
    default:
      return keyFromLabel(label);
  }
}

export type { PrechatField };
