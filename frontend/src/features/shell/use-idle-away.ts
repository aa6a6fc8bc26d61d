import { useMutation } from "@connectrpc/connect-query";
import { useEffect, useRef } from "react";
import { AgentStatus, AuthService, type Agent } from "@livechat/api/auth_pb";
import { useSetMe } from "@/features/auth/use-me";

// The newest activity in any dashboard tab, shared through localStorage so
// one tab in use keeps the others from going away.
const activityKey = "livechat.lastActivity";
const checkMs = 1_000;
const activityEvents = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart"] as const;

function lastActivity(local: number): number {
  const shared = Number(window.localStorage.getItem(activityKey) ?? 0);
  return Math.max(local, Number.isFinite(shared) ? shared : 0);
}

/**
 * Sets the agent away after their idle time without keyboard, mouse or
 * focus activity in any dashboard tab, and online again on activity, but
 * only when the away was automatic: a chosen away (or invisible) stays,
 * which the server also enforces.
 */
export function useIdleAway(me: Agent) {
  const { mutate, isPending } = useMutation(AuthService.method.setMyStatus, { onSuccess: useSetMe() });
  const state = useRef({ me, isPending, local: Date.now() });
  state.current.me = me;
  state.current.isPending = isPending;

  useEffect(() => {
    const s = state.current;
    const onActivity = () => {
      const now = Date.now();
      if (now - s.local > 500) {
        s.local = now;
        window.localStorage.setItem(activityKey, String(now));
      }
      if (s.me.status === AgentStatus.AWAY && s.me.awayAutomatic && !s.isPending) {
        s.isPending = true;
        mutate({ status: AgentStatus.ONLINE, automatic: true });
      }
    };
    const onVisible = () => document.visibilityState === "visible" && onActivity();
    const check = () => {
      const idle = s.me.idleAwaySeconds;
      if (idle <= 0 || s.me.status !== AgentStatus.ONLINE || s.isPending) return;
      if (Date.now() - lastActivity(s.local) >= idle * 1000) {
        s.isPending = true;
        mutate({ status: AgentStatus.AWAY, automatic: true });
      }
    };
    for (const e of activityEvents) window.addEventListener(e, onActivity, { passive: true });
    window.addEventListener("focus", onActivity);
    document.addEventListener("visibilitychange", onVisible);
    const timer = window.setInterval(check, checkMs);
    return () => {
      for (const e of activityEvents) window.removeEventListener(e, onActivity);
      window.removeEventListener("focus", onActivity);
      document.removeEventListener("visibilitychange", onVisible);
      window.clearInterval(timer);
    };
  }, [mutate]);
}
