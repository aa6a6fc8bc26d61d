package mail

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"github.com/google/uuid"
)

func TestBounceAddress(t *testing.T) {
	t.Parallel()
	id := uuid.New()
	a := bounceAddress(id, "reply.example.com")
	if got, ok := bounceID(a, "reply.example.com"); !ok || got != id {
		t.Errorf("bounceID(%q) = %v %v, want %v", a, got, ok, id)
	}
	// Some servers change the case of the local part.
	if got, ok := bounceID(strings.ToUpper(a), "REPLY.example.com"); !ok || got != id {
		t.Errorf("upper case: %v %v", got, ok)
	}
	for _, bad := range []string{"bounce+zz@reply.example.com", "reply+" + strings.Repeat("a", 32) + "@reply.example.com", strings.Replace(a, "reply.example.com", "other.example.com", 1), "bounce+@reply.example.com"} {
		if _, ok := bounceID(bad, "reply.example.com"); ok {
			t.Errorf("bounceID(%q) accepted", bad)
		}
	}
	if bounceAddress(id, "") != "" || bounceAddress(uuid.Nil, "reply.example.com") != "" {
		t.Error("a bounce address without a domain or a mail")
	}
}

func TestParseReport(t *testing.T) {
	t.Parallel()
	report := func(kind, part, fields string) string {
		return "Content-Type: multipart/report; report-type=" + kind + "; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhuman text\r\n--x\r\nContent-Type: " + part + "\r\n\r\n" + fields + "\r\n--x--\r\n"
	}
	cases := []struct {
		name, raw       string
		ok, hard, compl bool
		detail          string
	}{
		{"hard", report("delivery-status", "message/delivery-status", "Reporting-MTA: dns; mx\r\n\r\nFinal-Recipient: rfc822; a@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 no such user\r\n"), true, true, false, "5.1.1 smtp; 550 no such user"},
		{"second recipient fails", report("delivery-status", "message/delivery-status", "Reporting-MTA: dns; mx\r\n\r\nAction: delayed\r\nStatus: 4.4.7\r\n\r\nAction: failed\r\nStatus: 5.2.1\r\n"), true, true, false, "5.2.1"},
		{"delay", report("delivery-status", "message/delivery-status", "Reporting-MTA: dns; mx\r\n\r\nAction: delayed\r\nStatus: 4.4.7\r\n"), true, false, false, "delayed 4.4.7"},
		{"failed but temporary", report("delivery-status", "message/delivery-status", "Reporting-MTA: dns; mx\r\n\r\nAction: failed\r\nStatus: 4.2.2\r\n"), true, false, false, "failed 4.2.2"},
		{"complaint", report("feedback-report", "message/feedback-report", "Feedback-Type: abuse\r\nVersion: 1\r\n"), true, false, true, "reported as spam (feedback type abuse)"},
		{"not a report", "Content-Type: text/plain\r\n\r\nhello\r\n", false, false, false, ""},
		{"other report", report("disposition-notification", "message/disposition-notification", "Disposition: manual-action/MDN-sent-manually; displayed\r\n"), false, false, false, ""},
	}
	for _, c := range cases {
		msg, err := mail.ReadMessage(bytes.NewReader([]byte(c.raw)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		r, ok := parseReport(msg.Header, msg.Body)
		if ok != c.ok || r.Hard != c.hard || r.Complaint != c.compl || r.Detail != c.detail {
			t.Errorf("%s: parseReport = %+v %v, want ok %v hard %v complaint %v detail %q", c.name, r, ok, c.ok, c.hard, c.compl, c.detail)
		}
	}
}
