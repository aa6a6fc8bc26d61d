import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Redirect, useLocation, useSearch } from "wouter";
import { create } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { AuthService, GetMeResponseSchema, GetSetupStateResponseSchema, type Agent } from "@livechat/api/auth_pb";
import { ErrorDetailSchema, ErrorReason } from "@livechat/api/errors_pb";
import { Field } from "@/components/field";
import { FullPageSpinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { meKey, setupStateKey } from "@/lib/query-keys";
import { AuthLayout } from "./auth-layout";
import { useLoginErrorText } from "./login-error";

/** Where to go after signing in: a path inside the dashboard only. */
export function safeNext(search: string): string {
  const next = new URLSearchParams(search).get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/login") ? next : "/";
}

export function LoginPage() {
  const { t } = useI18n();
  const search = useSearch();
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const setup = useQuery(AuthService.method.getSetupState, {});
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Set once the password was right for an agent with a second factor.
  const [challenge, setChallenge] = useState("");
  const [code, setCode] = useState("");
  const loginErrorText = useLoginErrorText();
  function signedIn(agent: Agent | undefined) {
    // A new session: drop everything cached for a previous one.
    qc.removeQueries();
    qc.setQueryData(setupStateKey, create(GetSetupStateResponseSchema, { setupRequired: false }));
    qc.setQueryData(meKey, create(GetMeResponseSchema, { agent }));
    navigate(safeNext(search), { replace: true });
  }
  const login = useMutation(AuthService.method.login, {
    // Its UNAUTHENTICATED is a wrong password, not an ended session: the
    // app-wide "signed out" handling must not run (see query-client.ts).
    meta: { ownsUnauthenticated: true },
    onSuccess: (res) => {
      if (res.secondFactorChallenge) setChallenge(res.secondFactorChallenge);
      else signedIn(res.agent);
    },
  });
  const complete = useMutation(AuthService.method.completeLogin, {
    meta: { ownsUnauthenticated: true },
    onSuccess: (res) => signedIn(res.agent),
    onError: (err) => {
      // An expired challenge needs the password again.
      if (ConnectError.from(err).findDetails(ErrorDetailSchema)[0]?.reason === ErrorReason.SIGN_IN_EXPIRED) setChallenge("");
    },
  });

  if (setup.isPending) return <FullPageSpinner />;
  if (setup.data?.setupRequired) return <Redirect to="/setup" replace />;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!username.trim() || !password) return;
    login.mutate({ username: username.trim().toLowerCase(), password });
  }

  if (challenge) {
    const submitCode = (e: FormEvent) => {
      e.preventDefault();
      if (code.trim()) complete.mutate({ challenge, code: code.trim() });
    };
    return (
      <AuthLayout title={t("login.title")} subtitle={t("login.codeSubtitle")}>
        <form className="grid gap-4" onSubmit={submitCode} noValidate>
          <Field label={t("field.twoFactorCode")} hint={t("login.codeHint")}>
            <Input
              name="code"
              autoComplete="one-time-code"
              inputMode="text"
              autoCapitalize="none"
              autoFocus
              required
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </Field>
          {complete.error && (
            <p role="alert" className="text-sm text-destructive">
              {loginErrorText(complete.error)}
            </p>
          )}
          <Button type="submit" disabled={complete.isPending || !code.trim()}>
            {complete.isPending ? t("login.submitting") : t("login.verify")}
          </Button>
        </form>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout title={t("login.title")} subtitle={t("login.subtitle")}>
      <form className="grid gap-4" onSubmit={submit} noValidate>
        <Field label={t("field.username")}>
          <Input
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            autoFocus
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </Field>
        <Field label={t("field.password")}>
          <Input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        {complete.error && !login.error && (
          <p role="alert" className="text-sm text-destructive">
            {loginErrorText(complete.error)}
          </p>
        )}
        {login.error && (
          <p role="alert" className="text-sm text-destructive">
            {loginErrorText(login.error)}
          </p>
        )}
        <Button type="submit" disabled={login.isPending || !username.trim() || !password}>
          {login.isPending ? t("login.submitting") : t("login.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
