// The chat part, loaded lazily by widget.js: the session, the one Subscribe
// stream of this page, the persistent outbox and the conversation UI.
//
// Never losing a message rests on three rules:
//   - a message is first written to the outbox in storage, then sent with its
//     client_message_id until the server has it (retries are idempotent);
//   - the stream resumes from the last durable event's cursor, and after each
//     READY the newest messages are read once more to close any gap;
//   - everything shown is keyed by message id, and a pending message by its
//     client_message_id, so replays and other tabs never double a line.

import { toJson } from "@bufbuild/protobuf";
import { SenderType, SystemEventKind, type Event, type Message } from "@livechat/api/conversation_pb";
import { WidgetConfigSchema } from "@livechat/api/widget_pb";
import { h, icon, ICON_SEND } from "../dom";
import type { Key } from "../i18n";
import { VISITOR_KEYS } from "../storage";
import type { Chat, ConfigJson, Host, Identity, PrechatFieldJson } from "../types";
import { ConnectError } from "@connectrpc/connect";
import { Code, codeOf, createApi, ms, newId, transient, withTimeout } from "./client";
import { linkify } from "./text";

interface Msg {
  id: string;
  conv: string;
  seq: number;
  who: "me" | "agent" | "sys";
  senderId: string;
  name: string;
  text: string;
  at: number;
  cmid: string;
  sys?: { kind: number; actor: string; target: string };
}

/** An outbox entry, as persisted. */
interface Item {
  c: string; // client_message_id
  t: string; // text
  at: number;
  err?: string; // why the server refused it: one of SEND_ERRORS, else "1"
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reasons a message was refused, as translation keys. */
const SEND_ERRORS: Key[] = ["msgTooLong", "msgBadChars", "msgInvalid"];

/**
 * The visitor-facing reason for a message the server refused as invalid
 * (its own text is English, for developers): "text is 4001 characters
 * long…", "text contains the control character…".
 */
function sendError(err: unknown): Key {
  const raw = errText(err);
  return /characters long/.test(raw) ? "msgTooLong" : /control character|UTF-8/.test(raw) ? "msgBadChars" : "msgInvalid";
}

export function mount(host: Host): Chat {
  const { store, t } = host;
  const api = createApi(host.server, () => token);

  // ---- state ----
  let token = store.get<string>("token") || "";
  const msgs = new Map<string, Msg>();
  const delivered = new Set<string>(); // client_message_ids the server has
  const mine = new Map<string, Item>(); // outbox entries this page keeps alive
  let conv = "";
  // epoch counts the visitors this page has forgotten (shutdown, a lost
  // session): an answer to a call made for an earlier one is dropped, so a
  // forgotten conversation never comes back.
  let epoch = 0;
  let read = store.get<{ c: string; s: number }>("read");
  let agentRead = 0;
  let hasMore = false;
  let typingName = "";
  let typingTimer = 0;
  let live = false; // the stream is caught up
  let downSince = 0;
  let sendWaiting = false; // the last send failed for a passing reason
  let tooFast = false; // … namely the rate limit
  let prechatDone = false;
  let stopped = false; // the loader removed the widget

  for (const it of store.get<Item[]>("outbox") || []) mine.set(it.c, it);

  // ---- DOM ----
  const banner = h("div", { class: "lc-banner", role: "status", hidden: true });
  const more = h("button", { type: "button", class: "lc-more", hidden: true });
  const intro = h("div", { class: "lc-intro" });
  const list = h("div", { class: "lc-list" });
  const typing = h("div", { class: "lc-typing", hidden: true, "aria-live": "polite" });
  const log = h("div", { class: "lc-log", role: "log", "aria-live": "polite", tabindex: "-1" }, more, intro, list, typing);
  const textarea = h("textarea", { class: "lc-input", rows: "1", maxlength: "4000", "data-autofocus": true });
  const sendBtn = h("button", { type: "submit", class: "lc-send" }, icon(ICON_SEND));
  const composer = h("form", { class: "lc-composer" }, textarea, sendBtn);
  const prechatBox = h("div", { class: "lc-prechat-box" });
  host.body.replaceChildren(banner, log, prechatBox, composer);

  // ---- rendering ----
  const formats = new Map<string, Intl.DateTimeFormat>();
  function fmtTime(at: number): string {
    const d = new Date(at);
    const key = host.lang() + (d.toDateString() === new Date().toDateString() ? "t" : "d");
    let f = formats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(host.lang(), {
        hour: "numeric",
        minute: "2-digit",
        ...(key.endsWith("t") ? {} : { day: "numeric", month: "short" }),
      });
      formats.set(key, f);
    }
    return f.format(d);
  }

