// Shapes shared by the loader (widget.js) and the lazily loaded chat part.
// The loader carries no protobuf runtime, so configuration travels in the
// JSON form of the API messages (camelCase, enums as their names, default
// values omitted).

import type { Store } from "./storage";
import type { Lang, Translate } from "./i18n";

/** JSON of livechat.v1.WidgetAppearance. */
export interface AppearanceJson {
  primaryColor?: string;
  position?: string;
  title?: string;
  greeting?: string;
  launcherLabel?: string;
  locale?: string;
}

/** JSON of livechat.v1.PrechatField. */
export interface PrechatFieldJson {
  key?: string;
  label?: string;
  type?: string;
  required?: boolean;
}

/** JSON of livechat.v1.PrechatForm. */
export interface PrechatJson {
  enabled?: boolean;
  fields?: PrechatFieldJson[];
}

/** JSON of livechat.v1.OfflineSettings. */
export interface OfflineJson {
  message?: string;
  collectEmail?: boolean;
}

/** JSON of livechat.v1.WidgetTexts: the admin's texts in one language. */
export interface WidgetTextsJson {
  title?: string;
  greeting?: string;
  launcherLabel?: string;
  offlineMessage?: string;
  /** Labels of the pre-chat fields, by field key. */
  prechatLabels?: Record<string, string>;
}

/** JSON of livechat.v1.WidgetConfig. */
export interface ConfigJson {
  siteKey?: string;
  appearance?: AppearanceJson;
  prechat?: PrechatJson;
  offline?: OfflineJson;
  agentsOnline?: boolean;
  /** The admin's texts by language ("en", "vi"); see texts.ts. */
  translations?: Record<string, WidgetTextsJson>;
  /** JSON of livechat.v1.Limits, from servers that send them. */
  limits?: { messageText?: number; ratingComment?: number };
  /** livechat.v1.CsatScale: whether and how to ask for a rating once resolved. */
  csat?: string;
  /** JSON of livechat.v1.WidgetAvailability: business hours and reply time (see hours.ts). */
  availability?: { open?: boolean; outside?: string; opensAt?: string; opensDay?: number; opensMinute?: number; replySeconds?: number; changesInSeconds?: number };
  /** JSON of livechat.v1.VisitorTracking: what to report of the visitor's browsing. */
  visitorTracking?: {
    pagesOff?: boolean;
    keepQueryStrings?: boolean;
    trackVisits?: boolean;
    triggers?: { urlPattern?: string; delaySeconds?: number; textEn?: string; textVi?: string }[];
  };
  /** The file picker's accept list: the kinds of file this widget allows. */
  attachmentAccept?: string;
  /** Up to three agents online now (names, avatars relative to the server), and how many in all. */
  onlineAgents?: { name?: string; avatarUrl?: string }[];
  onlineAgentCount?: number;
}

/** The host site's verified user, as given to LiveChat.identify. */
export interface Identity {
  userId: string;
  hmac: string;
  name?: string;
  email?: string;
}

/** What the loader hands to the chat part when it mounts. */
export interface Host {
  /** Server base URL without a trailing slash. */
  server: string;
  siteKey: string;
  /** Dashboard preview: no server calls at all. */
  preview: boolean;
  config(): ConfigJson;
  /** Replaces the configuration (restyles the launcher and header). */
  setConfig(c: ConfigJson): void;
  /** Verified identity from identify() or LiveChatConfig, if any. */
  identity(): Identity | null;
  store: Store;
  t: Translate;
  lang(): Lang;
  /** The panel's body, which the chat part owns. */
  body: HTMLElement;
  /** Whether the panel is open and the page visible (messages are seen). */
  seen(): boolean;
  setUnread(n: number): void;
  /** The live connection is down (or back): the header says so instead of who is online. */
  setReconnecting(on: boolean): void;
  open(): void;
  /**
   * The server refused a call in a way the configuration explains (an origin
   * no longer allowed, a deleted widget): read it again, at most every few
   * seconds; the loader removes the widget if it is refused.
   */
  recheck(): void;
}

/** What the chat part gives back to the loader. */
export interface Chat {
  /** The panel opened or the page became visible. */
  shown(): void;
  identify(id: Identity): void;
  /** The host site's custom attributes, for a verified visitor only. */
  setAttributes(attrs: Record<string, string>): void;
  /** Forgets the visitor: token, queue and read marker. */
  shutdown(): void;
  /** Language or configuration changed: re-render texts. */
  refresh(): void;
  /** The widget is gone from the page: no more calls, storage kept. */
  stop(): void;
}

/** The chat part's module interface. */
export interface ChatModule {
  mount(host: Host): Chat;
}
