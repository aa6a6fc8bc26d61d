package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// PasswordParams are the scrypt cost parameters. They are stored beside every
// hash, so they can be raised at any time: existing hashes keep verifying
// with their own parameters and are rehashed with the new ones at the next
// successful login.
type PasswordParams struct {
	// LogN is log2 of scrypt's CPU/memory cost N.
	LogN uint8
	// R is the block size, P the parallelism.
	R, P int
}

// DefaultPasswordParams cost about 140 ms and 32 MiB per hash on a small
// server core (N=2^15, r=8, p=1): slow for a guesser, quick enough that a
// login does not feel slow and a 1 GB VPS survives a burst of logins.
var DefaultPasswordParams = PasswordParams{LogN: 15, R: 8, P: 1}

const (
	saltLen = 16
	keyLen  = 32
	// hashScheme names the format: scrypt$<logN>$<r>$<p>$<salt>$<key>.
	hashScheme = "scrypt"
)

func (p PasswordParams) valid() bool {
	return p.LogN >= 1 && p.LogN <= 30 && p.R >= 1 && p.P >= 1 && p.R*p.P < 1<<30
}

// weakerThan reports whether hashes made with p should be rehashed with q.
func (p PasswordParams) weakerThan(q PasswordParams) bool {
	return p.LogN < q.LogN || p.R < q.R || p.P < q.P
}

// hashPassword returns the encoded scrypt hash of password with a fresh
// random salt.
func hashPassword(password string, params PasswordParams) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key, err := scrypt.Key([]byte(password), salt, 1<<params.LogN, params.R, params.P, keyLen)
	if err != nil {
		return "", fmt.Errorf("scrypt: %w", err)
	}
	enc := base64.RawStdEncoding
	return strings.Join([]string{hashScheme,
		strconv.Itoa(int(params.LogN)), strconv.Itoa(params.R), strconv.Itoa(params.P),
		enc.EncodeToString(salt), enc.EncodeToString(key)}, "$"), nil
}

var errMalformedHash = errors.New("malformed password hash")

// parseHash splits an encoded hash. It never includes the hash in errors.
func parseHash(encoded string) (params PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != hashScheme {
		return params, nil, nil, errMalformedHash
	}
	logN, err1 := strconv.ParseUint(parts[1], 10, 8)
	r, err2 := strconv.Atoi(parts[2])
	p, err3 := strconv.Atoi(parts[3])
	salt, err4 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err5 := base64.RawStdEncoding.DecodeString(parts[5])
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return params, nil, nil, errMalformedHash
	}
	params = PasswordParams{LogN: uint8(logN), R: r, P: p}
	if !params.valid() || len(key) == 0 {
		return params, nil, nil, errMalformedHash
	}
	return params, salt, key, nil
}

// verifyPassword reports whether password matches the encoded hash, and the
// parameters the hash was made with. The comparison takes constant time.
func verifyPassword(password, encoded string) (bool, PasswordParams, error) {
	params, salt, want, err := parseHash(encoded)
	if err != nil {
		return false, params, err
	}
	got, err := scrypt.Key([]byte(password), salt, 1<<params.LogN, params.R, params.P, len(want))
	if err != nil {
		return false, params, fmt.Errorf("scrypt: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, params, nil
}