  function sysText(m: Msg): string {
    const s = m.sys;
    if (!s) return m.text;
    const vars = { actor: s.actor || t("agent"), target: s.target || t("agent") };
    const k: Key | null =
      s.kind === SystemEventKind.CLAIMED
        ? "claimed"
        : s.kind === SystemEventKind.ASSIGNED
          ? s.actor && s.actor !== s.target
            ? "assigned"
            : "assignedTo"
          : s.kind === SystemEventKind.RESOLVED
            ? "resolved"
            : s.kind === SystemEventKind.CLOSED
              ? "closed"
              : s.kind === SystemEventKind.REOPENED
                ? "reopened"
                : null;
    return k ? t(k, vars) : m.text;
  }

  function sorted(): Msg[] {
    return Array.from(msgs.values()).sort((a, b) => (a.conv === b.conv ? a.seq - b.seq : a.at - b.at));
  }

  function outbox(): Item[] {
    const all = new Map<string, Item>();
    for (const it of store.get<Item[]>("outbox") || []) all.set(it.c, it);
    for (const it of mine.values()) if (!all.has(it.c)) all.set(it.c, it);
    return Array.from(all.values())
      .filter((it) => !delivered.has(it.c))
      .sort((a, b) => a.at - b.at);
  }

  function saveOutbox(items: Item[]): void {
    if (items.length) store.set("outbox", items);
    else store.remove("outbox");
  }

  // Rendered lines by message id (or "p" + client_message_id while pending),
  // reused while unchanged so that a visitor's text selection survives
  // incoming events.
  const cache = new Map<string, { sig: string; el: HTMLElement }>();
  function cached(key: string, sig: string, make: () => HTMLElement): HTMLElement {
    const c = cache.get(key);
    if (c && c.sig === sig) return c.el;
    const el = make();
    cache.set(key, { sig, el });
    return el;
  }

  function render(scroll?: boolean): void {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    const items = sorted();
    const pending = outbox();
    const lastMine = [...items].reverse().find((m) => m.who === "me");
    const nodes: HTMLElement[] = [];
    const keep = new Set<string>();
    let prev = "";
    for (const m of items) {
      keep.add(m.id);
      if (m.who === "sys") {
        const text = sysText(m);
        nodes.push(cached(m.id, text, () => h("p", { class: "lc-sys" }, text)));
        prev = "";
        continue;
      }
      const key = m.who + m.senderId;
      const showName = m.who === "agent" && prev !== key;
      const meta = fmtTime(m.at) + (m === lastMine && m.seq <= agentRead ? " · " + t("seen") : "");
      nodes.push(
        cached(m.id, meta + showName + host.lang(), () =>
          h(
            "div",
            { class: "lc-msg lc-" + m.who },
            showName ? h("div", { class: "lc-name" }, m.name || t("agent")) : null,
            h("div", { class: "lc-bubble" }, ...linkify(m.text)),
            h("div", { class: "lc-meta" }, meta),
          ),
        ),
      );
      prev = key;
    }
    for (const it of pending) {
      keep.add("p" + it.c);
      nodes.push(cached("p" + it.c, (it.err || "") + sendWaiting + tooFast + host.lang(), () => pendingLine(it)));
    }
    for (const k of cache.keys()) if (!keep.has(k)) cache.delete(k);
    // Touch the DOM only where the sequence changed.
    nodes.forEach((el, i) => {
      if (list.children[i] !== el) list.insertBefore(el, list.children[i] || null);
    });
    while (list.children.length > nodes.length) list.lastElementChild?.remove();
    more.hidden = !hasMore;
    typing.hidden = !typingName;
    typing.textContent = typingName ? t("typing", { name: typingName }) : "";
    if (scroll || atBottom) log.scrollTop = log.scrollHeight;
    updateUnread();
  }

