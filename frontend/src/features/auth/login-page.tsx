import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Redirect, useLocation, useSearch } from "wouter";
import { create } from "@bufbuild/protobuf";
import { AuthService, GetMeResponseSchema, GetSetupStateResponseSchema } from "@livechat/api/auth_pb";
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
  const loginErrorText = useLoginErrorText();
  const login = useMutation(AuthService.method.login, {
    // Its UNAUTHENTICATED is a wrong password, not an ended session: the
    // app-wide "signed out" handling must not run (see query-client.ts).
    meta: { ownsUnauthenticated: true },
    onSuccess: (res) => {
      // A new session: drop everything cached for a previous one.
      qc.removeQueries();
      qc.setQueryData(setupStateKey, create(GetSetupStateResponseSchema, { setupRequired: false }));
      qc.setQueryData(meKey, create(GetMeResponseSchema, { agent: res.agent }));
      navigate(safeNext(search), { replace: true });
    },
  });

  if (setup.isPending) return <FullPageSpinner />;
  if (setup.data?.setupRequired) return <Redirect to="/setup" replace />;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!username.trim() || !password) return;
    login.mutate({ username: username.trim().toLowerCase(), password });
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
