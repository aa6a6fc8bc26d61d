// Per-site storage: every key is prefixed with the site key so two widgets
// (or two sites on one origin) never share a visitor. When localStorage is
// blocked (privacy settings, sandboxed frames) values live in memory for the
// life of the page.

/**
 * Everything stored about the visitor (not the cached configuration): what
 * LiveChat.shutdown() removes, whether or not the chat part has loaded.
 */
export const VISITOR_KEYS = ["token", "uid", "outbox", "read", "draft", "email", "ctxdev", "ctxq", "vk", "visit"];

export interface Store {
  get<T>(key: string): T | null;
  set(key: string, value: unknown): void;
  remove(key: string): void;
  /** Calls fn(key) when another tab of this site changes one of our keys. */
  watch(fn: (key: string) => void): void;
}

export function createStore(siteKey: string, memoryOnly = false): Store {
  const prefix = "livechat:" + siteKey + ":";
  const memory = new Map<string, string>();
  let ls: Storage | null = null;
  try {
    if (memoryOnly) throw 0;
    ls = window.localStorage;
    const probe = prefix + "probe";
    ls.setItem(probe, "1");
    ls.removeItem(probe);
  } catch {
    ls = null;
  }

  const read = (k: string): string | null => {
    if (ls) {
      try {
        return ls.getItem(prefix + k);
      } catch {
        /* fall through to memory */
      }
    }
    return memory.has(k) ? (memory.get(k) as string) : null;
  };

  return {
    get<T>(key: string): T | null {
      const raw = read(key);
      if (raw == null) return null;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return null;
      }
    },
    set(key, value) {
      const raw = JSON.stringify(value);
      memory.set(key, raw);
      try {
        ls?.setItem(prefix + key, raw);
      } catch {
        /* quota or blocked: the in-memory copy still serves this page */
      }
    },
    remove(key) {
      memory.delete(key);
      try {
        ls?.removeItem(prefix + key);
      } catch {
        /* ignore */
      }
    },
    watch(fn) {
      window.addEventListener("storage", (e) => {
        if (e.key == null) {
          fn("*");
        } else if (e.key.startsWith(prefix)) {
          const k = e.key.slice(prefix.length);
          // Keep the memory copy in step so reads agree with other tabs.
          if (e.newValue == null) memory.delete(k);
          else memory.set(k, e.newValue);
          fn(k);
        }
      });
    },
  };
}
