package mailapi

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/mail"
)

// Unsubscribe serves the link every customer mail carries
// (mail.UnsubscribePath + token). GET shows a page with one button; POST —
// that button, or a mail client's one-click unsubscribe (RFC 8058) —
// stops all customer mail to the address at once. Only POST changes
// anything, so a link scanner that opens the link unsubscribes nobody.
type Unsubscribe struct {
	svc *mail.Service
}

// NewUnsubscribe returns the unsubscribe page of svc.
func NewUnsubscribe(svc *mail.Service) *Unsubscribe { return &Unsubscribe{svc: svc} }

// Pattern is the route to mount the page on.
const Pattern = mail.UnsubscribePath + "{token}"

// ServeHTTP implements http.Handler.
func (u *Unsubscribe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t := pageTexts["en"]
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Accept-Language")), "vi") {
		t = pageTexts["vi"]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	token := r.PathValue("token")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		_ = page.Execute(w, pageData{T: t, Ask: true})
	case http.MethodPost:
		addr, err := u.svc.Unsubscribe(r.Context(), token)
		if apperr.Is(err, apperr.NotFound) {
			w.WriteHeader(http.StatusNotFound)
			_ = page.Execute(w, pageData{T: t, Unknown: true})
			return
		}
		if err != nil {
			http.Error(w, t["error"], http.StatusServiceUnavailable)
			return
		}
		_ = page.Execute(w, pageData{T: t, Done: true, Address: addr})
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

type pageData struct {
	T                  map[string]string
	Ask, Done, Unknown bool
	Address            string
}

var pageTexts = map[string]map[string]string{
	"en": {
		"lang": "en", "title": "Email preferences",
		"ask":     "Stop emails about this chat conversation?",
		"button":  "Unsubscribe",
		"done":    "Done: we will send no more emails to",
		"unknown": "This unsubscribe link is not valid.",
		"error":   "Please try again in a moment.",
	},
	"vi": {
		"lang": "vi", "title": "Tùy chọn email",
		"ask":     "Ngừng nhận email về cuộc trò chuyện này?",
		"button":  "Hủy đăng ký",
		"done":    "Xong: chúng tôi sẽ không gửi email nào nữa tới",
		"unknown": "Liên kết hủy đăng ký này không hợp lệ.",
		"error":   "Vui lòng thử lại sau giây lát.",
	},
}

var page = template.Must(template.New("unsubscribe").Parse(`<!DOCTYPE html>
<html lang="{{.T.lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{{.T.title}}</title></head>
<body>
<main>
<h1>{{.T.title}}</h1>
{{if .Ask}}<form method="post"><p>{{.T.ask}}</p><button type="submit">{{.T.button}}</button></form>{{end}}
{{if .Done}}<p role="status">{{.T.done}} {{.Address}}.</p>{{end}}
{{if .Unknown}}<p role="alert">{{.T.unknown}}</p>{{end}}
</main>
</body></html>
`))
