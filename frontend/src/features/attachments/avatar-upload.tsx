import { Code, ConnectError } from "@connectrpc/connect";
import { errorFromJson } from "@connectrpc/connect/protocol-connect";
import type { JsonValue } from "@bufbuild/protobuf";
import { useQueryClient } from "@tanstack/react-query";
import { ImageUpIcon, Trash2Icon } from "lucide-react";
import { useId, useRef, useState } from "react";
import { Avatar } from "@/components/avatar";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { useErrorText } from "./error-text";

/** Whose avatar: the signed-in agent's (neither), another agent's or a bot token's (admins). */
export interface AvatarTarget {
  agentId?: string;
  tokenId?: string;
}

/**
 * Sets (a file) or removes (null) an avatar through POST/DELETE
 * /api/avatars with the session cookie; resolves to the new URL ("" when
 * removed). A refusal is a ConnectError with the server's ErrorDetail.
 */
export async function setAvatar(target: AvatarTarget, file: File | null): Promise<string> {
  const q = new URLSearchParams();
  if (target.agentId) q.set("agent_id", target.agentId);
  if (target.tokenId) q.set("token_id", target.tokenId);
  if (file) q.set("name", file.name);
  let res: Response;
  try {
    res = await fetch(`/api/avatars?${q}`, {
      method: file ? "POST" : "DELETE",
      body: file,
      headers: { "Content-Type": "application/octet-stream" },
      credentials: "same-origin",
    });
  } catch {
    throw new ConnectError("network error", Code.Unavailable);
  }
  let body: JsonValue = null;
  try {
    body = (await res.json()) as JsonValue;
  } catch {
    // Not JSON: a proxy's error page; the status says enough.
  }
  if (res.ok && body && typeof body === "object" && !Array.isArray(body)) return String(body.avatarUrl ?? "");
  throw body ? errorFromJson(body, undefined, new ConnectError(`avatar failed (${res.status})`, Code.Unknown)) : new ConnectError(`avatar failed (${res.status})`, Code.Unavailable);
}

/**
 * An avatar with buttons to upload a photo and to remove it; errors (not an
 * image, too large) shown with their reason. After a change every query is
 * refetched, so the agent list, the header and messages show the new one.
 */
export function AvatarEditor({ name, url, target, size = "size-16 text-lg" }: { name: string; url?: string; target: AvatarTarget; size?: string }) {
  const { t } = useI18n();
  const errorText = useErrorText();
  const qc = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const errId = useId();
  const run = async (file: File | null) => {
    setBusy(true);
    setError(undefined);
    try {
      await setAvatar(target, file);
      await qc.invalidateQueries();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="flex flex-wrap items-center gap-3" data-testid="avatar-editor">
      <Avatar name={name} src={url || undefined} className={size} />
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/gif"
        hidden
        data-testid="avatar-input"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = "";
          if (f) void run(f);
        }}
      />
      <Button type="button" variant="outline" size="sm" disabled={busy} aria-describedby={error ? errId : undefined} onClick={() => input.current?.click()}>
        <ImageUpIcon aria-hidden />
        {busy ? t("avatar.uploading") : url ? t("avatar.change") : t("avatar.upload")}
      </Button>
      {url && (
        <Button type="button" variant="ghost" size="sm" disabled={busy} onClick={() => void run(null)}>
          <Trash2Icon aria-hidden />
          {t("avatar.remove")}
        </Button>
      )}
      {error && (
        <p id={errId} role="alert" className="w-full text-sm text-destructive" data-testid="avatar-error">
          {error}
        </p>
      )}
    </div>
  );
}
