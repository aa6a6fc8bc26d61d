package mail

import (
	"strings"
	"testing"
)

func TestReplyText(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, body, want string }{
		{"plain", "Thanks, that works!\n", "Thanks, that works!"},
		{"gmail", "Yes please.\n\nOn Mon, 1 Dec 2026 at 10:00, Support <support@example.com> wrote:\n> New reply\n> from Lan\n", "Yes please."},
		{"gmail wrapped", "Yes please.\n\nOn Mon, 1 Dec 2026 at 10:00, Example Support Team <support@example.com>\nwrote:\n\n> New reply\n", "Yes please."},
		{"gmail vi", "Cảm ơn bạn\n\nVào Th 2, 1 thg 12, 2026 lúc 10:00 Support <support@example.com> đã viết:\n> Xin chào\n", "Cảm ơn bạn"},
		{"outlook", "Sounds good.\r\n\r\n________________________________\r\nFrom: Support <support@example.com>\r\nSent: Monday\r\n", "Sounds good."},
		{"outlook headers", "Sounds good.\n\nFrom: Support <support@example.com>\nSent: Monday, December 1\nTo: me\n", "Sounds good."},
		{"original message", "Ok\n-----Original Message-----\nFrom: x\n", "Ok"},
		{"signature", "See you then.\n\n-- \nAnn Smith\nACME Inc.\n", "See you then."},
		{"phone", "On my way\n\nSent from my iPhone\n", "On my way"},
		{"quote only", "> old text\n", ""},
		{"from in the text stays", "From: my side it is fine.\nThanks", "From: my side it is fine.\nThanks"},
		{"multi paragraph", "First.\n\n\n\nSecond.\n", "First.\n\nSecond."},
	}
	for _, c := range cases {
		if got := replyText(c.body); got != c.want {
			t.Errorf("%s: replyText = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestBodyText(t *testing.T) {
	t.Parallel()
	const alt = "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nC=E1=BA=A3m =C6=A1n\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n--b--\r\n"
	got, err := bodyText(`multipart/alternative; boundary="b"`, "", strings.NewReader(alt), 0)
	if err != nil || got != "Cảm ơn" {
		t.Errorf("multipart/alternative: %q %v, want the decoded plain part", got, err)
	}
	const html = "--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPGRpdj5PayAmYW1wOyB0aGFua3M8YnI+QW5uPC9kaXY+PGJsb2NrcXVvdGU+b2xkPC9ibG9j\r\na3F1b3RlPg==\r\n--b--\r\n"
	got, err = bodyText(`multipart/mixed; boundary="b"`, "", strings.NewReader(html), 0)
	if err != nil || replyText(got) != "Ok & thanks\nAnn" {
		t.Errorf("base64 HTML: %q %v", got, err)
	}
	got, err = bodyText("text/plain; charset=iso-8859-1", "", strings.NewReader("caf\xe9"), 0)
	if err != nil || got != "café" {
		t.Errorf("latin-1: %q %v", got, err)
	}
}
