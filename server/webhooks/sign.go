package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// secretPrefix starts every secret, as Standard Webhooks spells it.
const secretPrefix = "whsec_"

// Sign returns the Standard Webhooks headers of one request: webhook-id,
// webhook-timestamp (Unix seconds) and webhook-signature ("v1," and the
// base64 HMAC-SHA256, keyed with the secret's base64-decoded part, of
// "<id>.<timestamp>.<body>").
func Sign(secret, msgID string, at time.Time, body []byte) (map[string]string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
	if err != nil || len(key) == 0 {
		return nil, errors.New("malformed webhook secret")
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msgID + "." + ts + "."))
	mac.Write(body)
	return map[string]string{
		"Content-Type":      "application/json",
		"User-Agent":        "livechat-webhooks/1",
		"webhook-id":        msgID,
		"webhook-timestamp": ts,
		"webhook-signature": "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)),
	}, nil
}
