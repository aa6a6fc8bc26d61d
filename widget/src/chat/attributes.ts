// LiveChat.setAttributes(): the host site sets the visitor's custom
// attributes. They are trusted only for a visitor whose identity the site
// verified (LiveChat.identify with an HMAC from its backend): anyone can
// run script on a page, so without one they are ignored here, and the
// server refuses them too.

import type { Host } from "../types";
import { callJSON, errText, withTimeout } from "./client";
import type { Session } from "./session";

export function attributeSetter(host: Host, session: Session): (attrs: Record<string, string>) => Promise<void> {
  return async (attrs) => {
    const id = host.identity();
    if (!id) {
      console.warn("LiveChat: setAttributes() is ignored without a verified identity; call identify() first.");
      return;
    }
    try {
      await session.identify(id);
      await withTimeout((o) => callJSON(host.server, "CustomerService/SetVisitorAttributes", session.token, { attributes: attrs }, o));
    } catch (err) {
      console.error("LiveChat: setAttributes() failed:", errText(err));
    }
  };
}
