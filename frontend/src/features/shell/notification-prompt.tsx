import { BellRingIcon } from "lucide-react";
import { useState } from "react";
import { notificationPermission, requestNotificationPermission } from "@/alerts/desktop";
import { Button } from "@/components/ui/button";
import { useI18n } from "@/i18n";
import { updatePreferences, usePreferences } from "@/lib/preferences";

/**
 * Asks once whether to enable desktop notifications. The browser's own
 * prompt follows a click here, so it is never sprung on the agent.
 */
export function NotificationPrompt() {
  const { t } = useI18n();
  const prefs = usePreferences();
  const [permission] = useState(notificationPermission);
  if (prefs.notificationsAsked || permission !== "default") return null;

  async function enable() {
    const result = await requestNotificationPermission();
    updatePreferences({ notificationsAsked: true, desktop: result === "granted" });
  }

  return (
    <div role="region" aria-label={t("notifications.promptTitle")} className="flex flex-wrap items-center gap-3 border-b bg-accent px-4 py-2 text-sm text-accent-foreground">
      <BellRingIcon aria-hidden className="size-4 shrink-0" />
      <span className="flex-1">{t("notifications.prompt")}</span>
      <div className="flex gap-2">
        <Button size="sm" onClick={() => void enable()}>
          {t("notifications.enable")}
        </Button>
        <Button size="sm" variant="ghost" onClick={() => updatePreferences({ notificationsAsked: true, desktop: false })}>
          {t("notifications.notNow")}
        </Button>
      </div>
    </div>
  );
}
