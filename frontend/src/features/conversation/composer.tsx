import { LockIcon, SendIcon } from "lucide-react";
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useSendMessage } from "./use-send-message";
import { useTypingSignal } from "./use-typing-signal";

const maxLength = 4000;
const drafts = new Map<string, { text: string; internal: boolean }>();

/**
 * Writes a reply or an internal note. Enter sends, Shift+Enter starts a new
 * line, Esc leaves the field. The draft survives switching conversations.
 */
export function Composer({ conversationId, replyDisabled }: { conversationId: string; replyDisabled: boolean }) {
  const { t } = useI18n();
  const saved = drafts.get(conversationId);
  const [text, setText] = useState(saved?.text ?? "");
  const [internal, setInternal] = useState(saved?.internal ?? replyDisabled);
  const { send } = useSendMessage(conversationId);
  const typing = useTypingSignal(conversationId);
  const area = useRef<HTMLTextAreaElement>(null);
  const asNote = internal || replyDisabled;

  useEffect(() => {
    drafts.set(conversationId, { text, internal });
  }, [conversationId, text, internal]);

  // Grow with the text, up to a limit.
  useEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const trimmed = text.trim();
  const tooLong = [...trimmed].length > maxLength;

  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!trimmed || tooLong) return;
    send(trimmed, asNote);
    setText("");
    if (!asNote) typing.stop();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      e.currentTarget.blur();
    }
  }

  return (
    <form onSubmit={submit} className={cn("border-t p-3", asNote && "bg-note/40")} aria-label={t("composer.label")}>
      <div className="mb-2 flex items-center gap-1" role="radiogroup" aria-label={t("composer.mode")}>
        <ModeButton active={!asNote} disabled={replyDisabled} onClick={() => setInternal(false)} testId="mode-reply">
          {t("composer.reply")}
        </ModeButton>
        <ModeButton active={asNote} onClick={() => setInternal(true)} testId="mode-note">
          <LockIcon aria-hidden className="size-3" /> {t("composer.note")}
        </ModeButton>
        {replyDisabled && <span className="ml-2 text-xs text-muted-foreground">{t("composer.closedHint")}</span>}
      </div>
      <div className="flex items-end gap-2">
        <Textarea
          id="composer"
          ref={area}
          rows={2}
          value={text}
          data-testid="composer"
          aria-label={asNote ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
          placeholder={asNote ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
          className={cn("max-h-60 resize-none", asNote && "border-note-border bg-note text-note-foreground placeholder:text-note-foreground/60")}
          aria-invalid={tooLong || undefined}
          onChange={(e) => {
            setText(e.target.value);
            if (!asNote && e.target.value.trim()) typing.typed();
            if (!e.target.value.trim()) typing.stop();
          }}
          onBlur={() => typing.stop()}
          onKeyDown={onKeyDown}
        />
        <Button type="submit" size="icon" disabled={!trimmed || tooLong} aria-label={asNote ? t("composer.addNote") : t("composer.send")} data-testid="send">
          <SendIcon aria-hidden />
        </Button>
      </div>
      <p className="mt-1.5 flex justify-between text-xs text-muted-foreground">
        <span>{t("composer.hint")}</span>
        {tooLong && <span className="text-destructive">{t("composer.tooLong", { max: maxLength })}</span>}
      </p>
    </form>
  );
}

function ModeButton({ active, disabled, onClick, children, testId }: { active: boolean; disabled?: boolean; onClick: () => void; children: React.ReactNode; testId: string }) {
  return (
    <button
      type="button"
      role="radio"
      aria-checked={active}
      disabled={disabled}
      data-testid={testId}
      onClick={onClick}
      className={cn(
        "inline-flex items-center gap-1 rounded-md px-2.5 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-50",
        active ? "bg-foreground text-background" : "text-muted-foreground hover:bg-accent",
      )}
    >
      {children}
    </button>
  );
}
