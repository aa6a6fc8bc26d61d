import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { ArrowLeftIcon, SearchXIcon, TriangleAlertIcon } from "lucide-react";
import { Code } from "@connectrpc/connect";
import { useMemo, useState, type ReactNode } from "react";
import { Link, useLocation, useParams } from "wouter";
import { clone, equals } from "@bufbuild/protobuf";
import { WidgetLocale, WidgetPosition, WidgetService, WidgetSettingsSchema, type Widget } from "@livechat/api/widget_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { CopyButton } from "@/components/copy-button";
import { Field } from "@/components/field";
import { Page } from "@/components/page";
import { EmptyState, ErrorState, FormError, FullPageSpinner } from "@/components/states";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Input, Textarea } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Switch } from "@/components/ui/switch";
import { TrackingSettings } from "@/features/customers/tracking-settings";
import { AttachmentKindsSetting } from "@/features/attachments/kinds-setting";
import { Label } from "@/components/ui/label";
import { useI18n } from "@/i18n";
import { errorCode } from "@/lib/errors";
import { formatDateTime, toDate } from "@/lib/format";
import { EmbedSnippet } from "./embed-snippet";
import { OriginsEditor } from "./origins-editor";
import { PrechatEditor } from "./prechat-editor";
import { TextsEditor } from "./texts-editor";
import { defaultSettings, settingsProblems, withCleanTranslations } from "./widget-form";
import { WidgetPreview } from "./widget-preview";
import { CsatSetting } from "@/features/reports/csat-setting";
import { RoutingCard } from "@/features/routing/routing-card";
import { HoursCard } from "@/features/routing/hours-card";

/** Creates a widget (/widgets/new) or edits one, with a live preview and the embed snippet. */
export default function WidgetEditorPage() {
  const { widgetId } = useParams<{ widgetId: string }>();
  const { t } = useI18n();
  const isNew = widgetId === "new";
  const query = useQuery(WidgetService.method.getWidget, { widgetId }, { enabled: !isNew });

  if (isNew) return <WidgetEditor key="new" />;
  if (query.isPending) return <FullPageSpinner />;
  const code = query.isError ? errorCode(query.error) : null;
  if (code === Code.NotFound || code === Code.InvalidArgument || (query.isSuccess && !query.data.widget)) {
    // A deleted widget, or a link with a mistyped id.
    return (
      <Page title={t("widgets.title")} adminOnly>
        <Card>
          <EmptyState icon={<SearchXIcon />} title={t("widgets.notFound")}>
            <p>{t("widgets.notFoundHint")}</p>
            <Button asChild variant="outline" size="sm" className="mt-4">
              <Link href="/widgets" data-testid="back-to-widgets">
                <ArrowLeftIcon aria-hidden /> {t("widgets.backToList")}
              </Link>
            </Button>
          </EmptyState>
        </Card>
      </Page>
    );
  }
  if (query.isError || !query.data.widget) {
    return (
      <Page title={t("widgets.title")} adminOnly>
        <ErrorState error={query.error} onRetry={() => void query.refetch()} />
      </Page>
    );
  }
  return <WidgetEditor key={widgetId} widget={query.data.widget} />;
}

// The identity secrets of widgets just created, by widget id, handed to the
// editor that opens next (the creating editor unmounts when the route
// changes). A secret stays here until its dialog is closed, so an editor
// that React renders again, or mounts anew while the widget loads, still
// shows it.
const createdSecrets = new Map<string, string>();

