import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Redirect, useLocation } from "wouter";
import { create } from "@bufbuild/protobuf";
import { AuthService, GetMeResponseSchema, GetSetupStateResponseSchema } from "@livechat/api/auth_pb";
import { Field } from "@/components/field";
import { ErrorState, FormError, FullPageSpinner } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { meKey, setupStateKey } from "@/lib/query-keys";
import { displayNameProblem, passwordProblem, usernameProblem } from "@/lib/validation";
import { AuthLayout } from "./auth-layout";

/** First run: creates the installation's first admin and signs them in. */
export function SetupPage() {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const qc = useQueryClient();
  const state = useQuery(AuthService.method.getSetupState, {});
  const [form, setForm] = useState({ username: "", displayName: "", password: "", confirm: "" });
  const [submitted, setSubmitted] = useState(false);
  const setup = useMutation(AuthService.method.setup, {
    onSuccess: (res) => {
      qc.setQueryData(setupStateKey, create(GetSetupStateResponseSchema, { setupRequired: false }));
      qc.setQueryData(meKey, create(GetMeResponseSchema, { agent: res.agent }));
      navigate("/", { replace: true });
    },
  });

  if (state.isPending) return <FullPageSpinner />;
  if (state.isError) return <ErrorState className="h-full" error={state.error} onRetry={() => void state.refetch()} />;
  if (!state.data.setupRequired && !setup.isSuccess) return <Redirect to="/login" replace />;

  const problems = {
    username: usernameProblem(form.username),
    displayName: displayNameProblem(form.displayName),
    password: passwordProblem(form.password),
    confirm: form.confirm !== form.password ? ("validation.passwordMismatch" as const) : null,
  };
  const shown = (key: keyof typeof problems) => (submitted && problems[key] ? t(problems[key]) : null);
  const set = (key: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (Object.values(problems).some(Boolean)) return;
    setup.mutate({
      username: form.username.trim().toLowerCase(),
      displayName: form.displayName.trim(),
      password: form.password,
    });
  }

  return (
    <AuthLayout title={t("setup.title")} subtitle={t("setup.subtitle")}>
      <form className="grid gap-4" onSubmit={submit} noValidate>
        <Field label={t("field.displayName")} error={shown("displayName")}>
          <Input name="displayName" autoComplete="name" autoFocus value={form.displayName} onChange={set("displayName")} />
        </Field>
        <Field label={t("field.username")} hint={t("validation.username")} error={shown("username")}>
          <Input name="username" autoComplete="username" autoCapitalize="none" value={form.username} onChange={set("username")} />
        </Field>
        <Field label={t("field.password")} hint={t("validation.password")} error={shown("password")}>
          <Input name="password" type="password" autoComplete="new-password" value={form.password} onChange={set("password")} />
        </Field>
        <Field label={t("field.confirmPassword")} error={shown("confirm")}>
          <Input name="confirm" type="password" autoComplete="new-password" value={form.confirm} onChange={set("confirm")} />
        </Field>
        <FormError error={setup.error} />
        <Button type="submit" disabled={setup.isPending}>
          {setup.isPending ? t("setup.submitting") : t("setup.submit")}
        </Button>
      </form>
    </AuthLayout>
  );
}
