import { ConnectError } from "@connectrpc/connect";
import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { InboxIcon, RotateCwIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { MailSecurity, MailService, OutboxMailKind, OutboxStatus, type MailSettings, type OutboxMail } from "@livechat/api/mail_pb";
import { Field } from "@/components/field";
import { Page } from "@/components/page";
import { EmptyState, ErrorState, FormError } from "@/components/states";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Switch } from "@/components/ui/switch";
import { useI18n, type MessageKey } from "@/i18n";
import { formatDateTime, toDate } from "@/lib/format";
import { useErrorText } from "@/lib/use-error-text";

/** Email: the outgoing mail server, a test mail and the outbox. Admins only. */
export default function MailPage() {
  const { t } = useI18n();
  return (
    <Page title={t("mail.title")} description={t("mail.description")} adminOnly>
      <SettingsCard />
      <TestMailCard />
      <OutboxCard />
    </Page>
  );
}

const securities: { value: MailSecurity; label: MessageKey }[] = [
  { value: MailSecurity.STARTTLS, label: "mail.security.starttls" },
  { value: MailSecurity.TLS, label: "mail.security.tls" },
  { value: MailSecurity.NONE, label: "mail.security.none" },
];

interface Form {
  host: string;
  port: string;
  security: MailSecurity;
  username: string;
  password: string;
  fromAddress: string;
  fromName: string;
  replyDomain: string;
  followupMinutes: string;
  transcriptOnResolve: boolean;
}

function formOf(s: MailSettings | undefined): Form {
  return {
    host: s?.host ?? "",
    port: s?.port ? String(s.port) : "",
    security: s?.security || MailSecurity.STARTTLS,
    username: s?.username ?? "",
    password: "",
    fromAddress: s?.fromAddress ?? "",
    fromName: s?.fromName ?? "",
    replyDomain: s?.replyDomain ?? "",
    followupMinutes: String(s?.followupMinutes || 5),
    transcriptOnResolve: s?.transcriptOnResolve ?? false,
  };
}

function SettingsCard() {
  const { t } = useI18n();
  const settings = useQuery(MailService.method.getMailSettings, {});
  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("mail.server")}</CardTitle>
        <CardDescription>{t("mail.serverDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        {settings.isPending ? (
          <div className="grid gap-3" aria-busy>
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-9" />
            ))}
          </div>
        ) : settings.isError ? (
          <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
        ) : (
          <SettingsForm settings={settings.data.settings} />
        )}
      </CardContent>
    </Card>
  );
}