function WidgetEditor({ widget }: { widget?: Widget }) {
  const { t, locale } = useI18n();
  const qc = useQueryClient();
  const [, navigate] = useLocation();
  const initial = useMemo(() => (widget?.settings ? clone(WidgetSettingsSchema, widget.settings) : defaultSettings(t)), [widget, t]);
  const [saved, setSaved] = useState(initial);
  const [settings, setSettings] = useState(initial);
  const [submitted, setSubmitted] = useState(false);
  const [secret, setSecret] = useState<string | null>(() => (widget ? (createdSecrets.get(widget.id) ?? null) : null));
  const closeSecret = () => {
    if (widget) createdSecrets.delete(widget.id);
    setSecret(null);
  };
  const [confirm, setConfirm] = useState<"delete" | "rotate" | null>(null);
  const dirty = !equals(WidgetSettingsSchema, settings, saved);
  const problems = settingsProblems(settings);
  const problem = (k: string) => (submitted && problems[k] ? t(problems[k]!) : null);
  const invalidateList = () => qc.invalidateQueries({ queryKey: ["connect-query", { serviceName: WidgetService.typeName }] });

  const createWidget = useMutation(WidgetService.method.createWidget, {
    onSuccess: (res) => {
      void invalidateList();
      if (res.widget) {
        createdSecrets.set(res.widget.id, res.identitySecret);
        navigate(`/widgets/${res.widget.id}`, { replace: true });
      }
    },
  });
  const updateWidget = useMutation(WidgetService.method.updateWidget, {
    onSuccess: (res) => {
      void invalidateList();
      // What the server stored is what the editor shows from now on.
      if (res.widget?.settings) {
        setSaved(clone(WidgetSettingsSchema, res.widget.settings));
        setSettings(clone(WidgetSettingsSchema, res.widget.settings));
      }
    },
  });
  const deleteWidget = useMutation(WidgetService.method.deleteWidget, {
    onSuccess: () => {
      void invalidateList();
      navigate("/widgets", { replace: true });
    },
  });
  const rotate = useMutation(WidgetService.method.rotateWidgetSecret, {
    onSuccess: (res) => {
      void invalidateList();
      setConfirm(null);
      setSecret(res.identitySecret);
    },
  });

  const save = () => {
    setSubmitted(true);
    if (Object.keys(problems).length) return;
    const clean = withCleanTranslations(settings);
    if (widget) updateWidget.mutate({ widgetId: widget.id, settings: clean });
    else createWidget.mutate({ settings: clean });
  };
  const saving = createWidget.isPending || updateWidget.isPending;
  const a = settings.appearance!;
  const setAppearance = (p: Partial<typeof a>) => setSettings({ ...settings, appearance: { ...a, ...p } });
  const offline = settings.offline!;

  const title = widget ? settings.name || t("widgets.untitled") : t("widgets.new");
  const back = (
    <Button asChild variant="ghost" size="sm">
      <Link href="/widgets">
        <ArrowLeftIcon aria-hidden /> {t("widgets.title")}
      </Link>
    </Button>
  );

  return (
    <Page title={title} actions={back} adminOnly>
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
        <form
          className="grid content-start gap-6"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Section title={t("widgets.section.general")}>
            <Field label={t("widgets.name")} hint={t("widgets.nameHint")} error={problem("name")}>
              <Input value={settings.name} maxLength={64} data-testid="widget-name" onChange={(e) => setSettings({ ...settings, name: e.target.value })} />
            </Field>
          </Section>

          <Section title={t("widgets.origins.title")} description={t("widgets.origins.description")}>
            <OriginsEditor origins={settings.allowedOrigins} onChange={(allowedOrigins) => setSettings({ ...settings, allowedOrigins })} />
          </Section>

          <Section title={t("widgets.section.appearance")}>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label={t("widgets.color")} error={problem("primaryColor")}>
                {(control) => (
                  <div className="flex gap-2">
                    <input
                      type="color"
                      aria-label={t("widgets.colorPicker")}
                      className="h-9 w-12 cursor-pointer rounded-md border bg-background p-1"
                      value={/^#[0-9a-fA-F]{6}$/.test(a.primaryColor) ? a.primaryColor : "#4f46e5"}
                      onChange={(e) => setAppearance({ primaryColor: e.target.value })}
                    />
                    <Input
                      {...control}
                      className="font-mono"
                      value={a.primaryColor}
                      maxLength={7}
                      onChange={(e) => setAppearance({ primaryColor: e.target.value })}
                    />
                  </div>
                )}
              </Field>
              <Field label={t("widgets.position")}>
                <Select value={String(a.position)} onValueChange={(v) => setAppearance({ position: Number(v) as WidgetPosition })}>
                  <SelectTrigger>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={String(WidgetPosition.BOTTOM_RIGHT)}>{t("widgets.position.right")}</SelectItem>
                    <SelectItem value={String(WidgetPosition.BOTTOM_LEFT)}>{t("widgets.position.left")}</SelectItem>
                  </SelectContent>
                </Select>
              </Field>
              <Field label={t("widgets.panelTitle")} error={problem("title")}>
                <Input value={a.title} maxLength={40} onChange={(e) => setAppearance({ title: e.target.value })} />
              </Field>
              <Field label={t("widgets.launcher")} error={problem("launcherLabel")}>
                <Input value={a.launcherLabel} maxLength={40} onChange={(e) => setAppearance({ launcherLabel: e.target.value })} />
              </Field>
              <Field label={t("widgets.greeting")} error={problem("greeting")} className="sm:col-span-2">
                <Textarea rows={2} maxLength={500} value={a.greeting} onChange={(e) => setAppearance({ greeting: e.target.value })} />
              </Field>
              <Field label={t("widgets.locale")}>
                <Select value={String(a.locale)} onValueChange={(v) => setAppearance({ locale: Number(v) as WidgetLocale })}>
                  <SelectTrigger>
                    <SelectValue />
                  </SelectTrigger>
                  <SelectContent>
                    <SelectItem value={String(WidgetLocale.AUTO)}>{t("widgets.locale.auto")}</SelectItem>
                    <SelectItem value={String(WidgetLocale.EN)}>English</SelectItem>
                    <SelectItem value={String(WidgetLocale.VI)}>Tiếng Việt</SelectItem>
                  </SelectContent>
                </Select>
              </Field>
            </div>
          </Section>

          <Section title={t("widgets.section.prechat")} description={t("widgets.prechat.description")}>
            <PrechatEditor form={settings.prechat!} onChange={(prechat) => setSettings({ ...settings, prechat })} problems={submitted ? problems : {}} />
          </Section>

          <Section title={t("widgets.section.offline")} description={t("widgets.offline.description")}>
            <Field label={t("widgets.offline.message")} error={problem("offline")}>
              <Textarea rows={2} maxLength={500} value={offline.message} onChange={(e) => setSettings({ ...settings, offline: { ...offline, message: e.target.value } })} />
            </Field>
            <div className="mt-4 flex items-center gap-3">
              <Switch
                id="collect-email"
                checked={offline.collectEmail}
                onCheckedChange={(collectEmail) => setSettings({ ...settings, offline: { ...offline, collectEmail } })}
              />
              <Label htmlFor="collect-email">{t("widgets.offline.collectEmail")}</Label>
            </div>
          </Section>

          <Section title={t("csat.setting.title")} description={t("csat.setting.description")}>
            <CsatSetting value={settings.csat} onChange={(csat) => setSettings({ ...settings, csat })} />
          </Section>

          <Section title={t("attachments.kinds.title")} description={t("attachments.kinds.description")}>
            <AttachmentKindsSetting
              value={settings.attachmentKinds}
              onChange={(attachmentKinds) => setSettings({ ...settings, attachmentKinds })}
              problem={submitted && problems.attachmentKinds ? t(problems.attachmentKinds) : undefined}
            />
          </Section>

          <Section title={t("tracking.section")} description={t("tracking.description")}>
            <TrackingSettings value={settings.visitorTracking} onChange={(visitorTracking) => setSettings({ ...settings, visitorTracking })} />
          </Section>

          <Section title={t("widgets.section.texts")} description={t("widgets.texts.description")}>
            <TextsEditor
              settings={settings}
              onChange={(translations) => setSettings({ ...settings, translations })}
              problems={submitted ? Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, v ? t(v) : undefined])) : {}}
            />
          </Section>

          {widget && (
            <Section title={t("widgets.section.identity")} description={t("widgets.identity.description")}>
              <p className="text-sm text-muted-foreground">
                {t("widgets.identity.rotatedAt", { date: widget.secretRotatedAt ? formatDateTime(toDate(widget.secretRotatedAt)!, locale) : "—" })}
              </p>
              <div className="mt-3 flex flex-wrap gap-2">
                <Button variant="outline" onClick={() => setConfirm("rotate")}>
                  {t("widgets.identity.rotate")}
                </Button>
                <Button variant="destructive" onClick={() => setConfirm("delete")}>
                  {t("widgets.delete")}
                </Button>
              </div>
            </Section>
          )}

          <div className="sticky bottom-0 z-10 -mx-1 flex flex-wrap items-center gap-3 border-t bg-background/95 px-1 py-3 backdrop-blur">
            <Button type="submit" disabled={saving || (!!widget && !dirty)} data-testid="save-widget">
              {widget ? t("common.saveChanges") : t("widgets.create")}
            </Button>
            {widget && dirty && <span className="text-sm text-muted-foreground">{t("common.unsaved")}</span>}
            {widget && !dirty && updateWidget.isSuccess && (
              <span role="status" className="text-sm text-muted-foreground">
                {t("common.saved")}
              </span>
            )}
            {submitted && Object.keys(problems).length > 0 && <span className="text-sm text-destructive">{t("widgets.fixProblems")}</span>}
            <FormError error={createWidget.error ?? updateWidget.error} />
          </div>
        </form>

        <aside className="grid content-start gap-6 lg:sticky lg:top-4 lg:self-start">
          <Card>
            <CardHeader>
              <CardTitle>{t("widgets.preview.title")}</CardTitle>
              <CardDescription>{t("widgets.preview.description")}</CardDescription>
            </CardHeader>
            <CardContent>
              <WidgetPreview siteKey={widget?.siteKey ?? "preview"} settings={settings} />
            </CardContent>
          </Card>
          {widget && (
            <Card>
              <CardHeader>
                <CardTitle>{t("widgets.embed.title")}</CardTitle>
              </CardHeader>
              <CardContent>
                <EmbedSnippet siteKey={widget.siteKey} />
              </CardContent>
            </Card>
          )}
        </aside>
      </div>

      {widget && <WidgetExtras widgetId={widget.id} />}
      {secret && <SecretDialog secret={secret} onClose={closeSecret} />}
      {widget && (
        <>
          <ConfirmDialog
            open={confirm === "rotate"}
            onOpenChange={(o) => !o && setConfirm(null)}
            title={t("widgets.identity.rotateTitle")}
            description={t("widgets.identity.rotateDescription")}
            confirmLabel={t("widgets.identity.rotate")}
            pending={rotate.isPending}
            error={rotate.error}
            onConfirm={() => rotate.mutate({ widgetId: widget.id })}
          />
          <ConfirmDialog
            open={confirm === "delete"}
            onOpenChange={(o) => !o && setConfirm(null)}
            title={t("widgets.deleteTitle", { name: settings.name })}
            description={t("widgets.deleteDescription")}
            confirmLabel={t("widgets.delete")}
            pending={deleteWidget.isPending}
            error={deleteWidget.error}
            onConfirm={() => deleteWidget.mutate({ widgetId: widget.id })}
          />
        </>
      )}
    </Page>
  );
}

