import { useMutation } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon, TriangleAlertIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { ApiTokenScope, AuthService } from "@livechat/api/auth_pb";
import { CopyButton } from "@/components/copy-button";
import { Field } from "@/components/field";
import { FormError } from "@/components/states";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { useI18n } from "@/i18n";
import { apiTokensKey as tokensKey } from "@/lib/query-keys";


/** Creates an API token and shows its secret, once. */
export function CreateTokenDialog() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");
  const [scope, setScope] = useState(String(ApiTokenScope.AGENT));
  const [botName, setBotName] = useState("");
  const create = useMutation(AuthService.method.createApiToken, {
    onSuccess: () => void qc.invalidateQueries({ queryKey: tokensKey }),
  });
  const nameLength = [...name.trim()].length;
  const nameOk = nameLength >= 1 && nameLength <= 64 && [...botName.trim()].length <= 64;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!nameOk) return;
    create.mutate({ name: name.trim(), scope: Number(scope) as ApiTokenScope, botName: botName.trim() });
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o);
        if (o) {
          setName("");
          setScope(String(ApiTokenScope.AGENT));
          setBotName("");
          create.reset();
        }
      }}
    >
      <DialogTrigger asChild>
        <Button data-testid="create-token">
          <KeyRoundIcon aria-hidden /> {t("tokens.create")}
        </Button>
      </DialogTrigger>
      <DialogContent
        // The secret must not vanish by a stray click outside.
        onInteractOutside={(e) => create.data && e.preventDefault()}
      >
        <DialogHeader>
          <DialogTitle>{create.data ? t("tokens.createdTitle") : t("tokens.create")}</DialogTitle>
          <DialogDescription>{create.data ? t("tokens.createdDescription") : t("tokens.createDescription")}</DialogDescription>
        </DialogHeader>
        {create.data ? (
          <div className="grid gap-4">
            <Alert variant="warning">
              <TriangleAlertIcon aria-hidden />
              <span>{t("tokens.shownOnce")}</span>
            </Alert>
            <div className="flex items-center gap-2">
              <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="token-secret">
                {create.data.secret}
              </code>
              <CopyButton text={create.data.secret} />
            </div>
            <DialogFooter>
              <Button onClick={() => setOpen(false)}>{t("common.done")}</Button>
            </DialogFooter>
          </div>
        ) : (
          <form className="grid gap-4" onSubmit={submit} noValidate>
            <Field label={t("tokens.name")} hint={t("tokens.nameHint")}>
              <Input autoFocus maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
            </Field>
            <Field label={t("tokens.scope")}>
              <Select value={scope} onValueChange={setScope}>
                <SelectTrigger>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value={String(ApiTokenScope.AGENT)}>{t("tokens.scopeAgent")}</SelectItem>
                  <SelectItem value={String(ApiTokenScope.ADMIN)}>{t("tokens.scopeAdmin")}</SelectItem>
                </SelectContent>
              </Select>
            </Field>
            <Field label={t("tokens.botName")} hint={t("tokens.botNameHint")}>
              <Input maxLength={64} value={botName} onChange={(e) => setBotName(e.target.value)} data-testid="token-bot-name" />
            </Field>
            <FormError error={create.error} />
            <DialogFooter>
              <Button variant="outline" onClick={() => setOpen(false)}>
                {t("common.cancel")}
              </Button>
              <Button type="submit" disabled={!nameOk || create.isPending}>
                {t("tokens.create")}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
