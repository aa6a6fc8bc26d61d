import { createStore } from "./external-store";

/** A short message about something that failed away from any form (a menu action). */
export interface Toast {
  id: number;
  text: string;
}

export const toasts = createStore<Toast[]>([]);
let nextId = 1;
const lifetimeMs = 8_000;

/** Shows text for a few seconds (or until dismissed). */
export function showToast(text: string): void {
  const id = nextId++;
  toasts.set([...toasts.get().slice(-2), { id, text }]);
  window.setTimeout(() => dismissToast(id), lifetimeMs);
}

export function dismissToast(id: number): void {
  const list = toasts.get();
  if (list.some((t) => t.id === id)) toasts.set(list.filter((t) => t.id !== id));
}
