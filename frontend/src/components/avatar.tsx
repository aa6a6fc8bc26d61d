import { useState } from "react";
import { cn } from "@/lib/cn";

/**
 * An agent's or bot's picture when there is one (src, relative to the
 * server), else initials in a circle, coloured stably from the name; the
 * initials also stand in for a picture that fails to load.
 */
export function Avatar({ name, src, className }: { name: string; src?: string; className?: string }) {
  const [failed, setFailed] = useState<string>();
  if (src && failed !== src) {
    return (
      <img
        src={src}
        alt=""
        aria-hidden
        data-testid="avatar-image"
        onError={() => setFailed(src)}
        className={cn("inline-flex size-8 shrink-0 rounded-full object-cover", className)}
      />
    );
  }
  const initials =
    name
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/[^\p{L}\p{N}]/gu, ""))
      .filter(Boolean)
      .slice(0, 2)
      .map((w) => [...w][0]?.toUpperCase() ?? "")
      .join("") || "?";
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)!) >>> 0;
  const hue = hash % 360;
  return (
    <span
      aria-hidden
      className={cn("inline-flex size-8 shrink-0 items-center justify-center rounded-full text-xs font-semibold text-white", className)}
      style={{ backgroundColor: `oklch(0.6 0.13 ${hue})` }}
    >
      {initials}
    </span>
  );
}
