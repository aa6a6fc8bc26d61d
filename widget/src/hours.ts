// Business hours as the widget reads them from WidgetConfig.availability:
// whether the widget counts as online (agents online AND inside the hours),
// whether a closed widget stays open with a notice, and the words for the
// next opening and the expected reply time. A server that sends no
// availability has no hours: always open.

import type { Key, Lang } from "./i18n";
import type { ConfigJson } from "./types";

/** Inside business hours now (proto JSON leaves a false `open` out). */
export function isOpen(c: ConfigJson): boolean {
  return !c.availability || !!c.availability.open;
}

/** Online for visitors: an agent is online and the hours are open. */
export function isOnline(c: ConfigJson): boolean {
  return !!c.agentsOnline && isOpen(c);
}

/** Closed, but the admin keeps the chat open with a notice of the next opening. */
export function closedWithNotice(c: ConfigJson): boolean {
  return !isOpen(c) && c.availability?.outside === "OUTSIDE_HOURS_NOTICE";
}

/** The next opening as the business states it: "Mon 8:00" ("" when unknown). */
export function opensWhen(c: ConfigJson, lang: Lang): string {
  const a = c.availability;
  if (!a?.opensAt) return "";
  const minute = a.opensMinute ?? 0;
  // 2023-01-01 was a Sunday: day 0 of the API.
  const day = new Date(Date.UTC(2023, 0, 1 + (a.opensDay ?? 0)));
  const weekday = new Intl.DateTimeFormat(lang, { weekday: "short", timeZone: "UTC" }).format(day);
  return `${weekday} ${Math.floor(minute / 60)}:${String(minute % 60).padStart(2, "0")}`;
}

/** The expected reply time in words, or null when there is none to tell. */
export function replyKey(c: ConfigJson): Key | null {
  const s = c.availability?.replySeconds ?? 0;
  if (s <= 0) return null;
  return s <= 300 ? "replyMinutes" : s <= 3600 ? "replyHour" : s <= 4 * 3600 ? "replyHours" : "replyDay";
}
