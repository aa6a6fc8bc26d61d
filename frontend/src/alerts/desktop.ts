/** Whether this browser can show desktop notifications here (they need a secure context). */
export function notificationsSupported(): boolean {
  return typeof Notification === "function" && window.isSecureContext;
}

export function notificationPermission(): NotificationPermission | "unsupported" {
  return notificationsSupported() ? Notification.permission : "unsupported";
}

export async function requestNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (!notificationsSupported()) return "unsupported";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/**
 * Shows a desktop notification; one per conversation (a newer one replaces
 * it). Clicking it focuses the dashboard and calls onClick.
 */
export function showDesktopNotification(title: string, body: string, tag: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== "granted") return;
  try {
    const n = new Notification(title, { body, tag, silent: true });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // Some platforms allow notifications only from a service worker.
  }
}
