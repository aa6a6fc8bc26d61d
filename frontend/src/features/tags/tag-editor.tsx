import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { ConversationService, type Conversation } from "@livechat/api/conversation_pb";
import { TagColor, TagService, type Tag } from "@livechat/api/tag_pb";
import { useI18n } from "@/i18n";
import { useErrorText } from "@/lib/use-error-text";
import { useMe } from "@/features/auth/use-me";
import { upsertConversation } from "@/realtime/cache-updates";
import { Input } from "@/components/ui/input";
import { TagChip } from "./tag-chip";

/** A conversation's tags, saved with SetConversationTags. */
export function TagEditor({ conversation }: { conversation: Conversation }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const me = useMe();
  const setTags = useMutation(ConversationService.method.setConversationTags, {
    onSuccess: (res) => res.conversation && upsertConversation(qc, res.conversation, me.id),
  });
  return (
    <TagSetEditor
      tags={conversation.tags}
      saving={setTags.isPending}
      save={async (tagIds) => {
        await setTags.mutateAsync({ conversationId: conversation.id, tagIds });
      }}
      testId="tag-editor"
      label={t("tags.add")}
    />
  );
}

/**
 * A set of tags: each removable, and a field that adds one by name
 * (Enter), picking an existing tag whatever its case or creating it.
 * `save` stores the whole new set; its error is shown under the field.
 */
export function TagSetEditor({
  tags,
  saving,
  save: store,
  testId,
  label,
}: {
  tags: Tag[];
  saving: boolean;
  save: (tagIds: string[]) => Promise<void>;
  testId: string;
  /** The field's name: the conversation's and the customer's editors sit on one page. */
  label: string;
}) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const listId = useId();
  const [draft, setDraft] = useState("");
  const [error, setError] = useState("");
  const all = useQuery(TagService.method.listTags, {});
  const createTag = useMutation(TagService.method.createTag);
  const busy = createTag.isPending || saving;
  const ids = tags.map((tag) => tag.id);

  const save = async (next: string[]) => {
    setError("");
    try {
      await store(next);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const add = async () => {
    const name = draft.trim();
    if (!name) return;
    setError("");
    try {
      let tag = all.data?.tags.find((x) => x.name.toLowerCase() === name.toLowerCase());
      if (!tag) {
        tag = (await createTag.mutateAsync({ name, color: TagColor.GREY })).tag;
        void all.refetch();
      }
      if (tag && !ids.includes(tag.id)) await save([...ids, tag.id]);
      setDraft("");
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <div className="grid gap-2" data-testid={testId}>
      {tags.length > 0 ? (
        <div className="flex flex-wrap gap-1">
          {tags.map((tag) => (
            <TagChip key={tag.id} tag={tag} disabled={busy} onRemove={() => void save(ids.filter((id) => id !== tag.id))} />
          ))}
        </div>
      ) : (
        <p className="text-xs text-muted-foreground">{t("tags.none")}</p>
      )}
      <Input
        aria-label={label}
        placeholder={t("tags.addPlaceholder")}
        list={listId}
        maxLength={32}
        value={draft}
        disabled={busy}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            void add();
          }
        }}
      />
      <datalist id={listId}>
        {all.data?.tags.filter((x) => !ids.includes(x.id)).map((x) => <option key={x.id} value={x.name} />)}
      </datalist>
      {error && (
        <p role="alert" className="text-xs text-destructive">
          {error}
        </p>
      )}
    </div>
  );
}
