import { WifiOffIcon } from "lucide-react";
import { useEffect, useState } from "react";
import { useI18n } from "@/i18n";
import { useStore } from "@/lib/external-store";
import { connection } from "@/realtime/connection";

// Short drops are resumed silently; only a longer outage is worth a word.
const graceMs = 3_000;

/** A small "reconnecting…" notice while the live connection has been down a while. */
export function ConnectionNotice() {
  const { t } = useI18n();
  const state = useStore(connection);
  const [overdue, setOverdue] = useState(false);

  useEffect(() => {
    setOverdue(false);
    if (state.status !== "down") return;
    const id = window.setTimeout(() => setOverdue(true), Math.max(0, state.since + graceMs - Date.now()));
    return () => window.clearTimeout(id);
  }, [state]);

  if (state.status !== "down" || !overdue) return null;
  return (
    <div
      role="status"
      data-testid="reconnecting"
      className="pointer-events-none fixed bottom-4 left-1/2 z-50 flex -translate-x-1/2 items-center gap-2 rounded-full bg-foreground px-4 py-2 text-sm text-background shadow-lg"
    >
      <WifiOffIcon aria-hidden className="size-4" />
      {t("connection.reconnecting")}
    </div>
  );
}