  function pendingLine(it: Item): HTMLElement {
      const meta = h("div", { class: "lc-meta" });
      if (it.err) {
        const retry = h("button", { type: "button", class: "lc-link" }, t("retry"));
        const remove = h("button", { type: "button", class: "lc-link" }, t("remove"));
        retry.addEventListener("click", () => {
          patch(it.c, { err: undefined });
          void flush();
        });
        remove.addEventListener("click", () => {
          mine.delete(it.c);
          saveOutbox(outbox().filter((x) => x.c !== it.c));
          render();
        });
        const why = SEND_ERRORS.find((k) => k === it.err);
        meta.append(t("failed") + (why ? ": " + t(why) : "") + " · ", retry, " · ", remove);
      } else {
        meta.textContent = sendWaiting ? t(tooFast ? "tooFast" : "queued") : t("sending");
      }
      return h(
        "div",
        { class: "lc-msg lc-me lc-pending" + (it.err ? " lc-failed" : "") },
        h("div", { class: "lc-bubble" }, ...linkify(it.t)),
        meta,
      );
  }

  // The intro and the pre-chat form are rebuilt only when what they show
  // changes, so a visitor typing into them never loses their input.
  let introSig = "";
  let footerSig = "";

  function renderIntro(): void {
    const c = host.config();
    const online = !!c.agentsOnline;
    const text = online ? c.appearance?.greeting : c.offline?.message || t("away");
    const knownEmail = store.get<string>("email") || host.identity()?.email;
    const sig = JSON.stringify([online, text, knownEmail, c.offline?.collectEmail, host.lang()]);
    if (sig === introSig) return;
    introSig = sig;
    const nodes: Node[] = [];
    if (text) nodes.push(h("p", { class: "lc-greet" }, ...linkify(text)));
    if (!online && c.offline?.collectEmail) {
      if (knownEmail) {
        nodes.push(h("p", { class: "lc-note" }, t("emailSaved", { email: knownEmail })));
      } else {
        nodes.push(emailForm());
      }
    }
    intro.replaceChildren(...nodes);
  }

  function field(label: string, input: HTMLInputElement): { wrap: HTMLElement; err: HTMLElement } {
    const id = "lc-f-" + newId().slice(0, 8);
    input.id = id;
    const err = h("p", { class: "lc-err", id: id + "-e", hidden: true });
    input.setAttribute("aria-describedby", err.id);
    return { wrap: h("div", { class: "lc-field" }, h("label", { for: id }, label), input, err), err };
  }

  function showErr(f: { err: HTMLElement }, input: HTMLInputElement, msg: string): void {
    f.err.textContent = msg;
    f.err.hidden = !msg;
    input.setAttribute("aria-invalid", msg ? "true" : "false");
  }

  function emailForm(): HTMLElement {
    const input = h("input", { type: "email", autocomplete: "email", required: true });
    const f = field(t("email"), input);
    const form = h(
      "form",
      { class: "lc-form", novalidate: true },
      h("p", null, t("emailAsk")),
      f.wrap,
      h("button", { type: "submit", class: "lc-btn" }, t("save")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const email = input.value.trim();
      if (!EMAIL.test(email)) return showErr(f, input, t("badEmail"));
      showErr(f, input, "");
      const done = (): void => {
        store.set("email", email);
        renderIntro();
      };
      if (host.preview) return done();
      ensureSession()
        .then(() => withTimeout((o) => api.updateCustomer({ email }, o)))
        .then(done, (err: unknown) => showErr(f, input, codeOf(err) === Code.InvalidArgument ? t("badEmail") : t("error")));
    });
    return form;
  }

  /** Pre-chat fields still to ask: those a verified identity does not answer. */
  function prechatFields(): PrechatFieldJson[] {
    const p = host.config().prechat;
    if (!p?.enabled || !p.fields?.length || prechatDone || (token && !host.preview)) return [];
    const id = host.identity();
    return p.fields.filter(
      (f) =>
        !(id?.name && f.type === "PRECHAT_FIELD_TYPE_NAME") && !(id?.email && f.type === "PRECHAT_FIELD_TYPE_EMAIL"),
    );
  }

