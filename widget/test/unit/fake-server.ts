// A WidgetService in memory behind a real Connect router transport: the
// widget's modules talk to it through the generated client, with real
// Connect framing, codes and error details.

import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport, type ServiceImpl } from "@connectrpc/connect";
import { MessageSchema, SenderType } from "@livechat/api/conversation_pb";
import { ErrorDetailSchema, type ErrorReason } from "@livechat/api/errors_pb";
import { WidgetService } from "@livechat/api/widget_pb";
import type { Api } from "../../src/chat/client";

/** A Connect error carrying a livechat.v1.ErrorDetail, as the server sends it. */
export function refused(code: Code, reason: ErrorReason, extra: { field?: string; limit?: number; retryAfterS?: number } = {}) {
  return new ConnectError("English text the widget must not show", code, undefined, [
    {
      desc: ErrorDetailSchema,
      value: create(ErrorDetailSchema, {
        reason,
        field: extra.field ?? "",
        limit: BigInt(extra.limit ?? 0),
        retryAfter: extra.retryAfterS ? create(DurationSchema, { seconds: BigInt(extra.retryAfterS) }) : undefined,
      }),
    },
  ]);
}

export function fakeServer(impl: Partial<ServiceImpl<typeof WidgetService>> = {}) {
  const stored = new Map<string, string>(); // client_message_id → message id
  const sends: { text: string; cmid: string }[] = [];
  /** Errors the next SendMessage calls fail with, in order. */
  const sendFailures: ConnectError[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(WidgetService, {
      sendMessage(req) {
        sends.push({ text: req.text, cmid: req.clientMessageId });
        const fail = sendFailures.shift();
        if (fail) throw fail;
        // Idempotent, as the real server: a known client_message_id gets its stored message.
        let id = stored.get(req.clientMessageId);
        if (!id) stored.set(req.clientMessageId, (id = "m" + (stored.size + 1)));
        return {
          message: create(MessageSchema, {
            id,
            conversationId: "conv-1",
            seq: BigInt(id.slice(1)),
            senderType: SenderType.CUSTOMER,
            text: req.text,
            clientMessageId: req.clientMessageId,
          }),
        };
      },
      ...impl,
    });
  });
  const api: Api = createClient(WidgetService, transport);
  return { api, sends, stored, sendFailures };
}
