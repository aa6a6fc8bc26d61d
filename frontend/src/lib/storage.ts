/**
 * Small typed wrappers over localStorage that never throw (private mode,
 * disabled storage) and keep every key under one prefix.
 */
const prefix = "livechat.";

export function readSetting<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(prefix + key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function writeSetting<T>(key: string, value: T): void {
  try {
    localStorage.setItem(prefix + key, JSON.stringify(value));
  } catch {
    // Storage unavailable: the setting lasts for this page only.
  }
}

/** Subscribes to changes of a setting made in other tabs. */
export function onSettingChange(key: string, listener: () => void): () => void {
  const handler = (e: StorageEvent) => {
    if (e.key === prefix + key) listener();
  };
  window.addEventListener("storage", handler);
  return () => window.removeEventListener("storage", handler);
}
