import { useEffect } from "react";
import { setBaseTitle } from "@/alerts/title";

/** Sets the tab title ("Inbox · Livechat"); unseen alerts are prefixed to it. */
export function useDocumentTitle(title: string | null): void {
  useEffect(() => {
    if (title === null) return;
    setBaseTitle(title ? `${title} · Livechat` : "Livechat");
  }, [title]);
}
