package limits_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
)

func TestClean(t *testing.T) {
	cases := []struct {
		name      string
		in        string
		multiline bool
		want      string
		reason    apperr.Reason
	}{
		{"trimmed", "  hi  ", false, "hi", ""},
		{"exactly the limit", strings.Repeat("é", 10), false, strings.Repeat("é", 10), ""},
		{"one over", strings.Repeat("é", 11), false, "", apperr.TextTooLong},
		{"blank", " \n\t ", true, "", apperr.TextEmpty},
		{"invalid UTF-8", "a\xff", false, "", apperr.TextInvalid},
		{"newline in a single line", "a\nb", false, "", apperr.TextInvalid},
		{"newline and tab in multiline", "a\n\tb", true, "a\n\tb", ""},
		{"carriage return", "a\rb", true, "", apperr.TextInvalid},
		{"NUL", "a\x00b", true, "", apperr.TextInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := limits.Clean("text", tc.in, 10, tc.multiline)
			if tc.reason == "" {
				if err != nil || got != tc.want {
					t.Fatalf("Clean = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if !apperr.Is(err, tc.reason) {
				t.Fatalf("Clean error = %v; want reason %s", err, tc.reason)
			}
			var e *apperr.Error
			_ = errors.As(err, &e)
			if e.Field != "text" {
				t.Fatalf("field = %q", e.Field)
			}
			if tc.reason == apperr.TextTooLong && e.Limit != 10 {
				t.Fatalf("limit = %d", e.Limit)
			}
		})
	}
	if got, err := limits.CleanOptional("email", "  ", 10, false); got != "" || err != nil {
		t.Fatalf("CleanOptional blank = %q, %v", got, err)
	}
}

func TestProtoCarriesTheLimits(t *testing.T) {
	p := limits.Proto()
	if p.GetMessageText() != limits.MessageText || p.GetSearchQuery() != limits.SearchQuery ||
		p.GetPasswordMin() != limits.PasswordMin || p.GetCustomerField() != limits.CustomerField {
		t.Fatalf("Proto() = %v", p)
	}
}
