// The visitor's session: the visitor token (kept in storage, shared by the
// site's tabs), StartSession — which starts, continues or links a session to
// a verified identity — and forgetting the visitor.

import type { StartSessionResponse } from "@livechat/api/widget_pb";
import { VISITOR_KEYS, type Store } from "../storage";
import type { Identity } from "../types";
import { withTimeout, type Api } from "./client";

export interface SessionDeps {
  api: Api;
  store: Store;
  siteKey: string;
  identity(): Identity | null;
  /** StartSession answered for the current visitor; changed: the token is another one. */
  started(res: StartSessionResponse, changed: boolean): void;
  /** The visitor was forgotten: clear what is shown. */
  forgotten(): void;
  /** The token was refused: start afresh, keeping unsent messages. */
  reset(): void;
}

export class Session {
  token: string;
  /**
   * Counts the visitors this page has forgotten (shutdown, a lost session):
   * an answer to a call made for an earlier one is dropped, so a forgotten
   * conversation never comes back.
   */
  epoch = 0;
  /** The StartSession call on its way, if any. */
  pending: Promise<void> | null = null;
  stopped = false;

  constructor(private d: SessionDeps) {
    this.token = d.store.get<string>("token") || "";
  }

  setToken(v: string): void {
    this.token = v;
    if (v) this.d.store.set("token", v);
    else this.d.store.remove("token");
  }

  /**
   * Starts the visitor's session, or continues it (the stored token goes
   * along), or links it to the verified identity. Calls made meanwhile share
   * the one on its way.
   */
  ensure(prechat?: Record<string, string>, force?: boolean): Promise<void> {
    if (this.token && !prechat && !force) return Promise.resolve();
    if (!this.pending) {
      const e = this.epoch;
      const p = (async () => {
        const id = this.d.identity();
        const res = await withTimeout((o) =>
          this.d.api.startSession(
            {
              siteKey: this.d.siteKey,
              visitorToken: this.token,
              prechat: prechat || {},
              identity: id ? { userId: id.userId, hmac: id.hmac, name: id.name || "", email: id.email || "" } : undefined,
            },
            o,
          ),
        );
        if (e !== this.epoch) return;
        const changed = res.visitorToken !== this.token;
        this.setToken(res.visitorToken);
        this.d.store.set("uid", id?.userId || "");
        this.d.started(res, changed);
      })().finally(() => {
        if (this.pending === p) this.pending = null;
      });
      this.pending = p;
    }
    return this.pending;
  }

  /** Forgets everything about the visitor on this device (and in storage if clearStorage). */
  forget(clearStorage: boolean): void {
    this.epoch++;
    this.pending = null;
    if (clearStorage) for (const k of VISITOR_KEYS) this.d.store.remove(k);
    this.token = clearStorage ? "" : this.d.store.get<string>("token") || "";
    this.d.forgotten();
  }

  /** Links the visitor to the site's signed-in user. */
  identify(id: Identity): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const prev = this.d.store.get<string>("uid") || "";
    if (prev === id.userId && this.token) return Promise.resolve();
    // Another signed-in user on this device: don't continue their chat.
    if (prev && prev !== id.userId) this.forget(true);
    return this.ensure(undefined, true);
  }

  /**
   * A call made with tok was refused as unauthenticated. Unless a newer
   * session replaced that token meanwhile (or is on its way: identify()
   * moving to a signed-in user's customer ends the anonymous session), start
   * afresh. Reports whether it did.
   */
  lost(tok: string): boolean {
    if (tok !== this.token || this.pending) return false;
    this.d.reset();
    return true;
  }

  stop(): void {
    this.stopped = true;
    this.epoch++;
    this.pending = null;
  }
}
