// The chat part, loaded lazily by widget.js: it wires together the session
// (session.ts), the persistent outbox (outbox.ts), the one Subscribe stream
// of this page (stream.ts), the conversation's state (thread.ts, history.ts)
// and its UI (view.ts, forms.ts, composer.ts).
//
// Never losing a message rests on three rules:
//   - a message is first written to the outbox in storage, then sent with its
//     client_message_id until the server has it (retries are idempotent);
//   - the stream resumes from the last durable event's cursor, and after each
//     READY the newest messages are read once more to close any gap;
//   - everything shown is keyed by message id, and a pending message by its
//     client_message_id, so replays and other tabs never double a line.

import { toJson } from "@bufbuild/protobuf";
import { WidgetConfigSchema } from "@livechat/api/widget_pb";
import { h } from "../dom";
import type { Conversation } from "@livechat/api/conversation_pb";
import type { Chat, ConfigJson, Host } from "../types";
import { Code, codeOf, createApi, errText, withTimeout } from "./client";
import { attributeSetter } from "./attributes";
import { Composer } from "./composer";
import { Csat } from "./csat";
import type { Browse } from "./browse";
import type { ContextReporter } from "./context";
import { Forms } from "./forms";
import { History } from "./history";
import { Outbox } from "./outbox";
import { sendRefusal } from "./reasons";
import { Session } from "./session";
import { ChatStream } from "./stream";
import { Thread } from "./thread";
import { View } from "./view";

