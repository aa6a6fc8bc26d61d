package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"github.com/google/uuid"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/chat"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Chat is the conversation domain as a reply by email uses it
// (*chat.Service): the reply is the customer's message.
type Chat interface {
	SendVisitorMessage(ctx context.Context, v principal.Visitor, text, clientMessageID string, files ...uuid.UUID) (chat.Message, chat.Conversation, error)
}

// SetChat gives the service the conversation domain, for replies by email.
func (s *Service) SetChat(c Chat) { s.chat = c }

// replyToken returns the token of a reply address reply+<token>@<domain>
// when domain is the configured reply domain.
//
// Errors: NotFound for any other address.
func (s *Service) replyToken(ctx context.Context, address string) (string, error) {
	m, _, err := s.current(ctx)
	if err != nil {
		return "", err
	}
	at := strings.LastIndexByte(address, '@')
	if m.ReplyDomain == "" || at < 0 || !strings.EqualFold(address[at+1:], m.ReplyDomain) {
		return "", apperr.New(apperr.NotFound, "not a reply address of this server")
	}
	local := address[:at]
	const prefix = "reply+"
	if len(local) <= len(prefix) || !strings.EqualFold(local[:len(prefix)], prefix) {
		return "", apperr.New(apperr.NotFound, "not a reply address of this server")
	}
	// The token is case-sensitive; the prefix is not.
	token := local[len(prefix):]
	if len(token) < 16 || len(token) > 64 {
		return "", apperr.New(apperr.NotFound, "not a reply address of this server")
	}
	return token, nil
}

// CheckRecipient accepts only the reply addresses of existing
// conversations and the bounce addresses of existing mails on the
// configured reply domain: the receiver asks before it takes a message, so
// mail for anyone else is refused at RCPT.
//
// Errors: NotFound for any other address.
func (s *Service) CheckRecipient(ctx context.Context, address string) error {
	if id, ok, err := s.bounceRecipient(ctx, address); err != nil || ok {
		if err == nil {
			if _, err = s.q.MailForBounce(ctx, id); err != nil {
				err = apperr.NotFoundAs(err, apperr.NotFound, "unknown bounce address")
			}
		}
		return err
	}
	token, err := s.replyToken(ctx, address)
	if err != nil {
		return err
	}
	if _, err := s.q.MailConversationByToken(ctx, token); err != nil {
		return apperr.NotFoundAs(err, apperr.NotFound, "unknown reply address")
	}
	return nil
}

// bounceRecipient reports whether address is a bounce address (VERP) on
// the reply domain, and of which mail.
func (s *Service) bounceRecipient(ctx context.Context, address string) (uuid.UUID, bool, error) {
	m, _, err := s.current(ctx)
	if err != nil {
		return uuid.Nil, false, err
	}
	id, ok := bounceID(address, m.ReplyDomain)
	return id, ok, nil
}

