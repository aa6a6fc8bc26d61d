import { useMutation } from "@connectrpc/connect-query";
import { MailIcon } from "lucide-react";
import type { Conversation } from "@livechat/api/conversation_pb";
import { MailService } from "@livechat/api/mail_pb";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { showToast } from "@/lib/toasts";
import { useErrorText } from "@/lib/use-error-text";

/** Emails the customer the transcript of the conversation (shown when they gave an address). */
export function TranscriptButton({ conversation: c }: { conversation: Conversation }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const send = useMutation(MailService.method.sendTranscript, {
    onSuccess: (res) => showToast(t("mail.transcriptSent", { to: res.toAddress })),
    onError: (err) => showToast(errorText(err)),
  });
  if (!c.customerEmail) return null;
  return (
    <Button
      size="sm"
      variant="ghost"
      disabled={send.isPending}
      onClick={() => send.mutate({ conversationId: c.id })}
      title={t("mail.transcriptHint", { to: c.customerEmail })}
      data-testid="send-transcript"
    >
      <MailIcon aria-hidden /> {t("mail.transcript")}
    </Button>
  );
}
