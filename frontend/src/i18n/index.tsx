import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { en, type MessageKey } from "./en";
import { vi } from "./vi";
import { onSettingChange, readSetting, writeSetting } from "@/lib/storage";

export type { MessageKey };
export type Language = "en" | "vi";
export const languages: { code: Language; label: string }[] = [
  { code: "en", label: "English" },
  { code: "vi", label: "Tiếng Việt" },
];

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, vi };

/** Keys that exist in a `_one` / `_other` pair, for counted phrases. */
type PluralBase = { [K in MessageKey]: K extends `${infer B}_other` ? (`${B}_one` extends MessageKey ? B : never) : never }[MessageKey];

type Vars = Record<string, string | number>;

export interface I18n {
  lang: Language;
  setLang: (lang: Language) => void;
  /** Translates a key, filling `{name}` placeholders from vars. */
  t: (key: MessageKey, vars?: Vars) => string;
  /** Translates a counted phrase: picks `_one` or `_other` and fills `{count}`. */
  tp: (base: PluralBase, count: number, vars?: Vars) => string;
  /** The BCP 47 locale for Intl formatters. */
  locale: string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  const saved = readSetting<string | null>("lang", null);
  if (saved === "en" || saved === "vi") return saved;
  return navigator.language.toLowerCase().startsWith("vi") ? "vi" : "en";
}

function fill(text: string, vars?: Vars): string {
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

/** Provides the chosen language; the choice is remembered and shared by tabs. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Language>(initialLanguage);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  useEffect(() => onSettingChange("lang", () => setLangState(initialLanguage())), []);

  const setLang = useCallback((next: Language) => {
    writeSetting("lang", next);
    setLangState(next);
  }, []);

  const value = useMemo<I18n>(() => {
    const dict = dictionaries[lang];
    const locale = lang === "vi" ? "vi-VN" : "en-US";
    const plural = new Intl.PluralRules(locale);
    const t = (key: MessageKey, vars?: Vars) => fill(dict[key] ?? en[key] ?? key, vars);
    const tp = (base: PluralBase, count: number, vars?: Vars) => {
      const form = plural.select(count) === "one" ? "_one" : "_other";
      return t(`${base}${form}` as MessageKey, { count, ...vars });
    };
    return { lang, setLang, t, tp, locale };
  }, [lang, setLang]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error("useI18n outside I18nProvider");
  return ctx;
}