// ReceiveReply takes a mail sent to address on the reply domain. Sent to
// a bounce address (bounce+<mail id>@…), it is a delivery report or a
// spam complaint about that mail (see receiveBounce). Sent to a reply
// address, it stores the customer's reply by email as
// their message in the conversation (their open one, or the last one,
// reopened), delivered live like any message. The quoted history and the
// signature are cut off (see replyText). A delivery report (a bounce)
// marks the customer's address so it gets no more mail; automatic replies
// and empty replies are dropped. The same mail delivered twice (same
// Message-ID) is stored once.
//
// Errors: NotFound for an address that is not a reply address;
// InvalidValue for a message that cannot be read; those of the chat
// domain.
func (s *Service) ReceiveReply(ctx context.Context, address string, raw []byte) error {
	if id, ok, err := s.bounceRecipient(ctx, address); err != nil {
		return err
	} else if ok {
		return s.receiveBounce(ctx, id, raw)
	}
	if s.chat == nil {
		return apperr.New(apperr.NotAvailable, "replies by email are not available")
	}
	token, err := s.replyToken(ctx, address)
	if err != nil {
		return err
	}
	c, err := s.q.MailConversationByToken(ctx, token)
	if err != nil {
		return apperr.NotFoundAs(err, apperr.NotFound, "unknown reply address")
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return apperr.Wrap(apperr.InvalidValue, err, "not a mail message")
	}
	if isBounce(msg.Header) {
		// A server that ignores the envelope sender and answers the
		// Reply-To: a hard bounce or a complaint marks the customer's
		// address like one that came to the bounce address.
		rep, _ := parseReport(msg.Header, msg.Body)
		if c.Email == "" || (!rep.Hard && !rep.Complaint) {
			return nil
		}
		reason := "bounced"
		if rep.Complaint {
			reason = "complained"
		}
		return s.q.SuppressAddress(ctx, dbq.SuppressAddressParams{Address: c.Email, Reason: reason, Detail: rep.Detail})
	}
	if isAutomatic(msg.Header) {
		return nil
	}
	body, err := bodyText(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, 0)
	if err != nil {
		return apperr.Wrap(apperr.InvalidValue, err, "the message cannot be read")
	}
	text := truncate(replyText(body), limits.MessageText*4)
	if utf8.RuneCountInString(text) > limits.MessageText {
		text = string([]rune(text)[:limits.MessageText])
	}
	if text == "" {
		return nil
	}
	// The Message-ID keys the message, so a redelivery is not stored twice.
	key := msg.Header.Get("Message-Id")
	if key == "" {
		key = string(raw)
	}
	sum := sha256.Sum256([]byte(key))
	_, _, err = s.chat.SendVisitorMessage(ctx, principal.Visitor{CustomerID: c.CustomerID, WidgetID: c.WidgetID}, text, "email-"+hex.EncodeToString(sum[:20]))
	return err
}

// isBounce reports a delivery status report (RFC 3464) or an abuse report
// (RFC 5965).
func isBounce(h mail.Header) bool {
	mt, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "multipart/report" && (strings.EqualFold(params["report-type"], "delivery-status") || strings.EqualFold(params["report-type"], "feedback-report"))
}

// isAutomatic reports an automatic reply (out of office, auto-responders,
// lists), which must not become a customer's message.
func isAutomatic(h mail.Header) bool {
	if a := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); a != "" && a != "no" {
		return true
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "bulk", "junk", "list", "auto_reply":
		return true
	}
	return h.Get("X-Autoreply") != "" || h.Get("X-Autorespond") != ""
}

// maxDepth bounds nested multiparts.
const maxDepth = 5

var errNoText = errors.New("no text part")

// bodyText returns the text of a MIME entity: its text/plain part if it has
// one, else its text/html part without tags; decoded to UTF-8.
func bodyText(contentType, encoding string, r io.Reader, depth int) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || contentType == "" {
		mt, params = "text/plain", map[string]string{"charset": "us-ascii"}
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth >= maxDepth {
			return "", errNoText
		}
		mr := multipart.NewReader(r, params["boundary"])
		var htmlText string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return "", err
			}
			if strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
				continue
			}
			ct := p.Header.Get("Content-Type")
			t, err := bodyText(ct, p.Header.Get("Content-Transfer-Encoding"), p, depth+1)
			if err != nil {
				continue
			}
			if pmt, _, _ := mime.ParseMediaType(ct); pmt == "text/html" {
				if htmlText == "" {
					htmlText = t
				}
				continue
			}
			return t, nil
		}
		if htmlText != "" {
			return htmlText, nil
		}
		return "", errNoText
	case mt == "text/plain", mt == "text/html":
		b, err := io.ReadAll(decodeTransfer(encoding, r))
		if err != nil {
			return "", err
		}
		t, err := toUTF8(b, params["charset"])
		if err != nil {
			return "", err
		}
		if mt == "text/html" {
			t = htmlToText(t)
		}
		return strings.ReplaceAll(t, "\r\n", "\n"), nil
	}
	return "", errNoText
}

