// The events the host page can listen to through LiveChat.on.

export type EventName = "unread" | "open" | "close";
export type Listener = (value?: number) => void;

export class Events {
  private listeners: Record<EventName, Set<Listener>> = { unread: new Set(), open: new Set(), close: new Set() };

  /** Calls every listener of name; one that throws does not stop the others. */
  emit(name: EventName, value?: number): void {
    for (const fn of this.listeners[name]) {
      try {
        fn(value);
      } catch (e) {
        console.error("LiveChat:", "error in", name, "listener", e);
      }
    }
  }

  /** Adds a listener; reports false for an unknown event or a non-function. */
  on(name: string, fn: unknown): boolean {
    const set = this.listeners[name as EventName];
    if (!set || typeof fn !== "function") return false;
    set.add(fn as Listener);
    return true;
  }

  off(name: string, fn: Listener): void {
    this.listeners[name as EventName]?.delete(fn);
  }
}
