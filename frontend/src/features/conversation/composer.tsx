import { LockIcon, PaperclipIcon, SendIcon, SmileIcon } from "lucide-react";
import { lazy, Suspense, useCallback, useEffect, useLayoutEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import type { CannedResponse } from "@livechat/api/canned_pb";
import type { Customer } from "@livechat/api/conversation_pb";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/input";
import { useI18n } from "@/i18n";
import { cn } from "@/lib/cn";
import { useMe } from "@/features/auth/use-me";
import { fillVariables, insertAt, slashQueryAt, textFor } from "@/features/canned/fill";
import { pickerListId, type PickerHandle } from "@/features/canned/picker-handle";
import { UploadTray } from "@/features/attachments/upload-tray";
import { useUploads } from "@/features/attachments/use-uploads";
import { useSendMessage } from "./use-send-message";
import { CollisionWarning } from "./collision-warning";
import { useTypingSignal } from "./use-typing-signal";
import { useViewingSignal } from "./use-viewing-signal";

const maxLength = 4000;
// The canned-response picker loads when "/" is first typed.
const CannedPicker = lazy(() => import("@/features/canned/canned-picker"));
// The emoji picker loads when first opened.
const EmojiPicker = lazy(() => import("./emoji-picker"));
const drafts = new Map<string, { text: string; internal: boolean }>();
// Conversations of colleagues the agent chose to reply in anyway (by
// conversation and assignee), so they are asked once, not at every reply.
const confirmedReplies = new Set<string>();

/** Who the conversation is assigned to, as the composer needs it. */
export interface Assignee {
  id: string;
  name: string;
}

/**
 * Writes a reply or an internal note. Enter sends, Shift+Enter starts a new
 * line, Esc leaves the field. The draft survives switching conversations.
 * A reply into a conversation a colleague is handling is confirmed first,
 * since the customer would hear from two agents; colleagues replying in or
 * viewing the same conversation are shown above the field. Typing "/" at the start of
 * a word opens the canned-response picker; the chosen response replaces the
 * "/shortcut" with its variables filled in from the customer and the agent.
 */
export function Composer({
  conversationId,
  replyDisabled,
  assignee,
  customer,
}: {
  conversationId: string;
  replyDisabled: boolean;
  assignee?: Assignee;
  customer?: Customer;
}) {
  const { t, lang } = useI18n();
  const me = useMe();
  const [confirming, setConfirming] = useState(false);
  const saved = drafts.get(conversationId);
  const [text, setText] = useState(saved?.text ?? "");
  const [internal, setInternal] = useState(saved?.internal ?? replyDisabled);
  const { send } = useSendMessage(conversationId);
  const files = useUploads();
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const typing = useTypingSignal(conversationId);
  useViewingSignal(conversationId);
  const area = useRef<HTMLTextAreaElement>(null);
  const asNote = internal || replyDisabled;
  const [caret, setCaret] = useState(0);
  // The "/" whose picker Esc closed; typing elsewhere opens it again.
  const [dismissed, setDismissed] = useState(-1);
  const picker = useRef<PickerHandle>(null);
  const pendingCaret = useRef<number | null>(null);
  const [activeOption, setActiveOption] = useState<string | undefined>();
  const [emojiOpen, setEmojiOpen] = useState(false);
  const slash = slashQueryAt(text, caret);
  const pickerOpen = slash !== null && slash.start !== dismissed;

  const pick = useCallback(
    (r: CannedResponse) => {
      const q = slashQueryAt(text, caret);
      if (!q) return;
      // The customer's language is not known to the dashboard yet: the
      // agent's own language stands in for it.
      const filled = fillVariables(textFor(r, lang), {
        customer: customer && { name: customer.name, email: customer.email, attributes: customer.attributes },
        agent: { name: me.displayName },
      });
      const next = insertAt(text, q, filled);
      setText(next.text);
      setCaret(next.caret);
      pendingCaret.current = next.caret;
      if (!asNote && next.text.trim()) typing.typed();
    },
    [text, caret, lang, customer, me.displayName, asNote, typing],
  );

  function insertEmoji(char: string) {
    const next = insertAt(text, { start: caret, end: caret, query: "" }, char);
    setText(next.text);
    setCaret(next.caret);
    pendingCaret.current = next.caret;
    setEmojiOpen(false);
  }

  // Put the caret after an inserted response once the text shows it.
  useLayoutEffect(() => {
    const at = pendingCaret.current;
    const el = area.current;
    if (at === null || !el) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(at, at);
  }, [text]);

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
  // A message may be files alone; it waits for its uploads to finish.
  const canSend = (trimmed !== "" || files.attachments.length > 0) && !tooLong && !files.busy;

  const othersKey = assignee && assignee.id !== me.id ? `${conversationId}:${assignee.id}` : "";

  function submit(e?: FormEvent) {
    e?.preventDefault();
    if (!canSend) return;
    if (!asNote && othersKey && !confirmedReplies.has(othersKey)) {
      setConfirming(true);
      return;
    }
    send(trimmed, asNote, undefined, files.attachments);
    files.clear();
    setText("");
    if (!asNote) typing.stop();
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (pickerOpen && !e.nativeEvent.isComposing) {
      // Until the picker has loaded these keys do nothing, so Enter never
      // sends a "/shortcut" meant to be replaced; when nothing matches,
      // Enter sends the text as typed.
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        picker.current?.move(e.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if (e.key === "Enter" && !e.shiftKey && (picker.current?.pick() ?? "loading") !== "empty") {
        e.preventDefault();
        return;
      }
      if (e.key === "Escape") {
        e.preventDefault();
        setDismissed(slash.start);
        return;
      }
    }
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === "Escape") {
      e.currentTarget.blur();
    }
  }

  return (
    <form
      onSubmit={submit}
      className={cn("border-t p-3", asNote && "bg-note/40", dragging && "outline-2 outline-dashed outline-ring")}
      aria-label={t("composer.label")}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes("Files")) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        setDragging(false);
        files.add(e.dataTransfer.files);
      }}
    >
      <div className="mb-2 flex items-center gap-1">
        <ModeSwitch asNote={asNote} replyDisabled={replyDisabled} onChange={setInternal} />
        {replyDisabled && <span className="ml-2 text-xs text-muted-foreground">{t("composer.closedHint")}</span>}
        <CollisionWarning conversationId={conversationId} />
      </div>
      <UploadTray uploads={files.uploads} onRemove={files.remove} onRetry={files.retry} />
      <div className="relative flex items-end gap-2">
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="attach-input"
          onChange={(e) => {
            if (e.target.files) files.add(e.target.files);
            e.target.value = "";
          }}
        />
        <Button type="button" size="icon" variant="ghost" aria-label={t("attach.button")} title={t("attach.button")} data-testid="attach" onClick={() => fileInput.current?.click()}>
          <PaperclipIcon aria-hidden />
        </Button>
        {pickerOpen && (
          <Suspense fallback={null}>
            <CannedPicker ref={picker} query={slash.query} onPick={pick} onActive={setActiveOption} />
          </Suspense>
        )}
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
          aria-autocomplete="list"
          aria-expanded={pickerOpen}
          aria-controls={pickerOpen ? pickerListId : undefined}
          aria-activedescendant={pickerOpen ? activeOption : undefined}
          onSelect={(e) => setCaret(e.currentTarget.selectionStart)}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart);
            if (!asNote && e.target.value.trim()) typing.typed();
            if (!e.target.value.trim()) typing.stop();
          }}
          onFocus={() => setDismissed(-1)}
          onBlur={() => {
            typing.stop();
            setDismissed(slash?.start ?? -1);
          }}
          onKeyDown={onKeyDown}
          onPaste={(e) => {
            // A screenshot in the clipboard arrives as a file.
            if (!e.clipboardData.files.length) return;
            e.preventDefault();
            files.add(e.clipboardData.files);
          }}
        />
        <div className="relative">
          <Button
            type="button"
            size="icon"
            variant="ghost"
            aria-label={t("emoji.open")}
            aria-expanded={emojiOpen}
            // Keeps focus where it is, so a click while open closes the picker instead of reopening it.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => setEmojiOpen((o) => !o)}
            data-testid="emoji-open"
          >
            <SmileIcon aria-hidden />
          </Button>
          {emojiOpen && (
            <Suspense fallback={null}>
              <EmojiPicker
                onPick={insertEmoji}
                onClose={() => {
                  setEmojiOpen(false);
                  area.current?.focus();
                }}
              />
            </Suspense>
          )}
        </div>
        <Button type="submit" size="icon" disabled={!canSend} aria-label={asNote ? t("composer.addNote") : t("composer.send")} data-testid="send">
          <SendIcon aria-hidden />
        </Button>
      </div>
      <p className="mt-1.5 flex justify-between text-xs text-muted-foreground">
        <span>{t("composer.hint")}</span>
        {tooLong && <span className="text-destructive">{t("composer.tooLong", { max: maxLength })}</span>}
      </p>
      {assignee && (
        <ConfirmDialog
          open={confirming}
          onOpenChange={setConfirming}
          title={t("composer.othersTitle", { name: assignee.name })}
          description={t("composer.othersDescription", { name: assignee.name })}
          confirmLabel={t("composer.send")}
          variant="default"
          focusConfirm
          returnFocus={() => area.current?.focus()}
          onConfirm={() => {
            confirmedReplies.add(othersKey);
            setConfirming(false);
            submit();
          }}
        />
      )}
    </form>
  );
}

