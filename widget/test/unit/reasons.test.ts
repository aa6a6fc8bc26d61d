// Reason → text, with the error decoded from the wire as the widget gets it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorReason } from "@livechat/api/errors_pb";
import { formError, refusalText, sendRefusal } from "../../src/chat/reasons";
import { translator, type Lang } from "../../src/i18n";
import { fakeServer, refused } from "./fake-server";

/** The error a SendMessage call gets back through the Connect transport. */
async function sendFailing(err: ConnectError): Promise<unknown> {
  const server = fakeServer();
  server.sendFailures.push(err);
  return server.api.sendMessage({ text: "x", clientMessageId: "c" }).then(
    () => assert.fail("expected a refusal"),
    (e: unknown) => e,
  );
}

const text = (lang: Lang, err: unknown) => refusalText(sendRefusal(err), translator(() => lang));

describe("why a message was refused", () => {
  const cases: [string, ConnectError, string, string][] = [
    [
      "TEXT_TOO_LONG names the limit",
      refused(Code.InvalidArgument, ErrorReason.TEXT_TOO_LONG, { field: "text", limit: 4000 }),
      "The message is too long: at most 4000 characters.",
      "Tin nhắn quá dài: tối đa 4000 ký tự.",
    ],
    [
      "TEXT_INVALID",
      refused(Code.InvalidArgument, ErrorReason.TEXT_INVALID, { field: "text" }),
      "The message contains characters that cannot be sent.",
      "Tin nhắn chứa ký tự không gửi được.",
    ],
    [
      "a reason this widget does not know: by the code",
      refused(Code.InvalidArgument, 999 as ErrorReason),
      "This message cannot be sent.",
      "Không gửi được tin nhắn này.",
    ],
    [
      "no detail at all (an older server): by the code",
      new ConnectError("text contains the control character U+0007", Code.InvalidArgument),
      "This message cannot be sent.",
      "Không gửi được tin nhắn này.",
    ],
    [
      "a refusal of another kind",
      refused(Code.FailedPrecondition, ErrorReason.CONVERSATION_CLOSED),
      "This conversation has ended.",
      "Cuộc trò chuyện này đã kết thúc.",
    ],
  ];
  for (const [name, err, en, vi] of cases) {
    test(name, async () => {
      const got = await sendFailing(err);
      assert.equal(text("en", got), en);
      assert.equal(text("vi", got), vi);
    });
  }

  test("never the server's English text", async () => {
    const got = await sendFailing(refused(Code.InvalidArgument, ErrorReason.TEXT_EMPTY));
    assert.doesNotMatch(text("en", got), /English text/);
  });
});

describe("why a form was refused", () => {
  test("under the pre-chat field the detail names", async () => {
    const got = await sendFailing(refused(Code.InvalidArgument, ErrorReason.INVALID_EMAIL, { field: "prechat.email" }));
    assert.deepEqual(formError(got), { field: "email", k: "badEmail" });
  });
  test("a length limit, with the limit", async () => {
    const got = await sendFailing(
      refused(Code.InvalidArgument, ErrorReason.TEXT_TOO_LONG, { field: "prechat.order", limit: 200 }),
    );
    const e = formError(got);
    assert.equal(e.field, "order");
    assert.equal(translator(() => "vi")(e.k, { n: e.n! }), "Nội dung này quá dài: tối đa 200 ký tự.");
  });
  test("throttled: minutes to wait, rounded up", async () => {
    const got = await sendFailing(refused(Code.ResourceExhausted, ErrorReason.RATE_LIMITED, { retryAfterS: 90 }));
    assert.deepEqual(formError(got), { field: "", k: "tooManyWait", n: 2 });
  });
  test("invalid without a detail: check the form", async () => {
    const got = await sendFailing(new ConnectError("Email x is not valid", Code.InvalidArgument));
    assert.deepEqual(formError(got), { field: "", k: "checkForm" });
  });
});
