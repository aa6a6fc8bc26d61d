import { LanguagesIcon } from "lucide-react";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { languages, useI18n, type Language } from "@/i18n";

/** Picks the dashboard's language; remembered in this browser. */
export function LanguageSwitch({ compact = false }: { compact?: boolean }) {
  const { lang, setLang, t } = useI18n();
  const current = languages.find((l) => l.code === lang)?.label;
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        {/* The visible language name stays in the accessible name (speech
            input users say what they see); the purpose is added for screen
            readers. The icon-only form has nothing visible to keep. */}
        <Button
          variant="ghost"
          size={compact ? "icon" : "sm"}
          aria-label={compact ? `${t("language.choose")}: ${current}` : undefined}
          data-testid="language-switch"
        >
          <LanguagesIcon aria-hidden />
          {!compact && (
            <>
              <span lang={lang}>{current}</span>
              <span className="sr-only">({t("language.choose")})</span>
            </>
          )}
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>{t("language.label")}</DropdownMenuLabel>
        <DropdownMenuRadioGroup value={lang} onValueChange={(v) => setLang(v as Language)}>
          {languages.map((l) => (
            <DropdownMenuRadioItem key={l.code} value={l.code} lang={l.code}>
              {l.label}
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