func decodeTransfer(encoding string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: r})
	}
	return r
}

// newlineStripper drops line breaks, which base64 bodies carry.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// toUTF8 decodes b from charset ("" or unknown: taken as UTF-8).
func toUTF8(b []byte, charset string) (string, error) {
	cs := strings.ToLower(strings.TrimSpace(charset))
	if cs == "" || cs == "utf-8" || cs == "us-ascii" {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD"), nil
	}
	out, err := enc.NewDecoder().Bytes(b)
	return string(out), err
}

var (
	tagBreak   = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>`)
	tagQuote   = regexp.MustCompile(`(?is)<blockquote\b.*?</blockquote>`)
	tagDrop    = regexp.MustCompile(`(?is)<(style|script|head)\b.*?</(style|script|head)>`)
	tagAny     = regexp.MustCompile(`(?s)<[^>]*>`)
	blankLines = regexp.MustCompile(`\n{3,}`)
)

// htmlToText keeps an HTML mail's text and line breaks; quoted blocks go.
func htmlToText(s string) string {
	s = tagDrop.ReplaceAllString(s, "")
	s = tagQuote.ReplaceAllString(s, "\n")
	s = tagBreak.ReplaceAllString(s, "\n")
	s = tagAny.ReplaceAllString(s, "")
	return html.UnescapeString(s)
}

// The lines where a reply's own text ends: the header a mail app writes
// above the quoted mail (Gmail, Apple Mail, Thunderbird, Outlook, in
// English and Vietnamese), a signature delimiter, and the lines phones add.
var (
	quoteHeader = []*regexp.Regexp{
		regexp.MustCompile(`(?i)^\s*on\b.{0,300}\bwrote:\s*$`),
		regexp.MustCompile(`(?i)^\s*vào\s.{0,300}\sđã viết:\s*$`),
		regexp.MustCompile(`(?i)^\s*-{2,}\s*(original message|forwarded message|tin nhắn gốc|thư gốc)\s*-{2,}\s*$`),
		regexp.MustCompile(`^\s*_{20,}\s*$`),
	}
	// Outlook quotes under a block of "From:", "Sent:", "To:" lines.
	outlookFrom = regexp.MustCompile(`(?i)^\s*(from|từ):\s.+`)
	outlookNext = regexp.MustCompile(`(?i)^\s*(sent|date|to|subject|gửi|ngày|đến|chủ đề):\s`)
	// Gmail wraps a long "On … wrote:" over two lines.
	quoteHeaderStart = regexp.MustCompile(`(?i)^\s*(on|vào)\s.{0,300}$`)
	quoteHeaderEnd   = regexp.MustCompile(`(?i)^.{0,200}(wrote|đã viết):\s*$`)
	signature        = []*regexp.Regexp{
		regexp.MustCompile(`^--\s?$`),
		regexp.MustCompile(`(?i)^\s*(sent from my|get outlook for|gửi từ)\b.*$`),
	}
)

// replyText is what the customer wrote in a reply: the text above the
// quoted history (the mail app's "On … wrote:" header, an "Original
// Message" divider, or the first run of "> " lines) and above the
// signature, trimmed.
func replyText(body string) string {
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	end := len(lines)
cut:
	for i, l := range lines {
		for _, re := range quoteHeader {
			if re.MatchString(l) {
				end = i
				break cut
			}
		}
		if i+1 < len(lines) && ((quoteHeaderStart.MatchString(l) && quoteHeaderEnd.MatchString(lines[i+1])) ||
			(outlookFrom.MatchString(l) && outlookNext.MatchString(lines[i+1]))) {
			end = i
			break
		}
		if strings.HasPrefix(strings.TrimSpace(l), ">") {
			end = i
			break
		}
		for _, re := range signature {
			if re.MatchString(l) {
				end = i
				break cut
			}
		}
	}
	text := strings.TrimSpace(strings.Join(lines[:end], "\n"))
	return blankLines.ReplaceAllString(text, "\n\n")
}
