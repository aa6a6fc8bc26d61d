import "@/test-setup";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { AuthService } from "@livechat/api/auth_pb";
import { ErrorDetailSchema, ErrorReason } from "@livechat/api/errors_pb";
import { en } from "@/i18n/en";
import { vi } from "@/i18n/vi";
import type { MessageKey } from "@/i18n";
import { describeError } from "./errors";
import { errorText } from "./use-error-text";

/** The error a call gets back when the server refuses it so, through a real Connect transport. */
async function refusedWith(code: Code, detail?: { reason: ErrorReason; limit?: number; retryAfterS?: number }) {
  const err = new ConnectError(
    "English text for developers",
    code,
    undefined,
    detail
      ? [
          {
            desc: ErrorDetailSchema,
            value: create(ErrorDetailSchema, {
              reason: detail.reason,
              limit: BigInt(detail.limit ?? 0),
              retryAfter: detail.retryAfterS ? create(DurationSchema, { seconds: BigInt(detail.retryAfterS) }) : undefined,
            }),
          },
        ]
      : [],
  );
  const transport = createRouterTransport(({ service }) => {
    service(AuthService, {
      login() {
        throw err;
      },
    });
  });
  return createClient(AuthService, transport).login({ username: "u", password: "p" }).then(
    () => assert.fail("expected a refusal"),
    (e: unknown) => e,
  );
}

function t(dict: Record<MessageKey, string>) {
  return (key: MessageKey, vars?: Record<string, string | number>) =>
    dict[key].replace(/\{(\w+)\}/g, (m, k: string) => (vars && k in vars ? String(vars[k]) : m));
}

describe("error text by reason", () => {
  test("a wrong password says so, not that the session ended", async () => {
    const err = await refusedWith(Code.Unauthenticated, { reason: ErrorReason.BAD_CREDENTIALS });
    assert.equal(errorText(t(en), err), "The username or password is wrong.");
    assert.equal(errorText(t(vi), err), "Tên đăng nhập hoặc mật khẩu không đúng.");
  });

  test("a throttled sign-in says when to retry", async () => {
    const err = await refusedWith(Code.ResourceExhausted, { reason: ErrorReason.SIGN_IN_THROTTLED, retryAfterS: 42 });
    assert.equal(errorText(t(en), err), "Too many failed sign-ins. Try again in 42 s.");
    assert.equal(errorText(t(vi), err), "Đăng nhập sai quá nhiều lần. Hãy thử lại sau 42 giây.");
    const long = await refusedWith(Code.ResourceExhausted, { reason: ErrorReason.SIGN_IN_THROTTLED, retryAfterS: 900 });
    assert.equal(errorText(t(en), long), "Too many failed sign-ins. Try again in 15 min.");
  });

  test("a limit is named", async () => {
    const err = await refusedWith(Code.InvalidArgument, { reason: ErrorReason.TEXT_TOO_LONG, limit: 4000 });
    assert.equal(errorText(t(en), err), "The text is too long: at most 4000 characters.");
    assert.equal(errorText(t(vi), err), "Nội dung quá dài: tối đa 4000 ký tự.");
  });

  test("a reason that needs a number the server left out reads without it", async () => {
    const err = await refusedWith(Code.InvalidArgument, { reason: ErrorReason.TEXT_TOO_LONG });
    assert.equal(errorText(t(en), err), "The text is too long.");
  });

  test("an unknown reason, or none, falls back to the code; never the server's English", async () => {
    const unknown = await refusedWith(Code.FailedPrecondition, { reason: 999 as ErrorReason });
    assert.deepEqual(describeError(unknown), { key: "error.failedPrecondition" });
    const none = await refusedWith(Code.InvalidArgument);
    assert.equal(errorText(t(en), none), "Please check what you entered.");
    assert.doesNotMatch(errorText(t(en), none), /English/);
  });

  test("every reason has a text in both languages", () => {
    for (const v of Object.values(ErrorReason)) {
      if (typeof v !== "number" || v === ErrorReason.UNSPECIFIED) continue;
      const { key } = describeError(new ConnectError("x", Code.Unknown, undefined, [{ desc: ErrorDetailSchema, value: create(ErrorDetailSchema, { reason: v, limit: 1n, retryAfter: create(DurationSchema, { seconds: 1n }) }) }]));
      assert.ok(!key.startsWith("error.network") || v === ErrorReason.STREAM_BEHIND, `reason ${ErrorReason[v]} has a text (${key})`);
      assert.ok(en[key] && vi[key], key);
    }
  });
});
