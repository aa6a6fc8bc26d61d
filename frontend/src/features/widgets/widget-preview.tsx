import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { WidgetConfigSchema, type WidgetSettings } from "@livechat/api/widget_pb";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { useI18n } from "@/i18n";

/** Messages between the dashboard and /preview-frame.js inside the preview frame. */
const readyMessage = "livechat-preview:ready";
const updateMessage = "livechat-preview:update";

/**
 * The preview configuration the widget loader reads (LiveChatConfig.preview
 * and LiveChat.updatePreview): the JSON form of livechat.v1.WidgetConfig,
 * with enums as their names, exactly as the widget gets it from the server.
 */
export function previewConfig(settings: WidgetSettings, agentsOnline: boolean): JsonObject {
  const json = toJson(
    WidgetConfigSchema,
    create(WidgetConfigSchema, { appearance: settings.appearance, prechat: settings.prechat, offline: settings.offline }),
  ) as JsonObject;
  // The JSON form leaves false out, and the loader takes a missing value as
  // "online": say it either way.
  return { ...json, agentsOnline };
}

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
export function previewDocument(siteKey: string, preview: JsonObject, missingText: string, origin = window.location.origin): string {
  const data = { config: { siteKey, serverUrl: origin, preview }, missingText };
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
 * the dashboard. The frame is built once; later changes go to the loaded
 * widget through its preview API, so it keeps its state (open panel, typed
 * text) instead of reloading.
 */
export function WidgetPreview({ siteKey, settings }: { siteKey: string; settings: WidgetSettings }) {
  const { t } = useI18n();
  const [offline, setOffline] = useState(false);
  const missing = t("widgets.preview.missing");
  const config = useMemo(() => previewConfig(settings, !offline), [settings, offline]);
  const latest = useRef(config);
  latest.current = config;
  const frame = useRef<HTMLIFrameElement>(null);
  const ready = useRef(false);

  // A new document only when what it is built around changes; it starts
  // from the settings of that moment.
  const doc = useMemo(() => previewDocument(siteKey, latest.current, missing), [siteKey, missing]);

  const push = () => {
    // The sandboxed frame has an opaque origin, so no target origin can name
    // it; the settings shown in it are no secret.
    frame.current?.contentWindow?.postMessage({ type: updateMessage, config: latest.current }, "*");
  };

  // Layout effects: in place before the new frame can run any script.
  useLayoutEffect(() => {
    ready.current = false;
  }, [doc]);
  useLayoutEffect(() => {
    const onMessage = (e: MessageEvent) => {
      if (!frame.current || e.source !== frame.current.contentWindow) return;
      if ((e.data as { type?: unknown } | null)?.type !== readyMessage) return;
      ready.current = true;
      // Whatever changed while the widget was loading.
      push();
    };
    window.addEventListener("message", onMessage);
    return () => window.removeEventListener("message", onMessage);
  }, []);

  useEffect(() => {
    if (ready.current) push();
  }, [config]);

  return (
    <div className="grid gap-3">
      <div className="flex items-center gap-3">
        <Switch id="preview-offline" checked={offline} onCheckedChange={setOffline} data-testid="preview-offline" />
        <Label htmlFor="preview-offline">{t("widgets.preview.offline")}</Label>
      </div>
      <iframe
        ref={frame}
        title={t("widgets.preview.title")}
        sandbox="allow-scripts allow-forms"
        srcDoc={doc}
        className="h-[560px] w-full rounded-lg border bg-muted"
        data-testid="widget-preview"
      />
    </div>
  );
}
