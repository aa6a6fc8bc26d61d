import type { MessageKey } from "@/i18n";

// The limits the server enforces (see auth.proto), checked here first so
// the user gets a translated message before a round trip.

export function usernameProblem(username: string): MessageKey | null {
  if (!/^[a-z0-9._-]{3,32}$/.test(username.trim().toLowerCase())) return "validation.username";
  return null;
}

export function displayNameProblem(name: string): MessageKey | null {
  const n = [...name.trim()].length;
  return n < 1 || n > 64 ? "validation.displayName" : null;
}

export function passwordProblem(password: string): MessageKey | null {
  return [...password].length < 8 ? "validation.password" : null;
}