  function renderFooter(): void {
    const fields = prechatFields();
    composer.hidden = fields.length > 0;
    textarea.toggleAttribute("data-autofocus", !fields.length);
    textarea.placeholder = t("placeholder");
    textarea.setAttribute("aria-label", t("message"));
    sendBtn.setAttribute("aria-label", t("send"));
    more.textContent = t("earlier");
    const sig = JSON.stringify([fields, host.lang()]);
    if (sig === footerSig) return;
    footerSig = sig;
    if (!fields.length) {
      prechatBox.replaceChildren();
      return;
    }
    const inputs: { f: PrechatFieldJson; input: HTMLInputElement; ui: { wrap: HTMLElement; err: HTMLElement } }[] = [];
    for (const f of fields) {
      const type =
        f.type === "PRECHAT_FIELD_TYPE_EMAIL" ? "email" : f.type === "PRECHAT_FIELD_TYPE_PHONE" ? "tel" : "text";
      const input = h("input", {
        type,
        name: f.key,
        required: !!f.required,
        maxlength: "200",
        autocomplete:
          type === "email" ? "email" : type === "tel" ? "tel" : f.type === "PRECHAT_FIELD_TYPE_NAME" ? "name" : "off",
      });
      inputs.push({ f, input, ui: field((f.label || f.key || "") + (f.required ? " *" : ""), input) });
    }
    inputs[0].input.setAttribute("data-autofocus", "");
    const status = h("p", { class: "lc-err", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "lc-btn" }, t("start"));
    const form = h(
      "form",
      { class: "lc-form lc-prechat", novalidate: true },
      h("p", null, t("prechatIntro")),
      ...inputs.map((i) => i.ui.wrap),
      status,
      submit,
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const answers: Record<string, string> = {};
      let firstBad: HTMLInputElement | null = null;
      for (const { f, input, ui } of inputs) {
        const v = input.value.trim();
        const msg =
          f.required && !v ? t("required") : v && f.type === "PRECHAT_FIELD_TYPE_EMAIL" && !EMAIL.test(v) ? t("badEmail") : "";
        showErr(ui, input, msg);
        if (msg && !firstBad) firstBad = input;
        if (v && f.key) answers[f.key] = v;
      }
      if (firstBad) return firstBad.focus();
      const finish = (): void => {
        prechatDone = true;
        const email = inputs.find((i) => i.f.type === "PRECHAT_FIELD_TYPE_EMAIL")?.input.value.trim();
        if (email) store.set("email", email);
        renderIntro();
        renderFooter();
        textarea.focus();
      };
      if (host.preview) return finish();
      submit.disabled = true;
      status.hidden = true;
      ensureSession(answers)
        .then(finish, (err: unknown) => {
          const msg = prechatError(err, inputs);
          status.textContent = msg;
          status.hidden = !msg;
        })
        .finally(() => (submit.disabled = false));
    });
    prechatBox.replaceChildren(form);
  }

  /**
   * Shows why StartSession refused the pre-chat answers, in the visitor's
   * language: under the field the server's message names (by its label, as
   * in "Email "x" is not a valid email address"), else as the returned
   * form-wide message.
   */
  function prechatError(
    err: unknown,
    inputs: { f: PrechatFieldJson; input: HTMLInputElement; ui: { err: HTMLElement } }[],
  ): string {
    const code = codeOf(err);
    if (code === Code.ResourceExhausted) return t("tooMany");
    if (code !== Code.InvalidArgument) return t("error");
    const raw = errText(err);
    let hit: (typeof inputs)[number] | null = null;
    let best = 0;
    for (const i of inputs) {
      const label = i.f.label || i.f.key || "";
      if (label.length > best && raw.startsWith(label + " ")) {
        hit = i;
        best = label.length;
      }
    }
    if (!hit) {
      // Most likely the form changed since this page read it.
      host.recheck();
      return t("checkForm");
    }
    const rest = raw.slice(best);
    const key: Key = /valid email/.test(rest)
      ? "badEmail"
      : /is required/.test(rest)
        ? "required"
        : /characters; at most/.test(rest)
          ? "tooLong"
          : "badValue";
    showErr(hit.ui, hit.input, t(key));
    hit.input.focus();
    return "";
  }

  function renderBanner(): void {
    const down = !host.preview && !!token && !live && downSince > 0 && Date.now() - downSince > 1500;
    banner.hidden = !down;
    banner.textContent = t("reconnecting");
  }

  function renderAll(): void {
    renderIntro();
    renderFooter();
    renderBanner();
    render();
  }

  // ---- unread and read markers ----
  function unreadCount(): number {
    const base = read && read.c === conv ? read.s : 0;
    let n = 0;
    for (const m of msgs.values()) if (m.conv === conv && m.who === "agent" && m.seq > base) n++;
    return n;
  }

  let markTimer = 0;
  function updateUnread(): void {
    const top = maxSeq();
    if (host.seen() && conv && top > (read && read.c === conv ? read.s : 0)) {
      read = { c: conv, s: top };
      store.set("read", read);
      clearTimeout(markTimer);
      markTimer = window.setTimeout(() => {
        if (token && !host.preview && !stopped) {
          void withTimeout((o) => api.markRead({ seq: BigInt(top) }, o)).catch(() => {});
        }
      }, 400);
    }
    host.setUnread(unreadCount());
  }

  function maxSeq(): number {
    let s = 0;
    for (const m of msgs.values()) if (m.conv === conv && m.seq > s) s = m.seq;
    return s;
  }

  // ---- messages ----
  function add(p: Message): void {
    if (p.internal || !p.id || msgs.has(p.id)) return;
    const m: Msg = {
      id: p.id,
      conv: p.conversationId,
      seq: Number(p.seq),
      who: p.senderType === SenderType.CUSTOMER ? "me" : p.senderType === SenderType.AGENT ? "agent" : "sys",
      senderId: p.senderId,
      name: p.senderName,
      text: p.text,
      at: ms(p.createdAt),
      cmid: p.clientMessageId,
    };
    if (p.systemEvent) m.sys = { kind: p.systemEvent.kind, actor: p.systemEvent.actorName, target: p.systemEvent.targetName };
    msgs.set(m.id, m);
    if (m.conv && !conv) conv = m.conv;
    if (m.cmid) {
      delivered.add(m.cmid);
      if (mine.delete(m.cmid)) saveOutbox(outbox());
    }
    if (m.who === "agent" && typingName) {
      typingName = "";
      clearTimeout(typingTimer);
    }
    if (m.who === "me" && m.conv === conv && (!read || read.c !== conv || read.s < m.seq)) {
      // Whoever writes has seen what came before.
      read = { c: conv, s: m.seq };
      store.set("read", read);
    }
  }

  /** The visitor's current conversation changed (a new one was opened). */
  function switchConv(c: string): void {
    if (c) conv = c;
  }

  // ---- session ----
  let sessionP: Promise<void> | null = null;

  function setToken(v: string): void {
    token = v;
    if (v) store.set("token", v);
    else store.remove("token");
  }

  /** Starts (or continues, or links to an identity) the visitor's session. */
  function ensureSession(prechat?: Record<string, string>, force?: boolean): Promise<void> {
    if (token && !prechat && !force) return Promise.resolve();
    if (!sessionP) {
      const e = epoch;
      const p = (async () => {
        const id = host.identity();
        const res = await withTimeout((o) =>
          api.startSession(
            {
              siteKey: host.siteKey,
              visitorToken: token,
              prechat: prechat || {},
              identity: id ? { userId: id.userId, hmac: id.hmac, name: id.name || "", email: id.email || "" } : undefined,
            },
            o,
          ),
        );
        if (e !== epoch) return;
        const changed = res.visitorToken !== token;
        setToken(res.visitorToken);
        store.set("uid", id?.userId || "");
        if (res.config) host.setConfig(toJson(WidgetConfigSchema, res.config) as ConfigJson);
        if (res.customer?.email) store.set("email", res.customer.email);
        if (conv && res.conversation?.id !== conv) {
          // Another customer now (identify() linked to a signed-in user's):
          // what this page shows was an earlier visitor's conversation.
          msgs.clear();
          conv = "";
          read = null;
          agentRead = 0;
          hasMore = false;
          store.remove("read");
          void loadHistory().then(() => render(true), () => {});
        }
        if (res.conversation?.id) switchConv(res.conversation.id);
        if (changed || !streaming) restartStream();
        renderAll();
      })().finally(() => {
        if (sessionP === p) sessionP = null;
      });
      sessionP = p;
    }
    return sessionP;
  }

  /** Forgets everything about the visitor on this device. */
  function forget(clearStorage: boolean): void {
    epoch++;
    sessionP = null;
    if (clearStorage) for (const k of VISITOR_KEYS) store.remove(k);
    token = clearStorage ? "" : store.get<string>("token") || "";
    stopStream();
    msgs.clear();
    delivered.clear();
    mine.clear();
    conv = "";
    read = null;
    agentRead = 0;
    hasMore = false;
    typingName = "";
    prechatDone = false;
    textarea.value = "";
    renderAll();
  }

  function identify(id: Identity): void {
    if (stopped) return;
    const prev = store.get<string>("uid") || "";
    if (prev === id.userId && token) return;
    // Another signed-in user on this device: don't continue their chat.
    if (prev && prev !== id.userId) forget(true);
    ensureSession(undefined, true).catch((err: unknown) =>
      console.error("LiveChat: identify() failed:", errText(err)),
    );
  }

  // ---- history ----
  async function loadHistory(before?: number): Promise<void> {
    const e = epoch;
    const tok = token;
    try {
      const res = await withTimeout((o) =>
        api.listMessages({ conversationId: before ? conv : "", beforeSeq: BigInt(before || 0), pageSize: 50 }, o),
      );
      if (e !== epoch) return;
      const oldest = minSeq();
      for (const m of res.messages) add(m);
      // Older pages exist only if this page reaches below what we hold.
      if (before || (res.messages.length && (!oldest || Number(res.messages[0].seq) <= oldest))) {
        hasMore = res.hasMore;
      }
    } catch (err) {
      if (codeOf(err) === Code.Unauthenticated) return lostSession(tok);
      if (codeOf(err) !== Code.NotFound) throw err;
    }
  }

  function minSeq(): number {
    let s = 0;
    for (const m of msgs.values()) if (m.conv === conv && (!s || m.seq < s)) s = m.seq;
    return s;
  }

  /** Reads whatever was added after the newest message we hold. */
  async function catchUp(): Promise<void> {
    if (!conv) return loadHistory();
    const e = epoch;
    for (let i = 0; i < 20; i++) {
      const res = await withTimeout((o) =>
        api.listMessages({ conversationId: conv, afterSeq: BigInt(maxSeq()), pageSize: 200 }, o),
      );
      if (e !== epoch) return;
      for (const m of res.messages) add(m);
      if (!res.hasMore || !res.messages.length) break;
    }
  }

  more.addEventListener("click", () => {
    const first = sorted().find((m) => m.conv === conv);
    if (!first) return;
    const fromBottom = log.scrollHeight - log.scrollTop;
    more.disabled = true;
    loadHistory(first.seq)
      .then(() => {
        render();
        log.scrollTop = log.scrollHeight - fromBottom;
      })
      .catch(() => {})
      .finally(() => (more.disabled = false));
  });

  /**
   * The token is no longer valid (expired, or the visitor was removed): start
   * afresh, keeping unsent messages, which go out with the next session.
   */
  function resetSession(): void {
    const keep = outbox();
    forget(true);
    for (const it of keep) mine.set(it.c, it);
    saveOutbox(keep);
    render();
  }

  /**
   * A call made with tok was refused as unauthenticated. Unless a newer
   * session replaced that token meanwhile (or is on its way: identify()
   * moving to a signed-in user's customer ends the anonymous session), start
   * afresh.
   */
  function lostSession(tok: string): void {
    if (tok !== token || sessionP) return;
    resetSession();
    void flush();
  }

  // ---- the Subscribe stream ----
  let streaming = false;
  let streamCtl: AbortController | null = null;
  let cursor = "";
  let wake: (() => void) | null = null;
  let attemptCtl: AbortController | null = null;
  let kicked = false; // reconnect now: the network just came back

  function stopStream(): void {
    streaming = false;
    streamCtl?.abort();
    streamCtl = null;
    live = false;
    downSince = 0;
    wake?.();
  }

  function restartStream(): void {
    stopStream();
    cursor = "";
    if (token && !stopped) void runStream();
  }

  async function runStream(): Promise<void> {
    streaming = true;
    const mineCtl = new AbortController();
    streamCtl = mineCtl;
    let attempt = 0;
    let first = true;
    while (streaming && streamCtl === mineCtl) {
      const ctl = new AbortController();
      attemptCtl = ctl;
      const stop = (): void => ctl.abort();
      mineCtl.signal.addEventListener("abort", stop);
      // A stream that goes quiet for three heartbeats is dead even if the
      // socket hasn't noticed (a laptop waking up, a lost Wi-Fi).
      let watchdog = 0;
      const arm = (): void => {
        clearTimeout(watchdog);
        watchdog = window.setTimeout(stop, 45000);
      };
      arm();
      if (first) {
        // History in parallel with the stream's start; catchUp after READY
        // closes the window between the two.
        first = false;
        loadHistory().then(() => render(true), () => {});
      }
      const tok = token;
      try {
        for await (const res of api.subscribe({ cursor }, { signal: ctl.signal })) {
          arm();
          attempt = 0;
          if (res.event) await onEvent(res.event);
        }
      } catch (err) {
        const code = codeOf(err);
        if (code === Code.Unauthenticated) {
          clearTimeout(watchdog);
          if (streamCtl !== mineCtl) return; // already replaced
          streaming = false;
          // A session on its way restarts the stream when it has a token.
          const again = (): void => {
            if (token && !streaming && !stopped) restartStream();
          };
          sessionP?.then(again, again);
          lostSession(tok);
          return;
        }
        if (code === Code.PermissionDenied || code === Code.NotFound) {
          // This page's origin is no longer allowed, or the widget was
          // deleted: the loader finds out which and removes the widget.
          host.recheck();
        }
        if (code === Code.FailedPrecondition) {
          // The cursor is older than the retained history: reload, and follow
          // live events from now on.
          cursor = "";
          msgs.clear();
          await loadHistory().catch(() => {});
          render();
        }
      } finally {
        clearTimeout(watchdog);
        mineCtl.signal.removeEventListener("abort", stop);
      }
      if (!streaming || streamCtl !== mineCtl) break;
      live = false;
      if (!downSince) downSince = Date.now();
      setTimeout(renderBanner, 1600);
      renderBanner();
      // While the stream is down (or a proxy keeps it from delivering), poll:
      // messages still arrive, at the pace of the backoff.
      if (conv && attempt > 1) {
        await catchUp().then(() => render(), () => {});
      }
      // Back off: 0.5 s, 1 s, 2 s … 30 s, with jitter; an "online" event or
      // the page becoming visible wakes the loop at once.
      const delay = kicked ? 0 : Math.min(30000, 500 * 2 ** attempt++) * (0.75 + Math.random() / 2);
      kicked = false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        const w = (): void => {
          clearTimeout(timer);
          if (wake === w) wake = null;
          resolve();
        };
        wake = w;
      });
    }
  }

  async function onEvent(ev: Event): Promise<void> {
    if (ev.cursor) cursor = ev.cursor;
    const k = ev.kind;
    switch (k.case) {
      case "messageCreated":
        switchConv(k.value.conversationId);
        add(k.value);
        render();
        break;
      case "conversationCreated":
      case "conversationUpdated":
        switchConv(k.value.id);
        break;
      case "typing":
        if (k.value.senderType === SenderType.AGENT) {
          clearTimeout(typingTimer);
          typingName = k.value.typing ? k.value.senderName || t("agent") : "";
          if (typingName) {
            const until = k.value.expiresAt ? ms(k.value.expiresAt) - Date.now() : 6000;
            typingTimer = window.setTimeout(
              () => {
                typingName = "";
                render();
              },
              Math.min(Math.max(until, 1000), 10000),
            );
          }
          render();
        }
        break;
      case "read":
        if (k.value.readerType === SenderType.AGENT) {
          agentRead = Math.max(agentRead, Number(k.value.seq));
        } else if (k.value.readerType === SenderType.CUSTOMER) {
          const s = Number(k.value.seq);
          if (conv && (!read || read.c !== conv || read.s < s)) {
            read = { c: conv, s };
            store.set("read", read);
          }
        }
        render();
        break;
      case "presence":
        if (!!host.config().agentsOnline !== k.value.agentsOnline) {
          host.setConfig({ ...host.config(), agentsOnline: k.value.agentsOnline });
        }
        break;
      case "ready":
        live = true;
        downSince = 0;
        renderBanner();
        await catchUp().catch(() => {});
        render();
        void flush();
        break;
    }
  }

  // ---- sending ----
  let flushing = false;
  let retryTimer = 0;
  let retryAttempt = 0;

  function patch(c: string, p: Partial<Item>): void {
    const items = outbox().map((it) => (it.c === c ? { ...it, ...p } : it));
    const it = items.find((x) => x.c === c);
    if (it) mine.set(c, it);
    saveOutbox(items);
    render();
  }

  /** Sends the outbox in order until it is empty or the network fails. */
  async function flush(): Promise<void> {
    if (flushing || host.preview || stopped) return;
    flushing = true;
    clearTimeout(retryTimer);
    let renewed = false;
    try {
      for (;;) {
        const it = outbox().find((x) => !x.err);
        if (!it) break;
        let tok = token;
        try {
          await ensureSession();
          const e = epoch;
          tok = token;
          const res = await withTimeout((o) => api.sendMessage({ text: it.t, clientMessageId: it.c }, o), 20000);
          if (e !== epoch) {
            // Stored for a visitor forgotten meanwhile: it must not go out
            // again, nor show in this visitor's conversation.
            mine.delete(it.c);
            saveOutbox(outbox());
            continue;
          }
          if (res.conversation?.id) switchConv(res.conversation.id);
          if (res.message) add(res.message);
          delivered.add(it.c);
          mine.delete(it.c);
          saveOutbox(outbox());
          sendWaiting = false;
          tooFast = false;
          retryAttempt = 0;
          render(true);
        } catch (err) {
          const code = codeOf(err);
          if (code === Code.Unauthenticated && !renewed) {
            renewed = true;
            if (tok === token && !sessionP) resetSession();
            continue;
          }
          if (transient(code)) {
            sendWaiting = true;
            tooFast = code === Code.ResourceExhausted;
            render();
            const base = code === Code.ResourceExhausted ? 10000 : 1000;
            retryTimer = window.setTimeout(() => void flush(), Math.min(30000, base * 2 ** retryAttempt++));
            break;
          }
          if (code === Code.PermissionDenied || code === Code.NotFound) host.recheck();
          patch(it.c, { err: code === Code.InvalidArgument ? sendError(err) : "1" });
        }
      }
    } finally {
      flushing = false;
    }
  }

  function send(): void {
    const text = textarea.value.trim();
    if (!text) return;
    textarea.value = "";
    store.remove("draft");
    grow();
    setTyping(false);
    const it: Item = { c: newId(), t: text, at: Date.now() };
    if (host.preview) {
      msgs.set(it.c, { id: it.c, conv, seq: msgs.size + 1, who: "me", senderId: "", name: "", text, at: it.at, cmid: it.c });
      render(true);
      return;
    }
    mine.set(it.c, it);
    saveOutbox(outbox());
    render(true);
    void flush();
  }

  composer.addEventListener("submit", (e) => {
    e.preventDefault();
    send();
    textarea.focus();
  });
  textarea.addEventListener("keydown", (e) => {
    // Enter sends; Shift+Enter is a new line; an IME composing (Vietnamese
    // Telex, for one) keeps its Enter.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  });

  function grow(): void {
    textarea.style.height = "auto";
    textarea.style.height = Math.min(textarea.scrollHeight, 120) + "px";
  }

  // ---- the visitor's typing, for agents ----
  let typingSent = 0;
  let idleTimer = 0;
  function setTyping(on: boolean): void {
    clearTimeout(idleTimer);
    if (!token || host.preview || stopped) return;
    if (on) {
      idleTimer = window.setTimeout(() => setTyping(false), 5000);
      if (Date.now() - typingSent < 3000) return;
      typingSent = Date.now();
    } else {
      if (!typingSent) return;
      typingSent = 0;
    }
    void withTimeout((o) => api.setTyping({ typing: on }, o)).catch(() => {});
  }

  let draftTimer = 0;
  textarea.addEventListener("input", () => {
    grow();
    setTyping(!!textarea.value.trim());
    clearTimeout(draftTimer);
    draftTimer = window.setTimeout(() => {
      if (textarea.value) store.set("draft", textarea.value);
      else store.remove("draft");
    }, 300);
  });
  textarea.addEventListener("blur", () => setTyping(false));

  // ---- the page and other tabs ----
  // After a network change an open stream may be dead without knowing it;
  // resuming from the cursor is exact and cheap, so reconnect at once.
  window.addEventListener("offline", () => {
    live = false;
    downSince = downSince || Date.now();
    setTimeout(renderBanner, 1600);
  });
  window.addEventListener("online", () => {
    kicked = true;
    if (streaming) attemptCtl?.abort();
    wake?.();
    void flush();
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      if (!live) wake?.();
      void flush();
    }
  });

  store.watch((key) => {
    if (key === "token" || key === "*") {
      const other = store.get<string>("token") || "";
      if (!other && token) forget(false); // signed out in another tab
      else if (other && other !== token) {
        token = other; // another tab started or renewed the session
        restartStream();
      }
    }
    if (key === "read" || key === "*") read = store.get("read") || read;
    if (key === "email") renderIntro();
    render();
  });

  // ---- start ----
  textarea.value = store.get<string>("draft") || "";
  renderAll();
  if (!host.preview) {
    const id = host.identity();
    if (token) restartStream();
    if (id) identify(id);
    if (outbox().length) void flush();
  }

  return {
    shown(): void {
      updateUnread();
      render(true);
    },
    identify,
    shutdown(): void {
      setTyping(false);
      forget(true);
    },
    refresh: renderAll,
    stop(): void {
      stopped = true;
      epoch++;
      sessionP = null;
      clearTimeout(retryTimer);
      clearTimeout(idleTimer);
      stopStream();
    },
  };
}

function errText(err: unknown): string {
  return ConnectError.from(err).rawMessage;
}
