import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type FormEvent } from "react";
import { AuthService, type StartTwoFactorEnrolmentResponse } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { meKey } from "@/lib/query-keys";

/**
 * Two-factor sign-in (TOTP): enrol with an authenticator app, see the
 * recovery codes once, or turn it off with the password and a code.
 */
export function TwoFactorCard() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const me = useQuery(AuthService.method.getMe, {});
  const [enrolment, setEnrolment] = useState<StartTwoFactorEnrolmentResponse | null>(null);
  const [recovery, setRecovery] = useState<string[]>([]);
  const refresh = () => void qc.invalidateQueries({ queryKey: meKey });
  const start = useMutation(AuthService.method.startTwoFactorEnrolment, { onSuccess: setEnrolment });
  const confirm = useMutation(AuthService.method.confirmTwoFactor, {
    onSuccess: (res) => {
      setEnrolment(null);
      setRecovery(res.recoveryCodes);
      refresh();
    },
  });
  const disable = useMutation(AuthService.method.disableTwoFactor, { onSuccess: refresh });
  const [code, setCode] = useState("");
  const [password, setPassword] = useState("");
  const enabled = me.data?.agent?.twoFactorEnabled ?? false;

  function submitConfirm(e: FormEvent) {
    e.preventDefault();
    if (code.trim()) confirm.mutate({ code: code.trim() }, { onSuccess: () => setCode("") });
  }
  function submitDisable(e: FormEvent) {
    e.preventDefault();
    if (password && code.trim())
      disable.mutate({ password, code: code.trim() }, { onSuccess: () => (setCode(""), setPassword(""), setRecovery([])) });
  }

  return (
    <Card data-testid="two-factor-card">
      <CardHeader>
        <CardTitle>{t("twoFactor.title")}</CardTitle>
        <CardDescription>{t("twoFactor.description")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {recovery.length > 0 && (
          <div className="grid gap-2" role="status">
            <p className="text-sm font-medium">{t("twoFactor.recoveryTitle")}</p>
            <p className="text-sm text-muted-foreground">{t("twoFactor.recoveryHint")}</p>
            <ul className="grid grid-cols-2 gap-1 font-mono text-sm" data-testid="recovery-codes">
              {recovery.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          </div>
        )}
        {enabled && (
          <form className="grid max-w-sm gap-4" onSubmit={submitDisable} noValidate>
            <p role="status" className="text-sm text-success">
              {t("twoFactor.enabled")}
            </p>
            <Field label={t("field.password")}>
              <Input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </Field>
            <Field label={t("field.twoFactorCode")}>
              <Input autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
            </Field>
            <FormError error={disable.error} />
            <div>
              <Button type="submit" variant="outline" disabled={disable.isPending || !password || !code.trim()}>
                {t("twoFactor.disable")}
              </Button>
            </div>
          </form>
        )}
        {!enabled && !enrolment && (
          <div className="grid gap-2">
            {disable.isSuccess && (
              <p role="status" className="text-sm">
                {t("twoFactor.disabled")}
              </p>
            )}
            <FormError error={start.error} />
            <div>
              <Button onClick={() => start.mutate({})} disabled={start.isPending || me.isPending}>
                {t("twoFactor.enable")}
              </Button>
            </div>
          </div>
        )}
        {!enabled && enrolment && (
          <form className="grid max-w-sm gap-4" onSubmit={submitConfirm} noValidate>
            <p className="text-sm">{t("twoFactor.scan")}</p>
            <QrCode text={enrolment.otpauthUri} label={t("twoFactor.qrLabel")} />
            <Field label={t("twoFactor.secret")}>
              <Input readOnly value={enrolment.secret} data-testid="two-factor-secret" className="font-mono" />
            </Field>
            <Field label={t("field.twoFactorCode")} hint={t("twoFactor.confirmHint")}>
              <Input autoComplete="one-time-code" inputMode="numeric" value={code} onChange={(e) => setCode(e.target.value)} />
            </Field>
            <FormError error={confirm.error} />
            <div>
              <Button type="submit" disabled={confirm.isPending || !code.trim()}>
                {t("twoFactor.confirm")}
              </Button>
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}

/** The otpauth URI as a QR code; the encoder loads only when one is shown. */
function QrCode({ text, label }: { text: string; label: string }) {
  const [svg, setSvg] = useState("");
  useEffect(() => {
    let live = true;
    void import("uqr").then(({ renderSVG }) => live && setSvg(renderSVG(text, { border: 2 })));
    return () => {
      live = false;
    };
  }, [text]);
  return svg ? (
    <img
      className="size-48 rounded border bg-white"
      alt={label}
      data-testid="two-factor-qr"
      src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`}
    />
  ) : (
    <div className="size-48 rounded border" aria-busy="true" />
  );
}
