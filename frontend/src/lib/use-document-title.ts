import { useEffect } from "react";
import { setBaseTitle } from "@/alerts/title";

/** Sets the tab title ("Inbox · Livechat"); unseen alerts are prefixed to it. */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    setBaseTitle(title ? `${title} · Livechat` : "Livechat");
  }, [title]);
}
