import { PlusIcon, TriangleAlertIcon, XIcon } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { maxOrigins, normaliseOrigin, originProblem } from "./widget-form";

/** The websites allowed to embed the widget; warns that an empty list allows any. */
export function OriginsEditor({ origins, onChange }: { origins: string[]; onChange: (next: string[]) => void }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  function add() {
    const origin = normaliseOrigin(draft);
    if (!origin) return;
    const p = originProblem(origin);
    if (p) return setProblem(t(p));
    if (origins.includes(origin)) return setProblem(t("widgets.origins.duplicate"));
    if (origins.length >= maxOrigins) return setProblem(t("widgets.problem.origins"));
    onChange([...origins, origin]);
    setDraft("");
    setProblem(null);
  }

  return (
    <div className="grid gap-3">
      {origins.length === 0 && (
        <Alert variant="warning" data-testid="any-origin-warning">
          <TriangleAlertIcon aria-hidden />
          <span>{t("widgets.origins.emptyWarning")}</span>
        </Alert>
      )}
      {origins.length > 0 && (
        <ul className="flex flex-wrap gap-2" aria-label={t("widgets.origins.title")}>
          {origins.map((o) => (
            <li key={o} className="inline-flex items-center gap-1 rounded-full border bg-muted py-0.5 pr-1 pl-3 font-mono text-xs">
              {o}
              <button
                type="button"
                aria-label={t("widgets.origins.remove", { origin: o })}
                className="rounded-full p-0.5 hover:bg-background focus-visible:outline-2 focus-visible:outline-ring"
                onClick={() => onChange(origins.filter((x) => x !== o))}
              >
                <XIcon className="size-3.5" />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="flex gap-2">
        <Input
          aria-label={t("widgets.origins.add")}
          placeholder="https://shop.example.com"
          value={draft}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setProblem(null);
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
        <Button type="button" variant="outline" onClick={add}>
          <PlusIcon aria-hidden /> {t("common.add")}
        </Button>
      </div>
      {problem ? <p className="text-xs text-destructive">{problem}</p> : <p className="text-xs text-muted-foreground">{t("widgets.origins.hint")}</p>}
    </div>
  );
}
