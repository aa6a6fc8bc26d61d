package secretbox_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/opensupport/livechat/server/secretbox"
)

func key(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, secretbox.KeySize)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	box, err := secretbox.New(key(t))
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("whsec_very-secret")
	a, err := box.Seal(secret, "webhooks.secret")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := box.Seal(secret, "webhooks.secret")
	if a == b {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if strings.Contains(a, "very-secret") || !secretbox.IsSealed(a) {
		t.Fatalf("sealed value %q", a)
	}
	got, err := box.Open(a, "webhooks.secret")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	// The label is bound: the value does not open for another column.
	if _, err := box.Open(a, "mail.password"); err == nil {
		t.Fatal("a value sealed for one label opened for another")
	}
	// An altered value does not open.
	last := a[len(a)-1]
	flipped := a[:len(a)-1] + string("AB"[boolIndex(last == 'A')])
	if _, err := box.Open(flipped, "webhooks.secret"); err == nil {
		t.Fatal("an altered value opened")
	}
	if _, err := box.Open("plain text", "webhooks.secret"); !errors.Is(err, secretbox.ErrNotSealed) {
		t.Fatalf("Open(plain) = %v, want ErrNotSealed", err)
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRotation: with a new key first, old values still open, NeedsReseal
// names them, and new values use the new key; without the old key they no
// longer open, with an error that says why.
func TestRotation(t *testing.T) {
	oldKey, newKey := key(t), key(t)
	before, _ := secretbox.New(oldKey)
	sealed, _ := before.Seal([]byte("s"), "l")

	during, err := secretbox.New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := during.Open(sealed, "l"); err != nil || string(got) != "s" {
		t.Fatalf("old value after rotation: %q, %v", got, err)
	}
	if !during.NeedsReseal(sealed) {
		t.Fatal("a value sealed with the old key does not need re-sealing")
	}
	resealed, _ := during.Seal([]byte("s"), "l")
	if during.NeedsReseal(resealed) {
		t.Fatal("a value sealed with the current key needs re-sealing")
	}
	after, _ := secretbox.New(newKey)
	if _, err := after.Open(sealed, "l"); !errors.Is(err, secretbox.ErrUnknownKey) {
		t.Fatalf("old value without the old key: %v, want ErrUnknownKey", err)
	}
	if _, err := after.Open(resealed, "l"); err != nil {
		t.Fatal(err)
	}
}

func TestParseKeys(t *testing.T) {
	keys, err := secretbox.ParseKeys(" dGhlIGtleSBvZiBsaXZlY2hhdCB0ZXN0IHNlcnZlcnM= , dGhlIGtleSBvZiBsaXZlY2hhdCB0ZXN0IHNlcnZlcnM")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ParseKeys = %d keys, %v", len(keys), err)
	}
	for _, bad := range []string{"", "c2hvcnQ=", "not base64 at all!"} {
		if _, err := secretbox.ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		}
	}
}

// TestKeyFile: the first start creates a private key file, later starts
// (and starts racing the first) read the same key.
func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "secrets.key")
	var wg sync.WaitGroup
	got := make([][][]byte, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys, err := secretbox.LoadOrCreateKeyFile(path)
			if err != nil {
				t.Error(err)
			}
			got[i] = keys
		}()
	}
	wg.Wait()
	for _, keys := range got {
		if len(keys) != 1 || !bytes.Equal(keys[0], got[0][0]) {
			t.Fatal("concurrent starts read different keys")
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
}
