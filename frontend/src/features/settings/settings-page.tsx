import { Code } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { BellIcon, Volume2Icon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { AuthService } from "@livechat/api/auth_pb";
import { notificationPermission, requestNotificationPermission } from "@/alerts/desktop";
import { playTone } from "@/alerts/tone";
import { Field } from "@/components/field";
import { Page } from "@/components/page";
import { FormError } from "@/components/states";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Switch } from "@/components/ui/switch";
import { languages, useI18n, type Language } from "@/i18n";
import { cn } from "@/lib/cn";
import { errorCode } from "@/lib/errors";
import { updatePreferences, usePreferences } from "@/lib/preferences";
import { passwordProblem } from "@/lib/validation";
import { TwoFactorCard } from "./two-factor-card";
import { useIsAdmin, useMe, useSetMe } from "@/features/auth/use-me";
import { SecurityCard } from "@/features/privacy/security-card";
import { MailNotificationsCard } from "@/features/mail/notifications-card";
import { AvatarEditor } from "@/features/attachments/avatar-upload";

/** The agent's own settings: language, alerts, password and two-factor sign-in. */
export default function SettingsPage() {
  const { t } = useI18n();
  const isAdmin = useIsAdmin();
  return (
    <Page title={t("settings.title")} description={t("settings.description")}>
      <AvatarCard />
      <LanguageCard />
      <AlertsCard />
      <IdleAwayCard />
      <MailNotificationsCard />
      <PasswordCard />
      <TwoFactorCard />
      {isAdmin && <SecurityCard />}
    </Page>
  );
}

function AvatarCard() {
  const { t } = useI18n();
  const me = useMe();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("avatar.title")}</CardTitle>
        <CardDescription>{t("avatar.description")}</CardDescription>
      </CardHeader>
      <CardContent>
        <AvatarEditor name={me.displayName} url={me.avatarUrl} target={{}} />
      </CardContent>
    </Card>
  );
}

function LanguageCard() {
  const { t, lang, setLang } = useI18n();
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("language.label")}</CardTitle>
        <CardDescription>{t("settings.languageDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <div role="radiogroup" aria-label={t("language.label")} className="flex flex-wrap gap-2">
          {languages.map((l) => (
            <button
              key={l.code}
              type="button"
              role="radio"
              lang={l.code}
              aria-checked={lang === l.code}
              data-testid={`lang-${l.code}`}
              onClick={() => setLang(l.code as Language)}
              className={cn(
                "rounded-md border px-4 py-2 text-sm focus-visible:outline-2 focus-visible:outline-ring",
                lang === l.code ? "border-primary bg-accent font-medium" : "hover:bg-accent",
              )}
            >
              {l.label}
            </button>
          ))}
        </div>
      </CardContent>
    </Card>
  );
}

