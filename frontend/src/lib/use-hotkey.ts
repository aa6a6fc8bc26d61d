import { useEffect, useRef } from "react";

function typingInField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/**
 * Calls handler when one of keys is pressed without modifiers, unless the
 * user is typing in a field or a dialog is open.
 */
export function useHotkey(keys: string[], handler: (e: KeyboardEvent) => void, enabled = true): void {
  const ref = useRef(handler);
  ref.current = handler;
  const joined = keys.join("\u0000");
  useEffect(() => {
    if (!enabled) return;
    const list = joined.split("\u0000");
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      if (typingInField(e.target)) return;
      if (document.querySelector("[role=dialog],[role=menu],[role=listbox][data-state=open]")) return;
      if (!list.includes(e.key)) return;
      e.preventDefault();
      ref.current(e);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [joined, enabled]);
}
