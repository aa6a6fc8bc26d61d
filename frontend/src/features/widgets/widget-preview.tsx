import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { create, toJson, type JsonObject } from "@bufbuild/protobuf";
import { WidgetConfigSchema, WidgetLocale, type WidgetSettings } from "@livechat/api/widget_pb";
import { Field } from "@/components/field";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { languages, useI18n, type Language } from "@/i18n";

// The frame is laid out as a desktop browser window of this size, so the
// widget shows as visitors on a computer see it (the panel above its
// launcher, on its side), then scaled down to the column's width. Narrower
// than 480 px the widget would switch to its full-screen phone layout.
const frameWidth = 480;
const frameHeight = 720;

/** Messages between the dashboard and /preview-frame.js inside the preview frame. */
const readyMessage = "livechat-preview:ready";
const updateMessage = "livechat-preview:update";

/** The language a visitor gets with the widget's language setting (AUTO: the browser's). */
export function visitorLanguage(locale: WidgetLocale | undefined): Language {
  if (locale === WidgetLocale.VI) return "vi";
  if (locale === WidgetLocale.EN) return "en";
  return navigator.language.toLowerCase().startsWith("vi") ? "vi" : "en";
}

/**
 * The preview configuration the widget loader reads (LiveChatConfig.preview
 * and LiveChat.updatePreview): the JSON form of livechat.v1.WidgetConfig,
 * with enums as their names, as the widget gets it from the server, shown
 * as a visitor speaking lang sees it: that language's texts where written,
 * the defaults elsewhere, and the widget's own words in that language.
 */
export function previewConfig(settings: WidgetSettings, agentsOnline: boolean, lang: Language): JsonObject {
  const tr = settings.translations[lang];
  const pick = (translated: string | undefined, fallback: string) => translated?.trim() || fallback;
  const a = settings.appearance;
  const appearance = a && {
    ...a,
    locale: lang === "vi" ? WidgetLocale.VI : WidgetLocale.EN,
    title: pick(tr?.title, a.title),
    greeting: pick(tr?.greeting, a.greeting),
    launcherLabel: pick(tr?.launcherLabel, a.launcherLabel),
  };
  const offline = settings.offline && { ...settings.offline, message: pick(tr?.offlineMessage, settings.offline.message) };
  const prechat = settings.prechat && {
    ...settings.prechat,
    fields: settings.prechat.fields.map((f) => ({ ...f, label: pick(tr?.prechatLabels[f.key], f.label) })),
  };
  const json = toJson(
    WidgetConfigSchema,
    create(WidgetConfigSchema, { appearance, prechat, offline, translations: settings.translations }),
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
  // The language previewed: the one the widget's setting gives until the
  // admin picks one here, and again after that setting changes.
  const locale = settings.appearance?.locale;
  const [picked, setPicked] = useState<{ lang: Language; locale: WidgetLocale | undefined } | null>(null);
  const lang = picked && picked.locale === locale ? picked.lang : visitorLanguage(locale);
  const missing = t("widgets.preview.missing");
  const config = useMemo(() => previewConfig(settings, !offline, lang), [settings, offline, lang]);
  const box = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState(1);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const fit = () => setScale(Math.min(1, el.clientWidth / frameWidth));
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
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
      <Field label={t("widgets.preview.language")}>
        <Select value={lang} onValueChange={(v) => setPicked({ lang: v as Language, locale })}>
          <SelectTrigger>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {languages.map((l) => (
              <SelectItem key={l.code} value={l.code}>
                {l.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </Field>
      <div className="flex items-center gap-3">
        <Switch id="preview-offline" checked={offline} onCheckedChange={setOffline} data-testid="preview-offline" />
        <Label htmlFor="preview-offline">{t("widgets.preview.offline")}</Label>
      </div>
      <div ref={box} className="overflow-hidden rounded-lg border bg-muted" style={{ height: Math.ceil(frameHeight * scale) + 2 }}>
        <iframe
          ref={frame}
          title={t("widgets.preview.title")}
          sandbox="allow-scripts allow-forms"
          srcDoc={doc}
          className="block origin-top-left border-0"
          style={{ width: frameWidth, height: frameHeight, transform: `scale(${scale})` }}
          data-testid="widget-preview"
        />
      </div>
    </div>
  );
}
