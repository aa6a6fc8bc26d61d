// The admin-written texts a visitor reads — title, greeting, launcher
// label, offline message and pre-chat labels — in the visitor's language:
// the configuration's translation for that language, field by field, else
// the default text. An empty translated text falls back too.

import type { Lang } from "./i18n";
import type { ConfigJson } from "./types";

/** The admin's texts for one visitor; "" where the admin wrote none (the widget's own text applies). */
export interface Texts {
  title: string;
  greeting: string;
  launcherLabel: string;
  offlineMessage: string;
  /** The label of the pre-chat field key, else its default label. */
  prechatLabel(key: string | undefined, label: string | undefined): string;
}

export function textsFor(c: ConfigJson, lang: Lang): Texts {
  const tr = c.translations?.[lang] || {};
  const pick = (translated: string | undefined, fallback: string | undefined): string =>
    translated?.trim() ? translated : fallback || "";
  return {
    title: pick(tr.title, c.appearance?.title),
    greeting: pick(tr.greeting, c.appearance?.greeting),
    launcherLabel: pick(tr.launcherLabel, c.appearance?.launcherLabel),
    offlineMessage: pick(tr.offlineMessage, c.offline?.message),
    prechatLabel: (key, label) => pick(key ? tr.prechatLabels?.[key] : "", label),
  };
}
