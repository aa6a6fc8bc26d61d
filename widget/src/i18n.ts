// Every visitor-facing string, in English and Vietnamese. Placeholders are
// {name}-style and filled by t(). A string with a count has its singular and
// plural forms separated by "|" in English, picked by {n}; Vietnamese has no
// plural.

export type Lang = "en" | "vi";

const en = {
  launcher: "Chat with us",
  openChat: "Open chat",
  closeChat: "Close chat",
  title: "Chat",
  online: "We're online",
  here: "{name} is here|{name} and {m} others are here",
  away: "We're away right now",
  unread: "{n} unread message|{n} unread messages",
  loading: "Loading…",
  loadFailed: "The chat could not be loaded.",
  retry: "Retry",
  placeholder: "Type a message…",
  message: "Message",
  send: "Send",
  you: "You",
  agent: "Support",
  typing: "{name} is typing…",
  sending: "Sending…",
  queued: "Waiting for connection…",
  failed: "Not sent",
  remove: "Remove",
  seen: "Seen",
  edited: "edited",
  deleted: "deleted",
  deletedText: "This message was deleted.",
  edit: "Edit",
  delete: "Delete",
  confirmDelete: "Delete for good?",
  editMsg: "Edit your message",
  cancel: "Cancel",
  editLate: "Too late to change this message.",
  reconnecting: "Reconnecting…",
  earlier: "Show earlier messages",
  claimed: "{actor} joined the conversation",
  assigned: "{actor} transferred the conversation to {target}",
  assignedTo: "{target} joined the conversation",
  resolved: "Conversation resolved",
  closed: "Conversation closed",
  reopened: "Conversation reopened",
  handedOff: "Passed to our team",
  prechatIntro: "Please tell us a little about yourself.",
  start: "Start chat",
  required: "Please fill in this field.",
  badEmail: "Please enter a valid email address.",
  emailAsk: "Leave your email and we will reply there.",
  email: "Email",
  save: "Save",
  emailSaved: "Thanks! We will reply to {email}.",
  error: "Something went wrong. Please try again.",
  tooFast: "You are sending messages too quickly. We will retry shortly.",
  tooLong: "This is too long.",
  badValue: "This contains characters that cannot be used.",
  checkForm: "Please check your answers and try again.",
  tooMany: "Too many attempts. Please try again in a few minutes.",
  msgTooLong: "The message is too long.",
  msgBadChars: "The message contains characters that cannot be sent.",
  msgInvalid: "This message cannot be sent.",
  msgTooLongMax: "The message is too long: at most {n} characters.",
  msgEmpty: "The message is empty.",
  msgClosed: "This conversation has ended.",
  msgNotSent: "The message could not be sent.",
  tooLongMax: "This is too long: at most {n} characters.",
  emailLocked: "Your email comes from your account on this site and cannot be changed here.",
  transcript: "Email me a transcript",
  tooManyWait: "Too many attempts. Please try again in {n} min.",
  attach: "Attach a file",
  emoji: "Insert emoji",
  removeFile: "Remove {name}",
  fileTooLarge: "The file is too large: at most {n} MB.",
  fileType: "Files of this type cannot be sent.",
  fileEmpty: "The file is empty.",
  fileFailed: "The file could not be uploaded.",
  fileGone: "A file of this message is no longer available.",
  tooManyFiles: "Too many files. Please wait a few minutes.",
  opensAt: "We're closed. We'll answer from {when}.",
  replyMinutes: "Usually replies in a few minutes",
  replyHour: "Usually replies within an hour",
  replyHours: "Usually replies in a few hours",
  replyDay: "Usually replies within a day",
};

export type Key = keyof typeof en;