/**
 * Reply or internal note, as a radio group: one tab stop (the chosen mode),
 * the arrow keys choose the other one.
 */
function ModeSwitch({ asNote, replyDisabled, onChange }: { asNote: boolean; replyDisabled: boolean; onChange: (internal: boolean) => void }) {
  const { t } = useI18n();
  const group = useRef<HTMLDivElement>(null);
  const modes = [
    { internal: false, disabled: replyDisabled, testId: "mode-reply", label: t("composer.reply") },
    { internal: true, disabled: false, testId: "mode-note", label: t("composer.note") },
  ];

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const step = e.key === "ArrowRight" || e.key === "ArrowDown" ? 1 : e.key === "ArrowLeft" || e.key === "ArrowUp" ? -1 : 0;
    if (!step) return;
    e.preventDefault();
    const enabled = modes.filter((m) => !m.disabled);
    const at = enabled.findIndex((m) => m.internal === asNote);
    const next = enabled[(at + step + enabled.length) % enabled.length];
    onChange(next.internal);
    group.current?.querySelector<HTMLElement>(`[data-testid="${next.testId}"]`)?.focus();
  }

  return (
    <div ref={group} role="radiogroup" aria-label={t("composer.mode")} className="flex items-center gap-1" onKeyDown={onKeyDown}>
      {modes.map((m) => {
        const active = m.internal === asNote;
        return (
          <button
            key={m.testId}
            type="button"
            role="radio"
            aria-checked={active}
            tabIndex={active ? 0 : -1}
            disabled={m.disabled}
            data-testid={m.testId}
            onClick={() => onChange(m.internal)}
            className={cn(
              "inline-flex items-center gap-1 rounded-md px-2.5 py-1 text-xs font-medium focus-visible:outline-2 focus-visible:outline-ring disabled:opacity-50",
              active ? "bg-foreground text-background" : "text-muted-foreground hover:bg-accent",
            )}
          >
            {m.internal && <LockIcon aria-hidden className="size-3" />}
            {m.label}
          </button>
        );
      })}
    </div>
  );
}
