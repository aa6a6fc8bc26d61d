// Package secretbox seals the secrets the server must read back (webhook
// signing secrets, the SMTP password, widget identity-verification
// secrets) before they are stored, so a copy of the database alone — a
// backup, a replica, a dump handed to support — does not reveal them.
// Passwords and tokens that only need checking are hashed elsewhere, not
// sealed here.
//
// A sealed value is "v1.<key id>.<base64url(nonce ‖ AES-256-GCM ciphertext)>".
// The label (for example "webhooks.secret") is bound as associated data,
// so a sealed value copied into another column does not open there.
//
// Keys come from configuration. Several may be given: the first seals, all
// open, so a key is rotated by putting a new one first, letting the
// domains re-seal what NeedsReseal reports, and dropping the old key later.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

const prefix = "v1."

// ErrUnknownKey means a value was sealed with a key this instance was not
// given.
var ErrUnknownKey = errors.New("sealed with a key this server does not have; give every instance the same --secrets-key")

// ErrNotSealed means a value is not in the sealed format (for example a
// secret stored before sealing existed).
var ErrNotSealed = errors.New("not a sealed value")

// Box seals and opens values with the configured keys.
type Box struct {
	current string // id of the key that seals
	aeads   map[string]cipher.AEAD
}

// New returns a Box for keys; the first seals, every one opens.
func New(keys ...[]byte) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("secretbox: no key")
	}
	b := &Box{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, k := range keys {
		if len(k) != KeySize {
			return nil, fmt.Errorf("secretbox: key %d is %d bytes, not %d", i+1, len(k), KeySize)
		}
		block, err := aes.NewCipher(k)
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		id := keyID(k)
		if i == 0 {
			b.current = id
		}
		b.aeads[id] = aead
	}
	return b, nil
}

// keyID names a key without revealing it: the first 6 bytes of its SHA-256.
func keyID(k []byte) string {
	sum := sha256.Sum256(k)
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

// ParseKeys reads a comma-separated list of base64 keys (standard or URL
// alphabet, padded or not), as given by --secrets-key.
func ParseKeys(spec string) ([][]byte, error) {
	var keys [][]byte
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, err := decodeKey(part)
		if err != nil || len(k) != KeySize {
			return nil, fmt.Errorf("secrets key %d must be %d random bytes in base64 (for example the output of `openssl rand -base64 32`)", i+1, KeySize)
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, errors.New("no secrets key given")
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if k, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return k, nil
	}
	return base64.RawURLEncoding.DecodeString(s)
}

// LoadOrCreateKeyFile reads the keys in path (one spec as ParseKeys reads
// it); when the file does not exist it writes a new random key there,
// readable by the owner only. It serves single-machine installations; with
// several instances every one must be given the same keys.
func LoadOrCreateKeyFile(path string) ([][]byte, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		k := make([]byte, KeySize)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		// Write a temporary file, then link it into place: the link fails
		// when another process starting at the same time got there first
		// (its key is then read), and nobody ever reads a half-written file.
		tmp, err := os.CreateTemp(filepath.Dir(path), ".secrets-key-*")
		if err != nil {
			return nil, err
		}
		defer os.Remove(tmp.Name())
		if _, err := tmp.WriteString(base64.StdEncoding.EncodeToString(k) + "\n"); err != nil {
			tmp.Close()
			return nil, err
		}
		if err := tmp.Close(); err != nil {
			return nil, err
		}
		if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
			return LoadOrCreateKeyFile(path)
		} else if err != nil {
			return nil, err
		}
		return [][]byte{k}, nil
	}
	if err != nil {
		return nil, err
	}
	keys, err := ParseKeys(string(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// Seal encrypts plaintext for the column or purpose named by label.
func (b *Box) Seal(plaintext []byte, label string) (string, error) {
	aead := b.aeads[b.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, plaintext, []byte(label))
	return prefix + b.current + "." + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned for the same label.
func (b *Box) Open(sealed, label string) ([]byte, error) {
	id, body, ok := split(sealed)
	if !ok {
		return nil, ErrNotSealed
	}
	aead, ok := b.aeads[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrNotSealed
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, raw[:n], raw[n:], []byte(label))
	if err != nil {
		return nil, fmt.Errorf("open sealed %s: wrong label or altered value", label)
	}
	return plain, nil
}

// IsSealed reports whether s is in the sealed format, to tell a value
// stored before sealing existed from a sealed one while migrating.
func IsSealed(s string) bool {
	_, _, ok := split(s)
	return ok
}

// NeedsReseal reports whether sealed was sealed with a key other than the
// current one (or is not sealed at all), i.e. whether a rotation should
// seal it again.
func (b *Box) NeedsReseal(sealed string) bool {
	id, _, ok := split(sealed)
	return !ok || id != b.current
}

func split(s string) (id, body string, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", "", false
	}
	id, body, ok = strings.Cut(rest, ".")
	return id, body, ok && id != "" && body != ""
}
