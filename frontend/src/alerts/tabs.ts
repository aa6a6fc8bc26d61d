/**
 * Coordination between the dashboard tabs of one browser, so that an agent
 * with several tabs open hears one chime and sees one notification:
 * - one tab is the alert leader (Web Locks; every tab when unavailable);
 * - tabs tell each other whether they are visible (BroadcastChannel).
 */
const tabId = Math.random().toString(36).slice(2);
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("livechat-tabs") : null;
const visibleTabs = new Map<string, number>(); // other tabs' id → when they last said they were visible
const staleAfterMs = 25_000;
let leader = false;

function announce() {
  channel?.postMessage({ tabId, visible: document.visibilityState === "visible" });
}

export function startTabCoordination(): void {
  if (channel) {
    channel.onmessage = (e: MessageEvent<{ tabId: string; visible: boolean; ask?: boolean }>) => {
      const { tabId: from, visible, ask } = e.data;
      if (ask) return announce();
      if (visible) visibleTabs.set(from, Date.now());
      else visibleTabs.delete(from);
    };
    document.addEventListener("visibilitychange", announce);
    window.addEventListener("pagehide", () => channel.postMessage({ tabId, visible: false }));
    // Visible tabs repeat themselves so a crashed tab does not count forever.
    window.setInterval(() => {
      if (document.visibilityState === "visible") announce();
    }, 10_000);
    channel.postMessage({ tabId, visible: document.visibilityState === "visible", ask: true });
    announce();
  }
  if (navigator.locks?.request) {
    void navigator.locks.request("livechat-alert-leader", () => {
      leader = true;
      return new Promise(() => {}); // Held until the tab closes.
    });
  } else {
    leader = true;
  }
}

/** Whether this tab speaks for the browser when no dashboard tab is visible. */
export function isAlertLeader(): boolean {
  return leader;
}

/** Whether the agent can see some dashboard tab right now. */
export function anyTabVisible(): boolean {
  if (document.visibilityState === "visible") return true;
  const now = Date.now();
  for (const [id, at] of visibleTabs) {
    if (now - at < staleAfterMs) return true;
    visibleTabs.delete(id);
  }
  return false;
}