const vi: Record<Key, string> = {
  launcher: "Trò chuyện với chúng tôi",
  openChat: "Mở cửa sổ trò chuyện",
  closeChat: "Đóng cửa sổ trò chuyện",
  title: "Trò chuyện",
  online: "Chúng tôi đang trực tuyến",
  here: "{name} đang trực tuyến|{name} và {m} người khác đang trực tuyến",
  away: "Hiện chúng tôi đang vắng mặt",
  unread: "{n} tin nhắn chưa đọc",
  loading: "Đang tải…",
  loadFailed: "Không tải được cửa sổ trò chuyện.",
  retry: "Thử lại",
  placeholder: "Nhập tin nhắn…",
  message: "Tin nhắn",
  send: "Gửi",
  you: "Bạn",
  agent: "Hỗ trợ",
  typing: "{name} đang nhập…",
  sending: "Đang gửi…",
  queued: "Đang chờ kết nối…",
  failed: "Chưa gửi được",
  remove: "Xóa",
  seen: "Đã xem",
  edited: "đã sửa",
  deleted: "đã xóa",
  deletedText: "Tin nhắn này đã bị xóa.",
  edit: "Sửa",
  delete: "Xóa",
  confirmDelete: "Xóa hẳn?",
  editMsg: "Sửa tin nhắn của bạn",
  cancel: "Hủy",
  editLate: "Đã quá hạn để sửa tin nhắn này.",
  reconnecting: "Đang kết nối lại…",
  earlier: "Xem tin nhắn cũ hơn",
  claimed: "{actor} đã tham gia cuộc trò chuyện",
  assigned: "{actor} đã chuyển cuộc trò chuyện cho {target}",
  assignedTo: "{target} đã tham gia cuộc trò chuyện",
  resolved: "Cuộc trò chuyện đã được giải quyết",
  closed: "Cuộc trò chuyện đã kết thúc",
  reopened: "Cuộc trò chuyện đã được mở lại",
  handedOff: "Đã chuyển cho đội ngũ hỗ trợ",
  prechatIntro: "Vui lòng cho chúng tôi biết đôi chút về bạn.",
  start: "Bắt đầu trò chuyện",
  required: "Vui lòng điền thông tin này.",
  badEmail: "Vui lòng nhập địa chỉ email hợp lệ.",
  emailAsk: "Hãy để lại email, chúng tôi sẽ trả lời qua email.",
  email: "Email",
  save: "Lưu",
  emailSaved: "Cảm ơn bạn! Chúng tôi sẽ trả lời tới {email}.",
  error: "Đã xảy ra lỗi. Vui lòng thử lại.",
  tooFast: "Bạn gửi tin nhắn quá nhanh. Chúng tôi sẽ thử lại sau giây lát.",
  tooLong: "Nội dung này quá dài.",
  badValue: "Nội dung này chứa ký tự không dùng được.",
  checkForm: "Vui lòng kiểm tra lại thông tin và thử lại.",
  tooMany: "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau vài phút.",
  msgTooLong: "Tin nhắn quá dài.",
  msgBadChars: "Tin nhắn chứa ký tự không gửi được.",
  msgInvalid: "Không gửi được tin nhắn này.",
  msgTooLongMax: "Tin nhắn quá dài: tối đa {n} ký tự.",
  msgEmpty: "Tin nhắn đang trống.",
  msgClosed: "Cuộc trò chuyện này đã kết thúc.",
  msgNotSent: "Không gửi được tin nhắn.",
  tooLongMax: "Nội dung này quá dài: tối đa {n} ký tự.",
  emailLocked: "Email của bạn lấy từ tài khoản trên trang này và không thể đổi ở đây.",
  transcript: "Gửi bản ghi qua email",
  tooManyWait: "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau {n} phút.",
  attach: "Đính kèm tệp",
  emoji: "Chèn biểu tượng cảm xúc",
  removeFile: "Bỏ {name}",
  fileTooLarge: "Tệp quá lớn: tối đa {n} MB.",
  fileType: "Không thể gửi loại tệp này.",
  fileEmpty: "Tệp trống.",
  fileFailed: "Không tải lên được tệp.",
  fileGone: "Một tệp của tin nhắn này không còn nữa.",
  tooManyFiles: "Quá nhiều tệp. Vui lòng đợi vài phút.",
  opensAt: "Chúng tôi đang ngoài giờ làm việc. Chúng tôi sẽ trả lời từ {when}.",
  replyMinutes: "Thường trả lời trong vài phút",
  replyHour: "Thường trả lời trong vòng một giờ",
  replyHours: "Thường trả lời trong vài giờ",
  replyDay: "Thường trả lời trong vòng một ngày",
};

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

export function translator(lang: () => Lang): Translate {
  return (key, vars) => {
    let s = (lang() === "vi" ? vi : en)[key];
    const forms = s.split("|");
    if (forms.length > 1) s = forms[vars?.n === 1 ? 0 : 1];
    return vars ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m)) : s;
  };
}

/** Maps "vi", "vi-VN", "WIDGET_LOCALE_VI" to a language; null when unknown or "auto". */
export function parseLang(v: unknown): Lang | null {
  if (typeof v !== "string") return null;
  const s = v.toLowerCase().replace("widget_locale_", "");
  if (s.startsWith("vi")) return "vi";
  if (s.startsWith("en")) return "en";
  return null;
}

export function browserLang(): Lang {
  const langs = navigator.languages?.length ? navigator.languages : [navigator.language];
  for (const l of langs) {
    const p = parseLang(l);
    if (p) return p;
  }
  return "en";
}
