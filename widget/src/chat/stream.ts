// The widget's one Subscribe stream (reconnect, resume, watchdog and backoff
// come from @livechat/stream, shared with the dashboard) and what its
// events do to the conversation.

import { SenderType, type Conversation, type Event } from "@livechat/api/conversation_pb";
import { runStream } from "@livechat/stream";
import type { Host } from "../types";
import { Code, ms, type Api } from "./client";
import type { History } from "./history";
import type { Outbox } from "./outbox";
import type { Session } from "./session";
import type { Thread } from "./thread";
import type { View } from "./view";

export class ChatStream {
  /** Told of every snapshot of the visitor's conversation (its status, its rating). */
  onConversation?: (c: Conversation) => void;
  /** The stream is caught up (READY came). */
  live = false;
  /** When it went down; 0 while live or stopped. */
  downSince = 0;
  private ctl: AbortController | null = null;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private host: Host,
    private api: Api,
    private session: Session,
    private thread: Thread,
    private history: History,
    private outbox: Outbox,
    private view: View,
  ) {}

  get running(): boolean {
    return this.ctl !== null;
  }

  stop(): void {
    this.ctl?.abort();
    this.ctl = null;
    this.live = false;
    this.downSince = 0;
  }

  /** Whether "Reconnecting…" is due: the stream has been down for a moment. */
  down(): boolean {
    return !this.host.preview && !!this.session.token && !this.live && this.downSince > 0 && Date.now() - this.downSince > 1500;
  }

  private markDown(): void {
    this.live = false;
    if (!this.downSince) this.downSince = Date.now();
    setTimeout(() => this.view.renderBanner(this.down()), 1600);
    this.view.renderBanner(this.down());
  }

  /** (Re)opens the stream from scratch: no cursor, the newest history read alongside. */
  restart(): void {
    this.stop();
    const { session, history, thread, view, host } = this;
    if (!session.token || session.stopped) return;
    const ctl = new AbortController();
    this.ctl = ctl;
    const tok = session.token;
    // History in parallel with the stream's start; the catch-up after READY
    // closes the window between the two.
    history.load().then(() => view.render(true), () => {});
    void runStream(
      (req, opts) => this.api.subscribe(req, opts),
      {
        onEvent: (ev) => this.onEvent(ev),
        onStatus: (s) => {
          if (s === "down") this.markDown();
        },
        onCursorExpired: async () => {
          // Older than the retained history: reload, and follow live events from now on.
          thread.msgs.clear();
          await history.load().catch(() => {});
          view.render();
        },
        onError: (err) => {
          // This page's origin is no longer allowed, or the widget was
          // deleted: the loader finds out which and removes the widget.
          if (err.code === Code.PermissionDenied || err.code === Code.NotFound) host.recheck();
        },
        onUnauthenticated: () => {
          if (this.ctl !== ctl) return; // already replaced
          this.ctl = null;
          // A session on its way restarts the stream when it has a token.
          const again = (): void => {
            if (session.token && !this.running && !session.stopped) this.restart();
          };
          session.pending?.then(again, again);
          if (session.lost(tok)) void this.outbox.flush();
        },
        // While the stream is down (or a proxy keeps it from delivering),
        // poll: messages still arrive, at the pace of the backoff.
        whileDown: async (failures) => {
          if (thread.conv && failures > 1) await history.catchUp().then(() => view.render(), () => {});
        },
      },
      { signal: ctl.signal },
    );
  }

  private async onEvent(ev: Event): Promise<void> {
    const { thread, view, host } = this;
    const k = ev.kind;
    switch (k.case) {
      case "messageCreated":
        thread.switchConv(k.value.conversationId);
        if (thread.add(k.value) && k.value.senderType === SenderType.AGENT) this.setTyping("");
        view.render();
        break;
      case "messageUpdated":
        thread.add(k.value);
        view.render();
        break;
      case "conversationCreated":
      case "conversationUpdated":
        thread.switchConv(k.value.id);
        this.onConversation?.(k.value);
        break;
      case "typing":
        if (k.value.senderType === SenderType.AGENT) {
          const name = k.value.typing ? k.value.senderName || host.t("agent") : "";
          const until = k.value.expiresAt ? ms(k.value.expiresAt) - Date.now() : 6000;
          this.setTyping(name, Math.min(Math.max(until, 1000), 10000));
          view.render();
        }
        break;
      case "read":
        if (k.value.readerType === SenderType.AGENT) {
          thread.agentsRead(Number(k.value.seq));
        } else if (k.value.readerType === SenderType.CUSTOMER) {
          thread.markRead(Number(k.value.seq));
        }
        view.render();
        break;
      case "presence":
        if (!!host.config().agentsOnline !== k.value.agentsOnline) {
          host.setConfig({ ...host.config(), agentsOnline: k.value.agentsOnline });
        }
        break;
      case "ready":
        this.live = true;
        this.downSince = 0;
        view.renderBanner(false);
        await this.history.catchUp().catch(() => {});
        view.render();
        void this.outbox.flush();
        break;
    }
  }

  /** Shows an agent typing for ms (or no one when name is ""). */
  private setTyping(name: string, ms = 0): void {
    clearTimeout(this.typingTimer);
    this.view.typingName = name;
    if (name) {
      this.typingTimer = setTimeout(() => {
        this.view.typingName = "";
        this.view.render();
      }, ms);
    }
  }
}
