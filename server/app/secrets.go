package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/secretbox"
	"github.com/opensupport/livechat/server/settings"
)

// secretsKeyFile is where the secrets key lives when none is configured:
// beside the embedded database's data directory (./data/secrets.key by
// default), so `make run` works with no set-up and a backup of ./data
// holds both.
func (c *Config) secretsKeyFile() string {
	if c.SecretsKeyFile != "" {
		return c.SecretsKeyFile
	}
	return filepath.Join(filepath.Dir(filepath.Clean(c.PGData)), "secrets.key")
}

// openSecrets builds the Box from --secrets-key, or from the key file.
func (c *Config) openSecrets() (*secretbox.Box, error) {
	var keys [][]byte
	var err error
	if c.SecretsKey != "" {
		keys, err = secretbox.ParseKeys(c.SecretsKey)
		if err != nil {
			return nil, fmt.Errorf("--secrets-key: %w", err)
		}
	} else {
		keys, err = secretbox.LoadOrCreateKeyFile(c.secretsKeyFile())
		if err != nil {
			return nil, fmt.Errorf("secrets key file: %w", err)
		}
	}
	return secretbox.New(keys...)
}

// secretsCheck is the settings section holding a value sealed by the first
// instance that started: every later instance must open it.
const secretsCheck = "secrets"

type secretsCheckDoc struct {
	Check string `json:"check"`
}

// checkSecretsKey refuses to start an instance whose keys cannot open what
// the others seal: it would fail later, on the first webhook or mail, with
// a less clear error. The first start stores the check value.
func checkSecretsKey(ctx context.Context, store *settings.Store, box *secretbox.Box) error {
	const label = "settings.secrets.check"
	sealed, err := box.Seal([]byte("livechat"), label)
	if err != nil {
		return err
	}
	if _, err := store.Init(ctx, secretsCheck, secretsCheckDoc{Check: sealed}); err != nil {
		return err
	}
	var doc secretsCheckDoc
	if _, err := store.Get(ctx, secretsCheck, &doc); err != nil {
		return err
	}
	if _, err := box.Open(doc.Check, label); err != nil {
		if errors.Is(err, secretbox.ErrUnknownKey) {
			return errors.New("the secrets key differs from the one this database's other instances use: give every instance the same --secrets-key (see docs/deploy.md, \"Secrets at rest\")")
		}
		return fmt.Errorf("secrets key check: %w", err)
	}
	// After a rotation the check is sealed again with the new first key, so
	// the old one can be dropped once every secret is re-sealed.
	if box.NeedsReseal(doc.Check) {
		return store.Put(ctx, secretsCheck, secretsCheckDoc{Check: sealed}, uuid.Nil)
	}
	return nil
}
