package totp

import (
	"strings"
	"testing"
	"time"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// TestRFC6238Vectors checks the SHA-1 rows of RFC 6238 Appendix B (8 digits).
func TestRFC6238Vectors(t *testing.T) {
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	} {
		if got := Code(rfcSecret, Counter(time.Unix(v.unix, 0)), 8); got != v.want {
			t.Errorf("T=%d: got %s, want %s", v.unix, got, v.want)
		}
	}
}

func TestVerifyWindowAndReplay(t *testing.T) {
	now := time.Unix(1111111111, 0)
	cur := Counter(now)
	for _, d := range []int64{-1, 0, 1} {
		code := Code(rfcSecret, cur+d, Digits)
		step, ok := Verify(rfcSecret, code, now, -1)
		if !ok || step != cur+d {
			t.Errorf("offset %d: ok=%v step=%d", d, ok, step)
		}
	}
	for _, d := range []int64{-2, 2} {
		if _, ok := Verify(rfcSecret, Code(rfcSecret, cur+d, Digits), now, -1); ok {
			t.Errorf("offset %d accepted", d)
		}
	}
	// The step already accepted, and any before it, is refused.
	code := Code(rfcSecret, cur, Digits)
	if _, ok := Verify(rfcSecret, code, now, cur); ok {
		t.Error("replayed code accepted")
	}
	if _, ok := Verify(rfcSecret, Code(rfcSecret, cur+1, Digits), now, cur); !ok {
		t.Error("a later step after an accepted one was refused")
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef"} {
		if _, ok := Verify(rfcSecret, bad, now, -1); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestURIAndSecret(t *testing.T) {
	s, err := NewSecret()
	if err != nil || len(s) != SecretSize {
		t.Fatalf("NewSecret: %v %d", err, len(s))
	}
	u := URI("Livechat", "ann", rfcSecret)
	if !strings.HasPrefix(u, "otpauth://totp/Livechat:ann?") || !strings.Contains(u, "secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") {
		t.Errorf("URI = %s", u)
	}
}
