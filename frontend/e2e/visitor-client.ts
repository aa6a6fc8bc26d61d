// A website visitor for the browser tests, speaking to WidgetService through
// the generated client exactly as the widget does.
import { createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import type { Message } from "@livechat/api/conversation_pb";
import { WidgetService } from "@livechat/api/widget_pb";

export interface Visitor {
  customerId: string;
  send(text: string): Promise<Message | undefined>;
  typing(on: boolean): Promise<void>;
  /** Rates the visitor's resolved conversation (WidgetService.RateConversation). */
  rate(conversationId: string, score: number, comment?: string): Promise<void>;
  /** Resolves with the first received message matching pred (already received ones count). */
  waitForMessage(pred: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  received(): Message[];
  close(): void;
}

export async function startVisitor(baseUrl: string, siteKey: string, prechat: Record<string, string> = {}): Promise<Visitor> {
  const anonymous = createClient(WidgetService, createConnectTransport({ baseUrl, useBinaryFormat: true }));
  const session = await anonymous.startSession({ siteKey, prechat });
  const token = session.visitorToken;
  const auth: Interceptor = (next) => (req) => {
    req.header.set("Authorization", `Bearer ${token}`);
    return next(req);
  };
  const client = createClient(WidgetService, createConnectTransport({ baseUrl, useBinaryFormat: true, interceptors: [auth] }));

  const messages: Message[] = [];
  const listeners = new Set<() => void>();
  const abort = new AbortController();
  let ready!: () => void;
  const readyOnce = new Promise<void>((r) => (ready = r));
  void (async () => {
    try {
      for await (const res of client.subscribe({}, { signal: abort.signal })) {
        ready();
        const kind = res.event?.kind;
        if (kind?.case === "messageCreated" && !messages.some((m) => m.id === kind.value.id)) {
          messages.push(kind.value);
          for (const l of listeners) l();
        }
      }
    } catch {
      // Closed by the test.
    }
  })();
  await Promise.race([readyOnce, new Promise((r) => setTimeout(r, 5_000))]);

  return {
    customerId: session.customer?.id ?? "",
    async send(text) {
      const res = await client.sendMessage({ text, clientMessageId: crypto.randomUUID() });
      return res.message;
    },
    async typing(on) {
      await client.setTyping({ typing: on });
    },
    async rate(conversationId, score, comment = "") {
      await client.rateConversation({ conversationId, score, comment });
    },
    waitForMessage(pred, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = messages.find(pred);
          if (!m) return false;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(m);
          return true;
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`visitor did not receive the message in ${timeoutMs} ms; got: ${messages.map((m) => m.text).join(" | ")}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    received: () => [...messages],
    close: () => abort.abort(),
  };
}