function SettingsForm({ settings }: { settings: MailSettings | undefined }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [form, setForm] = useState(() => formOf(settings));
  const [changePassword, setChangePassword] = useState(false);
  const save = useMutation(MailService.method.updateMailSettings, {
    onSuccess: () => {
      setChangePassword(false);
      setForm((f) => ({ ...f, password: "" }));
      void qc.invalidateQueries();
    },
  });
  const port = form.port.trim() === "" ? 0 : Number(form.port);
  const minutes = Number(form.followupMinutes);
  const problems = {
    host: form.host.trim() === "" ? t("mail.required") : null,
    port: !Number.isInteger(port) || port < 0 || port > 65535 ? t("mail.portInvalid") : null,
    from: form.fromAddress.trim() === "" ? t("mail.required") : null,
    minutes: !Number.isInteger(minutes) || minutes < 1 || minutes > 1440 ? t("mail.followupInvalid") : null,
    username: form.username.trim() !== "" && form.security === MailSecurity.NONE ? t("mail.usernameNeedsTls") : null,
  };
  const invalid = Object.values(problems).some(Boolean);
  const set = (patch: Partial<Form>) => {
    setForm((f) => ({ ...f, ...patch }));
    save.reset();
  };

  function submit(e: FormEvent) {
    e.preventDefault();
    if (invalid) return;
    save.mutate({
      settings: {
        host: form.host.trim(),
        port,
        security: form.security,
        username: form.username.trim(),
        fromAddress: form.fromAddress.trim(),
        fromName: form.fromName.trim(),
        replyDomain: form.replyDomain.trim(),
        followupMinutes: minutes,
        transcriptOnResolve: form.transcriptOnResolve,
      },
      password: changePassword ? form.password : undefined,
    });
  }

  return (
    <form className="grid gap-4" onSubmit={submit} noValidate data-testid="mail-settings">
      {settings?.fromConfiguration && <Alert>{t("mail.fromConfiguration")}</Alert>}
      <div className="grid gap-4 sm:grid-cols-[1fr_8rem_12rem]">
        <Field label={t("mail.host")} error={problems.host}>
          <Input value={form.host} onChange={(e) => set({ host: e.target.value })} placeholder="smtp.example.com" data-testid="mail-host" />
        </Field>
        <Field label={t("mail.port")} hint={t("mail.portHint")} error={problems.port}>
          <Input type="number" inputMode="numeric" min={0} max={65535} value={form.port} onChange={(e) => set({ port: e.target.value })} data-testid="mail-port" />
        </Field>
        <Field label={t("mail.security")}>
          <Select value={String(form.security)} onValueChange={(v) => set({ security: Number(v) as MailSecurity })}>
            <SelectTrigger data-testid="mail-security">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {securities.map((s) => (
                <SelectItem key={s.value} value={String(s.value)}>
                  {t(s.label)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t("mail.username")} hint={t("mail.usernameHint")} error={problems.username}>
          <Input autoComplete="off" value={form.username} onChange={(e) => set({ username: e.target.value })} data-testid="mail-username" />
        </Field>
        <Field label={t("mail.password")} hint={settings?.passwordSet && !changePassword ? t("mail.passwordSet") : t("mail.passwordHint")}>
          {(control) =>
            changePassword || !settings?.passwordSet ? (
              <Input
                {...control}
                type="password"
                autoComplete="new-password"
                value={form.password}
                onFocus={() => setChangePassword(true)}
                onChange={(e) => {
                  setChangePassword(true);
                  set({ password: e.target.value });
                }}
                data-testid="mail-password"
              />
            ) : (
              <Button {...control} type="button" variant="outline" onClick={() => setChangePassword(true)}>
                {t("mail.changePassword")}
              </Button>
            )
          }
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t("mail.from")} error={problems.from}>
          <Input type="email" value={form.fromAddress} onChange={(e) => set({ fromAddress: e.target.value })} placeholder="support@example.com" data-testid="mail-from" />
        </Field>
        <Field label={t("mail.fromName")}>
          <Input value={form.fromName} onChange={(e) => set({ fromName: e.target.value })} data-testid="mail-from-name" />
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t("mail.replyDomain")} hint={t("mail.replyDomainHint")}>
          <Input value={form.replyDomain} onChange={(e) => set({ replyDomain: e.target.value })} placeholder="reply.example.com" data-testid="mail-reply-domain" />
        </Field>
        <Field label={t("mail.followupMinutes")} hint={t("mail.followupHint")} error={problems.minutes}>
          <Input
            type="number"
            inputMode="numeric"
            min={1}
            max={1440}
            value={form.followupMinutes}
            onChange={(e) => set({ followupMinutes: e.target.value })}
            data-testid="mail-followup"
          />
        </Field>
      </div>
      <div className="flex items-center gap-3">
        <Switch
          id="transcript-on-resolve"
          checked={form.transcriptOnResolve}
          onCheckedChange={(on) => set({ transcriptOnResolve: on })}
          data-testid="mail-transcript-on-resolve"
        />
        <Label htmlFor="transcript-on-resolve">{t("mail.transcriptOnResolve")}</Label>
      </div>
      <FormError error={save.error} />
      {save.isSuccess && (
        <p role="status" className="text-sm text-success">
          {t("mail.saved")}
        </p>
      )}
      <div>
        <Button type="submit" disabled={invalid || save.isPending} data-testid="mail-save">
          {t("mail.save")}
        </Button>
      </div>
    </form>
  );
}

function TestMailCard() {
  const { t } = useI18n();
  const errorText = useErrorText();
  const [to, setTo] = useState("");
  const send = useMutation(MailService.method.sendTestMail);
  // The server's own words say what the SMTP server answered.
  const detail = send.error instanceof ConnectError ? send.error.rawMessage : "";

  function submit(e: FormEvent) {
    e.preventDefault();
    if (to.trim()) send.mutate({ toAddress: to.trim() });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("mail.test")}</CardTitle>
        <CardDescription>{t("mail.testDescription")}</CardDescription>
      </CardHeader>
      <CardContent>
        <form className="flex max-w-lg flex-wrap items-end gap-3" onSubmit={submit} noValidate>
          <Field label={t("mail.testTo")} className="min-w-60 flex-1">
            <Input
              type="email"
              value={to}
              onChange={(e) => {
                setTo(e.target.value);
                send.reset();
              }}
              data-testid="mail-test-to"
            />
          </Field>
          <Button type="submit" disabled={!to.trim() || send.isPending} data-testid="mail-test-send">
            {send.isPending ? t("mail.testSending") : t("mail.testSend")}
          </Button>
        </form>
        {send.isError && (
          <div role="alert" className="mt-3 text-sm text-destructive" data-testid="mail-test-error">
            <p>{errorText(send.error)}</p>
            {detail && <p className="mt-1 font-mono text-xs break-all text-muted-foreground">{detail}</p>}
          </div>
        )}
        {send.isSuccess && (
          <p role="status" className="mt-3 text-sm text-success" data-testid="mail-test-sent">
            {t("mail.testSent", { to })}
          </p>
        )}
      </CardContent>
    </Card>
  );
}