/** Settings of a widget kept and saved apart from its settings form. */
function WidgetExtras({ widgetId }: { widgetId: string }) {
  return (
    <div className="mt-6 grid gap-6 lg:grid-cols-[minmax(0,1fr)_22rem]">
      <div className="grid content-start gap-6">
        <RoutingCard widgetId={widgetId} />
        <HoursCard widgetId={widgetId} />
      </div>
    </div>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {description && <CardDescription>{description}</CardDescription>}
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

/** The identity-verification secret, shown once after creating or rotating. */
function SecretDialog({ secret, onClose }: { secret: string; onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog open onOpenChange={(o) => !o && onClose()}>
      <DialogContent onInteractOutside={(e) => e.preventDefault()}>
        <DialogHeader>
          <DialogTitle>{t("widgets.identity.secretTitle")}</DialogTitle>
          <DialogDescription>{t("widgets.identity.secretDescription")}</DialogDescription>
        </DialogHeader>
        <Alert variant="warning">
          <TriangleAlertIcon aria-hidden />
          <span>{t("tokens.shownOnce")}</span>
        </Alert>
        <div className="flex items-center gap-2">
          <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="identity-secret">
            {secret}
          </code>
          <CopyButton text={secret} />
        </div>
        <DialogFooter>
          <Button onClick={onClose}>{t("common.done")}</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
