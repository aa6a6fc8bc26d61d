package mail

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"
)

// lang is a language mails are written in.
type lang string

// The languages: English (the default) and Vietnamese.
const (
	langEN lang = "en"
	langVI lang = "vi"
)

// langOf picks the language of a customer's mail from the widget's locale
// setting (livechat.v1.WidgetLocale as stored: its name or number): the
// widget's language when it is fixed, else the customer's browser
// language when known, else English.
func langOf(widgetLocale, customerLang string) lang {
	switch widgetLocale {
	case "WIDGET_LOCALE_VI", "3":
		return langVI
	case "WIDGET_LOCALE_EN", "2":
		return langEN
	}
	if strings.HasPrefix(strings.ToLower(customerLang), "vi") {
		return langVI
	}
	return langEN
}

// tmpl names a kind of mail's texts.
type tmpl string

const (
	tmplTest            tmpl = "test"
	tmplFollowup        tmpl = "followup"
	tmplAcknowledgement tmpl = "acknowledgement"
	tmplTranscript      tmpl = "transcript"
	tmplNewConversation tmpl = "newconversation"
	tmplAssigned        tmpl = "assigned"
)

// reply is one message quoted in a mail.
type reply struct {
	Sender string
	Text   string
	// At is when it was written, for transcripts ("" leaves it out).
	At string
}

// data fills a mail's templates.
type data struct {
	// Greet is the name the mail greets ("" greets without a name).
	Greet string
	// CustomerName is the customer's, in agents' notifications.
	CustomerName string
	// Link opens the conversation in the dashboard (agents' notifications).
	Link string
	// Team is the widget's name, the sender customers know.
	Team string
	// AgentName is the admin who asked for a test mail.
	AgentName string
	// Replies are the messages the mail carries.
	Replies []reply
	// Text is a customer's own message being acknowledged.
	Text string
	// UnsubscribeURL is the one-click unsubscribe link ("" for none).
	UnsubscribeURL string
	// CanReply: the mail has a reply address that leads back to the chat.
	CanReply bool
	// T are the texts in the mail's language.
	T map[string]string
}

// texts are every word of the mails, by language and key.
var texts = map[lang]map[string]string{
	langEN: {
		"test.subject":            "Test mail from livechat",
		"test.body":               "This is a test mail sent from livechat's mail settings. If you are reading it, outgoing mail works.",
		"followup.subject":        "New reply from {{.Team}}",
		"followup.intro":          "You have a new reply to your conversation:",
		"acknowledgement.subject": "We received your message",
		"acknowledgement.intro":   "Thank you for your message. Nobody from our team is available right now; we will answer you by email as soon as we can. You wrote:",
		"hello":                   "Hello",
		"reply.hint":              "You can answer by replying to this email.",
		"unsubscribe":             "Do not email me about this chat again",
		"unsubscribe.text":        "To stop these emails, open",
		"transcript.subject":      "Transcript of your conversation with {{.Team}}",
		"transcript.intro":        "Here is your conversation with us:",
		"transcript.you":          "You",
		"newconversation.subject": "New conversation from {{.CustomerName}} ({{.Team}})",
		"newconversation.intro":   "A visitor started a conversation while no agent is online:",
		"assigned.subject":        "Conversation with {{.CustomerName}} assigned to you",
		"assigned.intro":          "A conversation was assigned to you. The customer's latest message:",
		"notify.open":             "Open the conversation",
		"notify.settings":         "You receive this because of your notification choices in livechat's Settings.",
		"notify.visitor":          "a visitor",
	},
	langVI: {
		"test.subject":            "Thư thử từ livechat",
		"test.body":               "Đây là thư thử gửi từ phần cài đặt email của livechat. Nếu bạn đọc được thư này, việc gửi email đã hoạt động.",
		"followup.subject":        "Phản hồi mới từ {{.Team}}",
		"followup.intro":          "Bạn có phản hồi mới trong cuộc trò chuyện của mình:",
		"acknowledgement.subject": "Chúng tôi đã nhận được tin nhắn của bạn",
		"acknowledgement.intro":   "Cảm ơn bạn đã nhắn tin. Hiện chưa có ai trong nhóm chúng tôi trực tuyến; chúng tôi sẽ trả lời bạn qua email sớm nhất có thể. Bạn đã viết:",
		"hello":                   "Xin chào",
		"reply.hint":              "Bạn có thể trả lời bằng cách phản hồi email này.",
		"unsubscribe":             "Không gửi email cho tôi về cuộc trò chuyện này nữa",
		"unsubscribe.text":        "Để ngừng nhận những email này, hãy mở",
		"transcript.subject":      "Bản ghi cuộc trò chuyện của bạn với {{.Team}}",
		"transcript.intro":        "Đây là cuộc trò chuyện của bạn với chúng tôi:",
		"transcript.you":          "Bạn",
		"newconversation.subject": "Cuộc trò chuyện mới từ {{.CustomerName}} ({{.Team}})",
		"newconversation.intro":   "Một khách truy cập đã bắt đầu trò chuyện khi không có nhân viên nào trực tuyến:",
		"assigned.subject":        "Cuộc trò chuyện với {{.CustomerName}} đã được giao cho bạn",
		"assigned.intro":          "Một cuộc trò chuyện đã được giao cho bạn. Tin nhắn mới nhất của khách:",
		"notify.open":             "Mở cuộc trò chuyện",
		"notify.settings":         "Bạn nhận được email này theo lựa chọn thông báo của bạn trong phần Cài đặt của livechat.",
		"notify.visitor":          "một khách truy cập",
	},
}

