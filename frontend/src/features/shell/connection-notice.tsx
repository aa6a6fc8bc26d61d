import { WifiOffIcon } from "lucide-react";
import { useEffect, useState } from "react";
import { useI18n } from "@/i18n";
import { useStore } from "@/lib/external-store";
import { connection } from "@/realtime/connection";

// Short drops are resumed silently; only a longer outage is worth a word.
const graceMs = 3_000;

/**
 * A "reconnecting…" bar above the page while the live connection has been
 * down a while. It takes its own place in the layout instead of floating,
 * so it never covers what the agent is working in (the composer and its
 * hint sit at the bottom, the conversation header at the top).
 */
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

  const shown = state.status === "down" && overdue;
  // The live region stays mounted so screen readers notice the text when it
  // appears; only the visible pill comes and goes.
  return (
    <div role="status" aria-live="polite">
      {shown && (
        <div data-testid="reconnecting" className="flex items-center justify-center gap-2 bg-foreground px-4 py-1.5 text-sm text-background">
          <WifiOffIcon aria-hidden className="size-4" />
          {t("connection.reconnecting")}
        </div>
      )}
    </div>
  );
}
