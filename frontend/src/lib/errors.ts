import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorDetailSchema, ErrorReason, type ErrorDetail } from "@livechat/api/errors_pb";
import type { MessageKey } from "@/i18n";

/** The Connect code of any thrown value (Unknown when it is not a ConnectError). */
export function errorCode(err: unknown): Code {
  return err instanceof ConnectError ? err.code : ConnectError.from(err).code;
}

export function isUnauthenticated(err: unknown): boolean {
  return err != null && errorCode(err) === Code.Unauthenticated;
}

/** The server's machine-readable livechat.v1.ErrorDetail, when it sent one. */
export function errorDetail(err: unknown): ErrorDetail | undefined {
  return ConnectError.from(err).findDetails(ErrorDetailSchema)[0];
}

/** The reason of an error; UNSPECIFIED when the server gave none. */
export function errorReason(err: unknown): ErrorReason {
  return errorDetail(err)?.reason ?? ErrorReason.UNSPECIFIED;
}

/** What to show for an error: a text key, its numbers, and a wait to spell out. */
export interface ErrorText {
  key: MessageKey;
  /** The limit the reason names (characters, bytes, items), for "{limit}". */
  limit?: number;
  /** How long the server asks to wait, in ms, for "{wait}". */
  waitMs?: number;
}

