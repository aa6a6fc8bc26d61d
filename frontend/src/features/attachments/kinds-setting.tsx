import { AttachmentKind } from "@livechat/api/widget_pb";
import { useI18n, type MessageKey } from "@/i18n";

/** The kinds a new widget allows: what the server allows when a widget names none. */
export const defaultAttachmentKinds = [AttachmentKind.IMAGES, AttachmentKind.PDF, AttachmentKind.TEXT, AttachmentKind.OFFICE];

const kinds: { kind: AttachmentKind; label: MessageKey; hint: MessageKey }[] = [
  { kind: AttachmentKind.IMAGES, label: "attachments.kinds.images", hint: "attachments.kinds.imagesHint" },
  { kind: AttachmentKind.PDF, label: "attachments.kinds.pdf", hint: "attachments.kinds.pdfHint" },
  { kind: AttachmentKind.TEXT, label: "attachments.kinds.text", hint: "attachments.kinds.textHint" },
  { kind: AttachmentKind.OFFICE, label: "attachments.kinds.office", hint: "attachments.kinds.officeHint" },
  { kind: AttachmentKind.ARCHIVES, label: "attachments.kinds.archives", hint: "attachments.kinds.archivesHint" },
];

/** A widget's checkboxes for the kinds of file its visitors may send. */
export function AttachmentKindsSetting({
  value,
  onChange,
  problem,
}: {
  value: AttachmentKind[];
  onChange: (v: AttachmentKind[]) => void;
  problem?: string;
}) {
  const { t } = useI18n();
  const toggle = (kind: AttachmentKind, on: boolean) =>
    onChange(kinds.map((k) => k.kind).filter((k) => (k === kind ? on : value.includes(k))));
  return (
    <fieldset className="grid gap-3" data-testid="attachment-kinds" aria-describedby={problem ? "attachment-kinds-problem" : undefined}>
      <legend className="sr-only">{t("attachments.kinds.title")}</legend>
      {kinds.map((k) => (
        <div key={k.kind} className="flex items-start gap-3">
          <input
            type="checkbox"
            id={`kind-${k.kind}`}
            className="mt-0.5 size-4 accent-primary"
            checked={value.includes(k.kind)}
            aria-describedby={`kind-${k.kind}-hint`}
            onChange={(e) => toggle(k.kind, e.target.checked)}
          />
          <div className="grid gap-0.5">
            <label htmlFor={`kind-${k.kind}`} className="text-sm font-medium leading-none">
              {t(k.label)}
            </label>
            <p id={`kind-${k.kind}-hint`} className="text-xs text-muted-foreground">
              {t(k.hint)}
            </p>
          </div>
        </div>
      ))}
      {problem && (
        <p id="attachment-kinds-problem" role="alert" className="text-sm text-destructive">
          {problem}
        </p>
      )}
    </fieldset>
  );
}
