// How a page configures the widget: window.LiveChatConfig, else the script
// tag's own data-site-key, data-locale and data-server-url (a page whose CSP
// allows no inline script needs nothing but the tag).

import type { ConfigJson, Identity } from "./types";

/** The dashboard preview's unsaved settings. */
export interface PreviewJson {
  appearance?: ConfigJson["appearance"];
  prechat?: ConfigJson["prechat"];
  offline?: ConfigJson["offline"];
  translations?: ConfigJson["translations"];
  agentsOnline?: boolean;
}

/** window.LiveChatConfig. */
export interface UserConfig {
  siteKey?: string;
  serverUrl?: string;
  locale?: string;
  identity?: Identity;
  preview?: PreviewJson;
}

export interface Embed {
  siteKey: string;
  /** The server, without a trailing slash; "" when it cannot be told. */
  server: string;
  locale: string | undefined;
  identity: Identity | null;
  preview: PreviewJson | null;
}

/** The embedding page's settings: user (window.LiveChatConfig) first, then the script tag. */
export function readEmbed(user: UserConfig, script: { dataset: DOMStringMap; src: string } | null): Embed {
  const data = script?.dataset || {};
  return {
    siteKey: String(user.siteKey || data.siteKey || ""),
    server: String(user.serverUrl || data.serverUrl || (script?.src ? new URL(".", script.src).href : "")).replace(
      /\/+$/,
      "",
    ),
    locale: user.locale || data.locale,
    identity: user.identity && validIdentity(user.identity) ? user.identity : null,
    preview: user.preview || null,
  };
}

export function fromPreview(p: PreviewJson): ConfigJson {
  return {
    appearance: p.appearance,
    prechat: p.prechat,
    offline: p.offline,
    translations: p.translations,
    agentsOnline: p.agentsOnline !== false,
  };
}

export function validIdentity(id: Identity | null | undefined): boolean {
  return !!id && typeof id.userId === "string" && !!id.userId && typeof id.hmac === "string" && !!id.hmac;
}