export function mount(host: Host): Chat {
  const { store } = host;
  const api = createApi(host.server, () => session.token);

  const session: Session = new Session({
    api,
    store,
    siteKey: host.siteKey,
    identity: host.identity,
    started(res, changed) {
      if (res.config) host.setConfig(toJson(WidgetConfigSchema, res.config) as ConfigJson);
      if (res.customer?.email) store.set("email", res.customer.email);
      if (thread.conv && res.conversation?.id !== thread.conv) {
        // Another customer now (identify() linked to a signed-in user's):
        // what this page shows was an earlier visitor's conversation.
        thread.clear();
        store.remove("read");
        void history.load().then(() => view.render(true), () => {});
      }
      if (res.conversation?.id) thread.switchConv(res.conversation.id);
      onConv(res.conversation);
      if (changed || !stream.running) stream.restart();
      report();
      renderAll();
    },
    forgotten() {
      stream.stop();
      csat.clear();
      thread.clear();
      outbox.reset();
      view.typingName = "";
      forms.reset();
      composer.clear();
      renderAll();
    },
    reset() {
      // The token is no longer valid (expired, or the visitor was removed):
      // start afresh, keeping unsent messages for the next session.
      const keep = outbox.items();
      session.forget(true);
      outbox.reset(keep);
      view.render();
      void outbox.flush();
    },
  });

  let sentWith = ""; // the token the last send went out with
  const outbox: Outbox = new Outbox({
    store,
    async deliver(it) {
      await session.ensure();
      const e = session.epoch;
      sentWith = session.token;
      // Files still uploading (or to upload again after a reload) first.
      if (it.f?.some((f) => !f.i)) {
        const { upload } = await import("./attach");
        it = { ...it, f: await upload(host, () => session.token, it.f) };
        outbox.files(it.c, it.f);
      }
      const res = await withTimeout((o) => api.sendMessage({ text: it.t, clientMessageId: it.c, attachmentIds: (it.f || []).map((f) => f.i) }, o), 20000);
      if (e !== session.epoch) return false;
      if (res.conversation?.id) thread.switchConv(res.conversation.id);
      onConv(res.conversation);
      if (res.message) thread.add(res.message);
      return true;
    },
    renew() {
      session.lost(sentWith);
    },
    refusal(err) {
      const code = codeOf(err);
      if (code === Code.PermissionDenied || code === Code.NotFound) host.recheck();
      return sendRefusal(err);
    },
    changed: (scroll) => view.render(scroll),
  });
  if (host.preview) outbox.stop();

  const thread = new Thread(store, (c) => outbox.done(c));
  const history = new History(api, session, thread);
  const view = new View(host, thread, outbox, updateUnread);
  // Edits are a chunk of their own, loaded once the visitor has a message
  // they may still change.
  let editsLoad: Promise<void> | undefined;
  view.needEdits = () => {
    editsLoad ||= import("./edit").then((m) => {
      view.edits = new m.Edits(host, api, thread, () => view.render());
      view.render();
    });
  };
  const forms = new Forms(host, api, session, view);
  const composer = new Composer(host, api, session, thread, outbox, view);
  const stream = new ChatStream(host, api, session, thread, history, outbox, view);
  const csat = new Csat(host, api, () => thread.conv);
  stream.onConversation = onConv;

  // While a bot holds the conversation, a button asks for a person
  // (handoff.ts, a chunk of its own).
  let bot: HTMLElement | undefined;
  function onConv(c?: Conversation): void {
    csat.update(c);
    if (!c || c.id !== thread.conv) return;
    if (!c.botName) bot = void bot?.remove();
    else if (!bot) {
      const slot = (bot = view.log.insertBefore(document.createElement("div"), view.typing));
      void import("./handoff").then((m) =>
        slot.append(m.handOffButton(host.lang, () => withTimeout((o) => api.handOff({}, o)).then((r) => onConv(r.conversation)))),
      );
    }
  }

  view.log.insertBefore(csat.slot, view.typing);
  // "Email me a transcript": the box is a chunk of its own (transcript.ts),
  // which takes the button's place.
  const tx = h("button", { type: "button", class: "lc-more" });
  view.log.insertBefore(tx, view.typing);
  tx.onclick = () => void import("./transcript").then((m) => m.open(tx, h, host, api, session, thread));

  view.more.addEventListener("click", () => {
    const first = thread.sorted().find((m) => m.conv === thread.conv);
    if (first) void view.prepend(() => history.load(first.seq));
  });

  function renderAll(): void {
    forms.renderIntro();
    forms.renderFooter();
    composer.checkLength();
    view.renderBanner(stream.down());
    view.render();
  }

  // ---- unread and read markers ----
  let markTimer: ReturnType<typeof setTimeout> | undefined;
  function updateUnread(): void {
    csat.check(thread.sorted());
    tx.textContent = host.t("transcript");
    tx.hidden = !thread.conv; // a preview has none
    const top = thread.maxSeq();
    if (host.seen() && top > 0 && thread.markRead(top)) {
      clearTimeout(markTimer);
      markTimer = setTimeout(() => {
        if (session.token && !host.preview && !session.stopped) {
          void withTimeout((o) => api.markRead({ seq: BigInt(top) }, o)).catch(() => {});
        }
      }, 400);
    }
    host.setUnread(thread.unread());
  }

  // ---- the page and other tabs ----
  // The stream follows the network itself; unsent messages go out as soon
  // as it is back, or the page is looked at again.
  window.addEventListener("online", () => void outbox.flush());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") void outbox.flush();
  });

  store.watch((key) => {
    if (key === "token" || key === "*") {
      const other = store.get<string>("token") || "";
      if (!other && session.token) session.forget(false); // signed out in another tab
      else if (other && other !== session.token) {
        session.token = other; // another tab started or renewed the session
        stream.restart();
      }
    }
    if (key === "read" || key === "*") thread.read = store.get("read") || thread.read;
    if (key === "email") forms.renderIntro();
    view.render();
  });

  // ---- where the visitor is ----
  // A chunk of its own, loaded once there is something to report: a
  // session, or visits tracked before the chat starts.
  let context: ContextReporter | null = null;
  let contextLoad: Promise<void> | undefined;
  function report(): void {
    if (context) context.started();
    else if (!host.preview)
      contextLoad ||= import("./context").then((m) => {
        if (!session.stopped) context = m.startContext(host, session);
      });
  }
  if (session.token || host.config().visitorTracking?.trackVisits) report();

  // ---- on the visitors-now list (a chunk of its own) ----
  let browsing: Promise<Browse> | undefined;
  function list(opened: boolean): void {
    if (host.preview) return;
    browsing = browsing || import("./browse").then((m) => m.browse(host, session, opened));
    if (opened) void browsing.then((b) => b.opened());
  }
  if (host.config().visitorTracking?.trackVisits || session.token) list(false);

  // ---- start ----
  renderAll();
  if (!host.preview) {
    const id = host.identity();
    if (session.token) stream.restart();
    if (id) identify(id);
    if (outbox.items().length) void outbox.flush();
  }

  function identify(id: Parameters<Chat["identify"]>[0]): void {
    session.identify(id).catch((err: unknown) => console.error("LiveChat: identify() failed:", errText(err)));
  }

  const setAttributes = attributeSetter(host, session);

  return {
    setAttributes(attrs) {
      if (!host.preview) void setAttributes(attrs);
    },
    shown(): void {
      list(true);
      updateUnread();
      view.render(true);
    },
    identify,
    shutdown(): void {
      composer.setTyping(false);
      session.forget(true);
    },
    refresh: renderAll,
    stop(): void {
      session.stop();
      context?.stop();
      void browsing?.then((b) => b.stop());
      outbox.stop();
      composer.stop();
      stream.stop();
    },
  };
}
