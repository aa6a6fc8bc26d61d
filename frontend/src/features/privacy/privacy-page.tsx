import { useMutation } from "@connectrpc/connect-query";
import { DownloadIcon, EraserIcon } from "lucide-react";
import { useState, type FormEvent } from "react";
import { PrivacyService } from "@livechat/api/privacy_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Field } from "@/components/field";
import { Page } from "@/components/page";
import { FormError } from "@/components/states";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { downloadFile } from "@/lib/download";
import { useI18n } from "@/i18n";
import { formatDateTime, toDate } from "@/lib/format";
import { RetentionPolicyCard } from "./retention-policy-card";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Admins export everything stored about a customer, or erase it. */
export default function PrivacyPage() {
  const { t } = useI18n();
  return (
    <Page title={t("privacy.title")} description={t("privacy.description")} adminOnly>
      <CustomerCard />
      <RetentionPolicyCard />
    </Page>
  );
}

function CustomerCard() {
  const { t, locale } = useI18n();
  const [customerId, setCustomerId] = useState("");
  const [confirming, setConfirming] = useState(false);
  const id = customerId.trim();
  const invalid = id !== "" && !uuidPattern.test(id);
  const exp = useMutation(PrivacyService.method.exportCustomer, {
    onSuccess: (res) => {
      downloadFile(res.data, res.contentType, res.filename);
    },
  });
  const erase = useMutation(PrivacyService.method.eraseCustomer, { onSuccess: () => setConfirming(false) });
  const erasedAt = toDate(erase.data?.erasedAt);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (id && !invalid) exp.mutate({ customerId: id });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>{t("privacy.customer")}</CardTitle>
        <CardDescription>{t("privacy.customerDescription")}</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        <form className="flex flex-wrap items-end gap-3" onSubmit={submit} noValidate>
          <Field label={t("privacy.customerId")} hint={t("privacy.customerIdHint")} error={invalid ? t("privacy.customerIdInvalid") : null} className="min-w-80 flex-1">
            <Input
              value={customerId}
              spellCheck={false}
              data-testid="privacy-customer-id"
              onChange={(e) => {
                setCustomerId(e.target.value);
                exp.reset();
                erase.reset();
              }}
            />
          </Field>
          <Button type="submit" variant="outline" disabled={!id || invalid || exp.isPending} data-testid="privacy-export">
            <DownloadIcon aria-hidden /> {t("privacy.export")}
          </Button>
          <Button type="button" variant="destructive" disabled={!id || invalid} onClick={() => setConfirming(true)} data-testid="privacy-erase">
            <EraserIcon aria-hidden /> {t("privacy.erase")}
          </Button>
        </form>
        <FormError error={exp.error} />
        {erasedAt && (
          <p role="status" className="text-sm text-success" data-testid="privacy-erased">
            {erase.data?.already
              ? t("privacy.alreadyErased", { time: formatDateTime(erasedAt, locale) })
              : t("privacy.erased")}
          </p>
        )}
      </CardContent>
      {confirming && (
        <ConfirmDialog
          open
          onOpenChange={(o) => !o && setConfirming(false)}
          title={t("privacy.eraseTitle")}
          description={t("privacy.eraseDescription")}
          confirmLabel={t("privacy.erase")}
          pending={erase.isPending}
          error={erase.error}
          onConfirm={() => erase.mutate({ customerId: id })}
        />
      )}
    </Card>
  );
}
