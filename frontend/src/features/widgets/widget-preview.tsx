import { useEffect, useState } from "react";
import type { WidgetSettings } from "@livechat/api/widget_pb";
import { useI18n } from "@/i18n";

/** JSON that is safe inside an inline <script> (no "</script>" breaking out). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The page the preview frame shows: a mock website that loads the server's
 * real widget.js with the unsaved settings passed as LiveChatConfig.preview.
 * The frame inherits the dashboard's Content-Security-Policy (no inline
 * scripts), so the settings go in a JSON data block that the same-origin
 * /preview-frame.js reads before it loads the widget.
 */
export function previewDocument(siteKey: string, settings: WidgetSettings, missingText: string, origin = window.location.origin): string {
  const data = {
    config: {
      siteKey,
      serverUrl: origin,
      preview: { appearance: settings.appearance, prechat: settings.prechat, offline: settings.offline },
    },
    missingText,
  };
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<style>
html,body{margin:0;height:100%;font-family:system-ui,sans-serif;background:#f4f4f5;color:#71717a}
.page{padding:20px;max-width:560px}.bar{height:12px;border-radius:6px;background:#e4e4e7;margin:12px 0}
.hero{height:90px;border-radius:10px;background:#e4e4e7;margin:18px 0}
#missing{display:none;position:fixed;inset:auto 16px 16px 16px;padding:10px 12px;border-radius:8px;background:#fff7ed;color:#9a3412;font-size:13px}
@media (prefers-color-scheme: dark){html,body{background:#18181b}.bar,.hero{background:#27272a}}
</style></head>
<body><div class="page" aria-hidden="true"><div class="bar" style="width:35%"></div><div class="hero"></div>
<div class="bar" style="width:90%"></div><div class="bar" style="width:75%"></div><div class="bar" style="width:82%"></div></div>
<div id="missing" role="status"></div>
<script type="application/json" id="livechat-preview">${scriptJson(data)}</script>
<script src="${origin}/preview-frame.js"></script>
</body></html>`;
}

/**
 * A live preview of the real widget, in a sandboxed frame that cannot reach
 * the dashboard. Rebuilt shortly after each change.
 */
export function WidgetPreview({ siteKey, settings }: { siteKey: string; settings: WidgetSettings }) {
  const { t } = useI18n();
  const missing = t("widgets.preview.missing");
  const [doc, setDoc] = useState(() => previewDocument(siteKey, settings, missing));
  useEffect(() => {
    const id = window.setTimeout(() => setDoc(previewDocument(siteKey, settings, missing)), 400);
    return () => window.clearTimeout(id);
  }, [siteKey, settings, missing]);

  return (
    <iframe
      title={t("widgets.preview.title")}
      sandbox="allow-scripts allow-forms"
      srcDoc={doc}
      className="h-[560px] w-full rounded-lg border bg-muted"
      data-testid="widget-preview"
    />
  );
}