// The text for each reason the server gives; a reason missing here (a newer
// server) falls back to the error's code.
const byReason: Partial<Record<ErrorReason, MessageKey>> = {
  [ErrorReason.REQUIRED]: "reason.required",
  [ErrorReason.INVALID_VALUE]: "reason.invalidValue",
  [ErrorReason.MALFORMED_ID]: "reason.malformedId",
  [ErrorReason.TEXT_EMPTY]: "reason.textEmpty",
  [ErrorReason.TEXT_TOO_LONG]: "reason.textTooLong",
  [ErrorReason.TEXT_INVALID]: "reason.textInvalid",
  [ErrorReason.MALFORMED_CURSOR]: "reason.outOfDate",
  [ErrorReason.TOO_MANY_ITEMS]: "reason.tooManyItems",
  [ErrorReason.PASSWORD_LENGTH]: "reason.passwordLength",
  [ErrorReason.INVALID_EMAIL]: "reason.invalidEmail",
  [ErrorReason.REQUEST_TOO_LARGE]: "reason.requestTooLarge",
  [ErrorReason.CONVERSATION_NOT_FOUND]: "reason.conversationNotFound",
  [ErrorReason.CUSTOMER_NOT_FOUND]: "reason.customerNotFound",
  [ErrorReason.AGENT_NOT_FOUND]: "reason.agentNotFound",
  [ErrorReason.WIDGET_NOT_FOUND]: "reason.widgetNotFound",
  [ErrorReason.TOKEN_NOT_FOUND]: "reason.tokenNotFound",
  [ErrorReason.NOT_FOUND]: "error.notFound",
  [ErrorReason.CONVERSATION_CLOSED]: "reason.conversationClosed",
  [ErrorReason.INVALID_TRANSITION]: "reason.invalidTransition",
  [ErrorReason.CONVERSATION_CHANGED]: "reason.conversationChanged",
  [ErrorReason.ALREADY_EXISTS]: "error.alreadyExists",
  [ErrorReason.SETUP_DONE]: "reason.setupDone",
  [ErrorReason.AGENT_DISABLED]: "reason.agentDisabled",
  [ErrorReason.CURSOR_EXPIRED]: "reason.outOfDate",
  [ErrorReason.LAST_ADMIN]: "reason.lastAdmin",
  [ErrorReason.SIGN_IN_REQUIRED]: "error.unauthenticated",
  [ErrorReason.BAD_CREDENTIALS]: "reason.badCredentials",
  [ErrorReason.SESSION_ENDED]: "error.unauthenticated",
  [ErrorReason.TOKEN_REVOKED]: "reason.tokenRevoked",
  [ErrorReason.VISITOR_SESSION_ENDED]: "error.unauthenticated",
  [ErrorReason.PERMISSION_DENIED]: "error.permissionDenied",
  [ErrorReason.ADMIN_REQUIRED]: "reason.adminRequired",
  [ErrorReason.ORIGIN_NOT_ALLOWED]: "reason.originNotAllowed",
  [ErrorReason.WRONG_PASSWORD]: "reason.wrongPassword",
  [ErrorReason.IDENTITY_INVALID]: "reason.identityInvalid",
  [ErrorReason.IDENTITY_LOCKED]: "reason.identityLocked",
  [ErrorReason.NOT_ASSIGNEE]: "reason.notAssignee",
  [ErrorReason.RATE_LIMITED]: "reason.rateLimited",
  [ErrorReason.SIGN_IN_THROTTLED]: "reason.signInThrottled",
  [ErrorReason.TOO_MANY_STREAMS]: "reason.tooManyStreams",
  [ErrorReason.STREAM_BEHIND]: "error.network",
  [ErrorReason.UNAVAILABLE]: "reason.unavailable",
  [ErrorReason.NOT_AVAILABLE]: "error.unimplemented",
  [ErrorReason.WRONG_CODE]: "reason.wrongCode",
  [ErrorReason.SIGN_IN_EXPIRED]: "reason.signInExpired",
  [ErrorReason.TWO_FACTOR_STATE]: "reason.twoFactorState",
  [ErrorReason.IDEMPOTENCY_KEY_REUSED]: "reason.idempotencyKeyReused",
  [ErrorReason.IDEMPOTENCY_IN_PROGRESS]: "reason.unavailable",
  [ErrorReason.WEBHOOK_URL_INVALID]: "reason.webhookUrlInvalid",
  [ErrorReason.WEBHOOK_TARGET_NOT_ALLOWED]: "reason.webhookTargetNotAllowed",
  [ErrorReason.RATINGS_OFF]: "reason.ratingsOff",
  [ErrorReason.RATING_NOT_YET]: "reason.ratingNotYet",
  [ErrorReason.RATING_FINAL]: "reason.ratingFinal",
  [ErrorReason.REPORT_RANGE_TOO_LONG]: "reason.reportRangeTooLong",
  [ErrorReason.UNKNOWN_TIME_ZONE]: "reason.unknownTimeZone",
  [ErrorReason.MESSAGE_NOT_FOUND]: "reason.messageNotFound",
  [ErrorReason.NOT_MESSAGE_SENDER]: "reason.notMessageSender",
  [ErrorReason.MESSAGE_DELETED]: "reason.messageDeleted",
  [ErrorReason.EDIT_WINDOW_PASSED]: "reason.editWindowPassed",
  [ErrorReason.FILE_TOO_LARGE]: "reason.fileTooLarge",
  [ErrorReason.FILE_TYPE_NOT_ALLOWED]: "reason.fileTypeNotAllowed",
  [ErrorReason.FILE_EMPTY]: "reason.fileEmpty",
  [ErrorReason.ATTACHMENT_NOT_FOUND]: "reason.attachmentNotFound",
  [ErrorReason.ATTACHMENT_LINK_EXPIRED]: "reason.attachmentLinkExpired",
  [ErrorReason.CAPACITY_OUT_OF_RANGE]: "reason.capacityOutOfRange",
  [ErrorReason.INVALID_TIME_ZONE]: "reason.invalidTimeZone",
  [ErrorReason.INVALID_SCHEDULE]: "reason.invalidSchedule",
  [ErrorReason.INVALID_DATE]: "reason.invalidDate",
  [ErrorReason.TEAM_NOT_FOUND]: "reason.teamNotFound",
  [ErrorReason.VIEW_NOT_FOUND]: "reason.viewNotFound",
  [ErrorReason.MAIL_NOT_CONFIGURED]: "reason.mailNotConfigured",
  [ErrorReason.MAIL_SEND_FAILED]: "reason.mailSendFailed",
  [ErrorReason.NO_EMAIL_ADDRESS]: "reason.noEmailAddress",
  [ErrorReason.ADDRESS_UNSUBSCRIBED]: "reason.addressUnsubscribed",
  [ErrorReason.ADDRESS_BOUNCED]: "reason.addressBounced",
  [ErrorReason.ADDRESS_NOT_GIVEN]: "reason.addressNotGiven",
  [ErrorReason.ATTRIBUTE_NOT_FOUND]: "reason.attributeNotFound",
  [ErrorReason.ATTRIBUTE_KEY_INVALID]: "reason.attributeKeyInvalid",
  [ErrorReason.ATTRIBUTE_VALUE_INVALID]: "reason.attributeValueInvalid",
  [ErrorReason.IDENTITY_REQUIRED]: "reason.identityRequired",
  [ErrorReason.VISITOR_NOT_ON_SITE]: "reason.visitorNotOnSite",
  [ErrorReason.PROACTIVE_NOT_ALLOWED]: "reason.proactiveNotAllowed",
  [ErrorReason.TOO_MANY_VISITORS]: "reason.tooManyVisitors",
  [ErrorReason.INVITATION_INVALID]: "reason.invitationInvalid",
  [ErrorReason.TWO_FACTOR_REQUIRED]: "reason.twoFactorRequired",
  [ErrorReason.RETENTION_WIDGET_REPEATED]: "reason.retentionWidgetRepeated",
  [ErrorReason.BOT_REQUIRED]: "reason.botRequired",
  [ErrorReason.CONVERSATION_ALREADY_OPEN]: "reason.conversationAlreadyOpen",
};

