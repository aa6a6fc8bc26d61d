package webhooks_test

import (
	"crypto/rand"
	"testing"

	"github.com/opensupport/livechat/server/secretbox"
	"github.com/opensupport/livechat/server/webhooks"
)

// newSealer is a secretbox with a fresh key, as the app builds one.
func newSealer(t *testing.T) webhooks.Sealer {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}
