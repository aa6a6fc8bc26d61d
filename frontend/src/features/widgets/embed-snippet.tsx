import { CopyButton } from "@/components/copy-button";
import { useI18n } from "@/i18n";

/** The two lines a website adds to show the widget; LiveChatConfig can carry more options later. */
export function embedSnippet(siteKey: string, origin = window.location.origin): string {
  return `<script>window.LiveChatConfig = { siteKey: ${JSON.stringify(siteKey)} }</script>\n<script async src="${origin}/widget.js"></script>`;
}

/**
 * One tag with no inline script, for sites whose Content-Security-Policy
 * forbids inline scripts: the loader reads the site key from its own tag's
 * data-site-key and the server from its src.
 */
export function scriptTagSnippet(siteKey: string, origin = window.location.origin): string {
  return `<script async src="${origin}/widget.js" data-site-key="${escapeAttribute(siteKey)}"></script>`;
}

function escapeAttribute(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

export function EmbedSnippet({ siteKey }: { siteKey: string }) {
  const { t } = useI18n();
  const snippet = embedSnippet(siteKey);
  const tag = scriptTagSnippet(siteKey);
  return (
    <div className="grid gap-2">
      <p className="text-sm text-muted-foreground">{t("widgets.embed.hint")}</p>
      <Snippet text={snippet} testId="embed-snippet" />
      <div>
        <CopyButton text={snippet} label={t("widgets.embed.copy")} />
      </div>
      <p className="mt-3 text-sm text-muted-foreground">{t("widgets.embed.cspHint")}</p>
      <Snippet text={tag} testId="embed-snippet-tag" />
      <div>
        <CopyButton text={tag} label={t("widgets.embed.copyTag")} />
      </div>
    </div>
  );
}

function Snippet({ text, testId }: { text: string; testId: string }) {
  return (
    <pre className="overflow-x-auto rounded-md border bg-muted p-3 font-mono text-xs whitespace-pre" data-testid={testId}>
      {text}
    </pre>
  );
}
