import { MessagesSquareIcon } from "lucide-react";
import type { ReactNode } from "react";
import { LanguageSwitch } from "@/components/language-switch";
import { useI18n } from "@/i18n";
import { useDocumentTitle } from "@/lib/use-document-title";

/** The frame of the screens shown before signing in. */
export function AuthLayout({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  const { t } = useI18n();
  useDocumentTitle(title);
  return (
    <div className="flex min-h-full flex-col bg-muted/40">
      <header className="flex items-center justify-between p-4">
        <div className="flex items-center gap-2 font-semibold">
          <MessagesSquareIcon aria-hidden className="size-6 text-primary" />
          {t("app.name")}
        </div>
        <LanguageSwitch />
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-[8vh] pb-10">
        <div className="w-full max-w-sm rounded-xl border bg-card p-6 shadow-sm">
          <h1 className="text-xl font-semibold">{title}</h1>
          <p className="mt-1 mb-5 text-sm text-muted-foreground">{subtitle}</p>
          {children}
        </div>
      </main>
    </div>
  );
}
