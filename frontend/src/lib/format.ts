import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { useEffect, useState } from "react";

/** The timestamp as a Date, or undefined when unset. */
export function toDate(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

/** Milliseconds since the epoch, 0 when unset (sorts last). */
export function toMillis(ts: Timestamp | undefined): number {
  return ts ? timestampDate(ts).getTime() : 0;
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "yesterday", "just now" in the given locale. */
export function formatRelative(date: Date, now: number, locale: string, justNow: string): string {
  const diff = date.getTime() - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return justNow;
  const rtf = new Intl.RelativeTimeFormat(locale, { numeric: "auto", style: "short" });
  for (const [unit, ms] of units) {
    if (abs >= ms || unit === "minute") return rtf.format(Math.round(diff / ms), unit);
  }
  return justNow;
}

/** A compact duration: "45 sec", "5 min", "2 hr", "3 days". */
export function formatDuration(ms: number, locale: string): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const fmt = (value: number, unit: string) =>
    new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "short" }).format(value);
  if (s < 60) return fmt(s, "second");
  if (s < 3600) return fmt(Math.floor(s / 60), "minute");
  if (s < 86_400) return fmt(Math.floor(s / 3600), "hour");
  return fmt(Math.floor(s / 86_400), "day");
}

/** The time of day for today, else a short date and time. */
export function formatTimestamp(date: Date, locale: string): string {
  const sameDay = date.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(
    locale,
    sameDay ? { hour: "2-digit", minute: "2-digit" } : { dateStyle: "medium", timeStyle: "short" },
  ).format(date);
}

/** A full date and time, for titles and detail panels. */
export function formatDateTime(date: Date, locale: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

/** The current time, refreshed every intervalMs, for live "x ago" labels. */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(id);
  }, [intervalMs]);
  return now;
}
