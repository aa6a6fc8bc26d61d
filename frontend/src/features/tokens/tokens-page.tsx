import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { KeyRoundIcon } from "lucide-react";
import { useState } from "react";
import { ApiTokenScope, AuthService, type ApiToken, type ListApiTokensResponse } from "@livechat/api/auth_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Page } from "@/components/page";
import { EmptyState, ErrorState } from "@/components/states";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useI18n } from "@/i18n";
import { formatDateTime, formatRelative, toDate, useNow } from "@/lib/format";
import { apiTokensKey as tokensKey } from "@/lib/query-keys";
import { CreateTokenDialog } from "./create-token-dialog";
import { AvatarEditor } from "@/features/attachments/avatar-upload";


/** Admins create, review and revoke API tokens for third-party backends. */
export default function TokensPage() {
  const { t } = useI18n();
  const tokens = useQuery(AuthService.method.listApiTokens, {});
  const [revoking, setRevoking] = useState<ApiToken | null>(null);

  return (
    <Page title={t("tokens.title")} description={t("tokens.description")} actions={<CreateTokenDialog />} adminOnly>
      <Card className="overflow-x-auto">
        {tokens.isPending ? (
          <div className="grid gap-3 p-5">
            {[0, 1].map((i) => (
              <Skeleton key={i} className="h-8" />
            ))}
          </div>
        ) : tokens.isError ? (
          <ErrorState error={tokens.error} onRetry={() => void tokens.refetch()} />
        ) : tokens.data.tokens.length === 0 ? (
          <EmptyState icon={<KeyRoundIcon />} title={t("tokens.empty")}>
            {t("tokens.emptyHint")}
          </EmptyState>
        ) : (
          <table className="w-full text-sm" data-testid="tokens-table">
            <thead className="border-b text-left text-xs text-muted-foreground">
              <tr>
                <th className="px-4 py-2.5 font-medium">{t("tokens.name")}</th>
                <th className="px-4 py-2.5 font-medium">{t("tokens.scope")}</th>
                <th className="px-4 py-2.5 font-medium">{t("tokens.created")}</th>
                <th className="px-4 py-2.5 font-medium">{t("tokens.lastUsed")}</th>
                <th className="px-4 py-2.5">
                  <span className="sr-only">{t("common.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.tokens.map((tok) => (
                <TokenRow key={tok.id} token={tok} onRevoke={() => setRevoking(tok)} />
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {revoking && <RevokeDialog token={revoking} onClose={() => setRevoking(null)} />}
    </Page>
  );
}

function TokenRow({ token, onRevoke }: { token: ApiToken; onRevoke: () => void }) {
  const { t, locale } = useI18n();
  const now = useNow();
  const created = toDate(token.createdAt);
  const used = toDate(token.lastUsedAt);
  const revoked = toDate(token.revokedAt);
  return (
    <tr className="border-b last:border-0" data-testid="token-row">
      <td className="px-4 py-2.5">
        <div className="font-medium">
          {token.name}
          {token.botName && (
            <Badge variant="outline" className="ml-2" data-testid="token-bot">
              {t("tokens.bot", { name: token.botName })}
            </Badge>
          )}
        </div>
        <code className="text-xs text-muted-foreground">{token.prefix}…</code>
        {token.botName && !revoked && (
          <div className="mt-2">
            <AvatarEditor name={token.botName} url={token.avatarUrl} target={{ tokenId: token.id }} size="size-8 text-xs" />
          </div>
        )}
      </td>
      <td className="px-4 py-2.5">
        <Badge variant={token.scope === ApiTokenScope.ADMIN ? "warning" : "secondary"}>
          {token.scope === ApiTokenScope.ADMIN ? t("tokens.scopeAdminShort") : t("tokens.scopeAgentShort")}
        </Badge>
      </td>
      <td className="px-4 py-2.5 text-muted-foreground">
        {created && <span title={formatDateTime(created, locale)}>{formatRelative(created, now, locale, t("time.justNow"))}</span>}
        {token.agentName && <div className="text-xs">{t("tokens.by", { name: token.agentName })}</div>}
      </td>
      <td className="px-4 py-2.5 text-muted-foreground">
        {used ? <span title={formatDateTime(used, locale)}>{formatRelative(used, now, locale, t("time.justNow"))}</span> : t("tokens.neverUsed")}
      </td>
      <td className="px-4 py-2.5 text-right">
        {revoked ? (
          <Badge variant="outline" title={formatDateTime(revoked, locale)}>
            {t("tokens.revoked")}
          </Badge>
        ) : (
          <Button variant="outline" size="sm" onClick={onRevoke}>
            {t("tokens.revoke")}
          </Button>
        )}
      </td>
    </tr>
  );
}

function RevokeDialog({ token, onClose }: { token: ApiToken; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const revoke = useMutation(AuthService.method.revokeApiToken, {
    onSuccess: (res) => {
      if (res.token) {
        const updated = res.token;
        qc.setQueryData<ListApiTokensResponse>(tokensKey, (old) =>
          old ? { ...old, tokens: old.tokens.map((x) => (x.id === updated.id ? updated : x)) } : old,
        );
      }
      onClose();
    },
  });
  return (
    <ConfirmDialog
      open
      onOpenChange={(o) => !o && onClose()}
      title={t("tokens.revokeTitle", { name: token.name })}
      description={t("tokens.revokeDescription")}
      confirmLabel={t("tokens.revoke")}
      pending={revoke.isPending}
      error={revoke.error}
      onConfirm={() => revoke.mutate({ tokenId: token.id })}
    />
  );
}