const textLayout = `{{.T.hello}}{{with .Greet}} {{.}}{{end}},

{{block "body" .}}{{end}}
{{- if .CanReply}}

{{.T.reply_hint}}{{end}}
{{- with .UnsubscribeURL}}

--
{{$.T.unsubscribe_text}} {{.}}{{end}}
`

const htmlLayout = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>
<body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2937;line-height:1.5;max-width:600px;margin:0 auto;padding:16px">
<p>{{.T.hello}}{{with .Greet}} {{.}}{{end}},</p>
{{block "body" .}}{{end}}
{{- if .CanReply}}<p style="color:#6b7280">{{.T.reply_hint}}</p>{{end}}
{{- with .UnsubscribeURL}}<hr style="border:none;border-top:1px solid #e5e7eb"><p style="font-size:12px"><a href="{{.}}" style="color:#6b7280">{{$.T.unsubscribe}}</a></p>{{end}}
</body></html>
`

// bodies are each kind's body block: text, then HTML.
var bodies = map[tmpl][2]string{
	tmplNewConversation: {`{{.T.newconversation_intro}}
{{with .Text}}
> {{.}}
{{end}}{{with .Link}}
{{$.T.notify_open}}: {{.}}
{{end}}
{{.T.notify_settings}}`, `<p>{{.T.newconversation_intro}}</p>
{{with .Text}}<blockquote style="margin:12px 0;padding:8px 12px;border-left:3px solid #9ca3af;white-space:pre-wrap">{{.}}</blockquote>{{end}}
{{with .Link}}<p><a href="{{.}}">{{$.T.notify_open}}</a></p>{{end}}
<p style="color:#6b7280;font-size:12px">{{.T.notify_settings}}</p>`},
	tmplAssigned: {`{{.T.assigned_intro}}
{{with .Text}}
> {{.}}
{{end}}{{with .Link}}
{{$.T.notify_open}}: {{.}}
{{end}}
{{.T.notify_settings}}`, `<p>{{.T.assigned_intro}}</p>
{{with .Text}}<blockquote style="margin:12px 0;padding:8px 12px;border-left:3px solid #9ca3af;white-space:pre-wrap">{{.}}</blockquote>{{end}}
{{with .Link}}<p><a href="{{.}}">{{$.T.notify_open}}</a></p>{{end}}
<p style="color:#6b7280;font-size:12px">{{.T.notify_settings}}</p>`},
	tmplTest: {`{{.T.test_body}}`, `<p>{{.T.test_body}}</p>`},
	tmplFollowup: {
		`{{.T.followup_intro}}
{{range .Replies}}
{{.Sender}}:
{{.Text}}
{{end}}`,
		`<p>{{.T.followup_intro}}</p>
{{range .Replies}}<div style="margin:12px 0;padding:8px 12px;border-left:3px solid #2563eb;background:#f3f4f6"><strong>{{.Sender}}</strong><div style="white-space:pre-wrap">{{.Text}}</div></div>
{{end}}`,
	},
	tmplTranscript: {
		`{{.T.transcript_intro}}
{{range .Replies}}
{{.Sender}} ({{.At}}):
{{.Text}}
{{end}}`,
		`<p>{{.T.transcript_intro}}</p>
{{range .Replies}}<div style="margin:8px 0"><strong>{{.Sender}}</strong> <span style="color:#6b7280;font-size:12px">{{.At}}</span><div style="white-space:pre-wrap">{{.Text}}</div></div>
{{end}}`,
	},
	tmplAcknowledgement: {
		`{{.T.acknowledgement_intro}}

> {{.Text}}
`,
		`<p>{{.T.acknowledgement_intro}}</p>
<blockquote style="margin:12px 0;padding:8px 12px;border-left:3px solid #9ca3af;white-space:pre-wrap">{{.Text}}</blockquote>`,
	},
}

var (
	textTemplates = map[tmpl]*texttemplate.Template{}
	htmlTemplates = map[tmpl]*htmltemplate.Template{}
)

func init() {
	for k, b := range bodies {
		textTemplates[k] = texttemplate.Must(texttemplate.Must(texttemplate.New("layout").Parse(textLayout)).New("body").Parse(b[0]))
		htmlTemplates[k] = htmltemplate.Must(htmltemplate.Must(htmltemplate.New("layout").Parse(htmlLayout)).New("body").Parse(b[1]))
	}
}

// render writes the mail of kind k in language l: its subject, text and
// HTML. The recipient and headers are the caller's to set.
func render(l lang, k tmpl, d data) message {
	tr := texts[l]
	if tr == nil {
		tr = texts[langEN]
	}
	// Template field names cannot hold dots.
	d.T = make(map[string]string, len(tr))
	for key, v := range tr {
		d.T[strings.ReplaceAll(key, ".", "_")] = v
	}
	var subj, txt, html bytes.Buffer
	// The subject may name the team: it is a small template of its own.
	st := texttemplate.Must(texttemplate.New("subject").Parse(tr[string(k)+".subject"]))
	must(st.Execute(&subj, d))
	must(textTemplates[k].ExecuteTemplate(&txt, "layout", d))
	must(htmlTemplates[k].ExecuteTemplate(&html, "layout", d))
	return message{Subject: oneLine(subj.String()), Text: txt.String(), HTML: html.String()}
}

// must panics on a template error: the templates are fixed and tested, so
// one is a programming error.
func must(err error) {
	if err != nil {
		panic(err)
	}
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// truncate shortens s to at most n bytes, on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