// Reasons whose text needs a number the detail did not carry fall back to
// a text without it.
const withoutNumber: Partial<Record<MessageKey, MessageKey>> = {
  "reason.textTooLong": "reason.textTooLongPlain",
  "reason.tooManyItems": "reason.tooManyItemsPlain",
  "reason.passwordLength": "reason.passwordLengthPlain",
  "reason.requestTooLarge": "reason.requestTooLargePlain",
  "reason.rateLimited": "error.resourceExhausted",
  "reason.signInThrottled": "reason.signInThrottledPlain",
  "reason.fileTooLarge": "reason.fileTooLargePlain",
};
const needsLimit = new Set<MessageKey>(["reason.textTooLong", "reason.tooManyItems", "reason.passwordLength", "reason.requestTooLarge", "reason.fileTooLarge"]);
const needsWait = new Set<MessageKey>(["reason.rateLimited", "reason.signInThrottled"]);

/**
 * The translated sentence for an error, chosen from the reason in the
 * server's ErrorDetail (with its limit and wait), else from the Connect
 * code. Never the server's own message, which is English and for
 * developers.
 */
export function describeError(err: unknown): ErrorText {
  const d = errorDetail(err);
  const key = d ? byReason[d.reason] : undefined;
  if (key) {
    const limit = Number(d?.limit ?? 0);
    const ra = d?.retryAfter;
    const waitMs = ra ? Number(ra.seconds) * 1000 + Math.ceil(ra.nanos / 1e6) : 0;
    if ((needsLimit.has(key) && !limit) || (needsWait.has(key) && !waitMs)) {
      return { key: withoutNumber[key] ?? key };
    }
    return { key, ...(limit ? { limit } : {}), ...(waitMs ? { waitMs } : {}) };
  }
  return { key: byCode(errorCode(err)) };
}

function byCode(code: Code): MessageKey {
  switch (code) {
    case Code.Unauthenticated:
      return "error.unauthenticated";
    case Code.PermissionDenied:
      return "error.permissionDenied";
    case Code.NotFound:
      return "error.notFound";
    case Code.AlreadyExists:
      return "error.alreadyExists";
    case Code.InvalidArgument:
      return "error.invalidArgument";
    case Code.FailedPrecondition:
      return "error.failedPrecondition";
    case Code.ResourceExhausted:
      return "error.resourceExhausted";
    case Code.Unimplemented:
      return "error.unimplemented";
    case Code.Unavailable:
    case Code.Unknown:
    case Code.Canceled:
    case Code.DeadlineExceeded:
      return "error.network";
    default:
      return "error.internal";
  }
}