function AlertsCard() {
  const { t } = useI18n();
  const prefs = usePreferences();
  const [permission, setPermission] = useState(notificationPermission);

  async function toggleDesktop(on: boolean) {
    if (on && permission === "default") {
      const result = await requestNotificationPermission();
      setPermission(result);
      updatePreferences({ desktop: result === "granted", notificationsAsked: true });
      return;
    }
    updatePreferences({ desktop: on, notificationsAsked: true });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.alerts")}</CardTitle>
        <CardDescription>{t("settings.alertsDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        <div className="flex items-center gap-3">
          <Switch id="sound" checked={prefs.sound} onCheckedChange={(sound) => updatePreferences({ sound })} data-testid="sound-switch" />
          <Label htmlFor="sound" className="flex-1">
            <Volume2Icon aria-hidden className="mr-1.5 inline size-4" />
            {t("settings.sound")}
          </Label>
          <Button variant="outline" size="sm" onClick={playTone}>
            {t("settings.testSound")}
          </Button>
        </div>
        <div className="grid gap-2">
          <div className="flex items-center gap-3">
            <Switch
              id="desktop"
              checked={prefs.desktop && permission === "granted"}
              disabled={permission === "denied" || permission === "unsupported"}
              onCheckedChange={(on) => void toggleDesktop(on)}
            />
            <Label htmlFor="desktop" className="flex-1">
              <BellIcon aria-hidden className="mr-1.5 inline size-4" />
              {t("settings.desktop")}
            </Label>
          </div>
          {permission === "denied" && <Alert variant="warning">{t("settings.desktopDenied")}</Alert>}
          {permission === "unsupported" && <Alert variant="warning">{t("settings.desktopUnsupported")}</Alert>}
        </div>
        <p className="text-sm text-muted-foreground">{t("settings.titleBadge")}</p>
      </CardContent>
    </Card>
  );
}

/** After how many idle minutes the status turns Away by itself (0 = never). */
function IdleAwayCard() {
  const { t } = useI18n();
  const me = useMe();
  const setMe = useSetMe();
  const [minutes, setMinutes] = useState(() => String(Math.round(me.idleAwaySeconds / 60)));
  const save = useMutation(AuthService.method.setMyIdleAway, { onSuccess: setMe });
  const value = Number(minutes);
  const invalid = minutes.trim() === "" || !Number.isInteger(value) || value < 0 || value > 1440;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!invalid) save.mutate({ idleAwaySeconds: value * 60 });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.idleAway")}</CardTitle>
        <CardDescription>{t("settings.idleAwayDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="flex max-w-sm items-end gap-3" onSubmit={submit} noValidate>
          <Field label={t("settings.idleAwayMinutes")} error={invalid ? t("settings.idleAwayInvalid") : null}>
            <Input
              type="number"
              inputMode="numeric"
              min={0}
              max={1440}
              value={minutes}
              data-testid="idle-away-minutes"
              onChange={(e) => {
                setMinutes(e.target.value);
                save.reset();
              }}
            />
          </Field>
          <Button type="submit" disabled={invalid || save.isPending} data-testid="idle-away-save">
            {t("settings.save")}
          </Button>
        </form>
        <FormError error={save.error} />
        {save.isSuccess && (
          <p role="status" className="mt-2 text-sm text-success">
            {t("settings.idleAwaySaved")}
          </p>
        )}
      </CardContent>
    </Card>
  );
}

function PasswordCard() {
  const { t } = useI18n();
  const [form, setForm] = useState({ current: "", next: "", confirm: "" });
  const [submitted, setSubmitted] = useState(false);
  const change = useMutation(AuthService.method.changePassword, {
    onSuccess: () => {
      setForm({ current: "", next: "", confirm: "" });
      setSubmitted(false);
    },
  });
  const problems = {
    next: passwordProblem(form.next),
    confirm: form.confirm !== form.next ? ("validation.passwordMismatch" as const) : null,
  };

  // The server refuses a wrong current password as PERMISSION_DENIED: say
  // which field is wrong rather than "no permission".
  const wrongCurrent = change.isError && errorCode(change.error) === Code.PermissionDenied;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (!form.current || problems.next || problems.confirm) return;
    change.mutate({ currentPassword: form.current, newPassword: form.next });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("settings.password")}</CardTitle>
        <CardDescription>{t("settings.passwordDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="grid max-w-sm gap-4" onSubmit={submit} noValidate>
          <Field label={t("field.currentPassword")} error={wrongCurrent ? t("settings.currentPasswordWrong") : null}>
            <Input
              type="password"
              autoComplete="current-password"
              value={form.current}
              onChange={(e) => {
                setForm({ ...form, current: e.target.value });
                if (wrongCurrent) change.reset();
              }}
            />
          </Field>
          <Field label={t("field.newPassword")} hint={t("validation.password")} error={submitted && problems.next ? t(problems.next) : null}>
            <Input type="password" autoComplete="new-password" value={form.next} onChange={(e) => setForm({ ...form, next: e.target.value })} />
          </Field>
          <Field label={t("field.confirmPassword")} error={submitted && problems.confirm ? t(problems.confirm) : null}>
            <Input type="password" autoComplete="new-password" value={form.confirm} onChange={(e) => setForm({ ...form, confirm: e.target.value })} />
          </Field>
          {!wrongCurrent && <FormError error={change.error} />}
          {change.isSuccess && (
            <p role="status" className="text-sm text-success">
              {t("settings.passwordChanged")}
            </p>
          )}
          <div>
            <Button type="submit" disabled={change.isPending || !form.current}>
              {t("settings.changePassword")}
            </Button>
          </div>
        </form>
      </CardContent>
    </Card>
  );
}
