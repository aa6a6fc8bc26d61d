import type { ReactNode } from "react";
import { ShieldAlertIcon } from "lucide-react";
import { useI18n } from "@/i18n";
import { useDocumentTitle } from "@/lib/use-document-title";
import { useIsAdmin } from "@/features/auth/use-me";
import { EmptyState } from "./states";

/** A settings-style page: title, description, actions and content, scrolling as a whole. */
export function Page({ title, description, actions, children, adminOnly = false }: { title: string; description?: string; actions?: ReactNode; children: ReactNode; adminOnly?: boolean }) {
  const { t } = useI18n();
  const isAdmin = useIsAdmin();
  useDocumentTitle(title);
  return (
    <div className="h-full overflow-y-auto">
      <div className="mx-auto grid max-w-5xl gap-6 p-4 md:p-8">
        <header className="flex flex-wrap items-end justify-between gap-4">
          <div>
            <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
            {description && <p className="mt-1 text-sm text-muted-foreground">{description}</p>}
          </div>
          {(!adminOnly || isAdmin) && actions}
        </header>
        {adminOnly && !isAdmin ? (
          <EmptyState icon={<ShieldAlertIcon />} title={t("error.adminOnly")} />
        ) : (
          children
        )}
      </div>
    </div>
  );
}
