import { CopyButton } from "@/components/copy-button";
import { useI18n } from "@/i18n";

/** The two lines a website adds to show the widget. */
export function embedSnippet(siteKey: string, origin = window.location.origin): string {
  return `<script>window.LiveChatConfig = { siteKey: ${JSON.stringify(siteKey)} }</script>\n<script async src="${origin}/widget.js"></script>`;
}

export function EmbedSnippet({ siteKey }: { siteKey: string }) {
  const { t } = useI18n();
  const snippet = embedSnippet(siteKey);
  return (
    <div className="grid gap-2">
      <p className="text-sm text-muted-foreground">{t("widgets.embed.hint")}</p>
      <pre className="overflow-x-auto rounded-md border bg-muted p-3 font-mono text-xs whitespace-pre" data-testid="embed-snippet">
        {snippet}
      </pre>
      <div>
        <CopyButton text={snippet} label={t("widgets.embed.copy")} />
      </div>
    </div>
  );
}
