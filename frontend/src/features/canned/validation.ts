import type { MessageKey } from "@/i18n";

// The limits the server enforces for canned responses (see canned.proto),
// checked here first so the user gets a translated message at once.

export const cannedLimits = { shortcut: 32, title: 80, text: 4000 } as const;

const chars = (s: string) => [...s.trim()].length;

export function shortcutProblem(shortcut: string): MessageKey | null {
  return /^[a-z0-9_-]{1,32}$/.test(shortcut.trim()) ? null : "validation.cannedShortcut";
}

export function titleProblem(title: string): MessageKey | null {
  const n = chars(title);
  return n < 1 || n > cannedLimits.title || /[\u0000-\u001f\u007f]/.test(title.trim()) ? "validation.cannedTitle" : null;
}

export function textProblem(text: string, required: boolean): MessageKey | null {
  const n = chars(text);
  return (required && n < 1) || n > cannedLimits.text ? "validation.cannedText" : null;
}
