// The emoji the dashboard's and the widget's pickers offer, with their
// names in English and Vietnamese (read out by screen readers and matched
// by the search). Imported only by the pickers' lazily loaded chunks:
// nothing here loads until a picker is opened.

/** An emoji and its names. */
export interface Emoji {
  char: string;
  en: string;
  vi: string;
}

const list: [string, string, string][] = [
  ["😀", "grinning face", "mặt cười toe"],
  ["😊", "smiling face", "mặt mỉm cười"],
  ["😂", "tears of joy", "cười ra nước mắt"],
  ["🙂", "slightly smiling face", "cười nhẹ"],
  ["😉", "winking face", "nháy mắt"],
  ["😍", "heart eyes", "mắt trái tim"],
  ["🥰", "smiling face with hearts", "mặt cười với trái tim"],
  ["😎", "cool face with sunglasses", "đeo kính râm"],
  ["🤔", "thinking face", "đang suy nghĩ"],
  ["😅", "sweat smile", "cười toát mồ hôi"],
  ["😇", "angel face", "thiên thần"],
  ["🙃", "upside-down face", "mặt lộn ngược"],
  ["😌", "relieved face", "nhẹ nhõm"],
  ["😢", "crying face", "khóc"],
  ["😭", "loudly crying", "khóc to"],
  ["😮", "surprised face", "ngạc nhiên"],
  ["😴", "sleeping face", "đang ngủ"],
  ["😬", "grimacing face", "nhăn mặt"],
  ["😡", "angry face", "giận dữ"],
  ["🤗", "hugging face", "ôm"],
  ["🙏", "folded hands, thank you", "chắp tay, cảm ơn"],
  ["👍", "thumbs up", "giơ ngón cái"],
  ["👎", "thumbs down", "ngón cái chúc xuống"],
  ["👌", "OK hand", "tay OK"],
  ["👏", "clapping hands", "vỗ tay"],
  ["👋", "waving hand, hello", "vẫy tay, xin chào"],
  ["🤝", "handshake", "bắt tay"],
  ["💪", "flexed biceps, strong", "cơ bắp, mạnh mẽ"],
  ["✌️", "victory hand", "tay chữ V"],
  ["🙌", "raising hands", "giơ hai tay"],
  ["❤️", "red heart", "trái tim đỏ"],
  ["💙", "blue heart", "trái tim xanh"],
  ["💯", "hundred points", "một trăm điểm"],
  ["✨", "sparkles", "lấp lánh"],
  ["🔥", "fire", "lửa"],
  ["🎉", "party popper, congratulations", "pháo giấy, chúc mừng"],
  ["🎁", "gift", "quà tặng"],
  ["⭐", "star", "ngôi sao"],
  ["✅", "check mark, done", "dấu tích, xong"],
  ["❌", "cross mark", "dấu nhân"],
  ["⚠️", "warning", "cảnh báo"],
  ["❓", "question mark", "dấu hỏi"],
  ["❗", "exclamation mark", "dấu chấm than"],
  ["💡", "light bulb, idea", "bóng đèn, ý tưởng"],
  ["📦", "package, parcel", "gói hàng, bưu kiện"],
  ["🚚", "delivery truck", "xe giao hàng"],
  ["📧", "email", "thư điện tử"],
  ["📞", "telephone", "điện thoại"],
  ["💳", "credit card", "thẻ tín dụng"],
  ["💰", "money bag", "túi tiền"],
  ["🛒", "shopping cart", "giỏ hàng"],
  ["🔒", "locked", "khóa"],
  ["🔑", "key", "chìa khóa"],
  ["⏰", "alarm clock", "đồng hồ báo thức"],
  ["⏳", "hourglass, waiting", "đồng hồ cát, đang chờ"],
  ["📅", "calendar", "lịch"],
  ["📎", "paperclip, attachment", "kẹp giấy, tệp đính kèm"],
  ["🔗", "link", "liên kết"],
  ["☕", "coffee", "cà phê"],
  ["🌟", "glowing star", "ngôi sao sáng"],
];

export const emoji: Emoji[] = list.map(([char, en, vi]) => ({ char, en, vi }));