const statuses: { value: OutboxStatus; label: MessageKey }[] = [
  { value: OutboxStatus.UNSPECIFIED, label: "mail.outbox.all" },
  { value: OutboxStatus.QUEUED, label: "mail.outbox.queued" },
  { value: OutboxStatus.SENT, label: "mail.outbox.sent" },
  { value: OutboxStatus.FAILED, label: "mail.outbox.failed" },
];

const kindLabels: Record<OutboxMailKind, MessageKey> = {
  [OutboxMailKind.UNSPECIFIED]: "mail.kind.other",
  [OutboxMailKind.FOLLOWUP]: "mail.kind.followup",
  [OutboxMailKind.ACKNOWLEDGEMENT]: "mail.kind.acknowledgement",
  [OutboxMailKind.TRANSCRIPT]: "mail.kind.transcript",
  [OutboxMailKind.NOTIFICATION]: "mail.kind.notification",
  [OutboxMailKind.TEST]: "mail.kind.test",
};

function OutboxCard() {
  const { t } = useI18n();
  const [status, setStatus] = useState(OutboxStatus.UNSPECIFIED);
  const list = useInfiniteQuery(
    MailService.method.listOutbox,
    { status, pageSize: 50, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const mails = list.data?.pages.flatMap((p) => p.mails) ?? [];
  return (
    <Card>
      <CardHeader className="flex flex-row flex-wrap items-start justify-between gap-3">
        <div>
          <CardTitle>{t("mail.outbox")}</CardTitle>
          <CardDescription>{t("mail.outboxDescription")}</CardDescription>
        </div>
        <div className="flex items-center gap-2">
          <Select value={String(status)} onValueChange={(v) => setStatus(Number(v) as OutboxStatus)}>
            <SelectTrigger className="w-40" aria-label={t("mail.outbox.filter")} data-testid="outbox-filter">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              {statuses.map((s) => (
                <SelectItem key={s.value} value={String(s.value)}>
                  {t(s.label)}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
          <Button variant="outline" size="icon" aria-label={t("mail.outbox.refresh")} onClick={() => void list.refetch()}>
            <RotateCwIcon aria-hidden />
          </Button>
        </div>
      </CardHeader>
      <CardContent className="overflow-x-auto">
        {list.isPending ? (
          <div className="grid gap-3" aria-busy>
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} className="h-10" />
            ))}
          </div>
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : mails.length === 0 ? (
          <EmptyState icon={<InboxIcon />} title={t("mail.outbox.empty")} />
        ) : (
          <table className="w-full text-sm" data-testid="outbox">
            <thead className="text-left text-xs text-muted-foreground">
              <tr>
                <th className="py-2 pr-3 font-medium">{t("mail.outbox.when")}</th>
                <th className="py-2 pr-3 font-medium">{t("mail.outbox.to")}</th>
                <th className="py-2 pr-3 font-medium">{t("mail.outbox.subject")}</th>
                <th className="py-2 pr-3 font-medium">{t("mail.outbox.status")}</th>
              </tr>
            </thead>
            <tbody className="divide-y">
              {mails.map((m) => (
                <OutboxRow key={m.id} mail={m} />
              ))}
            </tbody>
          </table>
        )}
        {list.hasNextPage && (
          <Button variant="outline" className="mt-3" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {t("mail.outbox.more")}
          </Button>
        )}
      </CardContent>
    </Card>
  );
}

function OutboxRow({ mail: m }: { mail: OutboxMail }) {
  const { t, locale } = useI18n();
  const created = toDate(m.createdAt);
  const next = toDate(m.nextAttemptAt);
  return (
    <tr data-testid="outbox-row" className="align-top">
      <td className="py-2 pr-3 whitespace-nowrap">{created ? formatDateTime(created, locale) : ""}</td>
      <td className="py-2 pr-3 break-all">{m.toAddress}</td>
      <td className="py-2 pr-3">
        <div>{m.subject}</div>
        <div className="text-xs text-muted-foreground">{t(kindLabels[m.kind])}</div>
      </td>
      <td className="py-2 pr-3">
        {m.status === OutboxStatus.SENT && <Badge variant="secondary">{t("mail.outbox.sent")}</Badge>}
        {m.status === OutboxStatus.QUEUED && (
          <Badge variant="warning">{m.attempts > 0 ? t("mail.outbox.retrying", { n: m.attempts }) : t("mail.outbox.queued")}</Badge>
        )}
        {m.status === OutboxStatus.FAILED && (
          <Badge variant="destructive">{m.bouncedAt ? t("mail.outbox.bounced") : t("mail.outbox.failed")}</Badge>
        )}
        {m.status === OutboxStatus.QUEUED && m.attempts > 0 && next && (
          <div className="mt-1 text-xs text-muted-foreground">{t("mail.outbox.nextAttempt", { time: formatDateTime(next, locale) })}</div>
        )}
        {m.lastError && <div className="mt-1 max-w-xs font-mono text-xs break-words text-muted-foreground">{m.lastError}</div>}
      </td>
    </tr>
  );
}
