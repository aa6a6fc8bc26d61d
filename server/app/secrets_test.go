package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/settings"
)

// TestSecretsKeyMustMatch: an instance given another secrets key than the
// instances already running on the database refuses to start, saying so,
// instead of failing later on the first secret it cannot open. Adding a
// new key in front of the old one (a rotation) starts.
func TestSecretsKeyMustMatch(t *testing.T) {
	pool := dbtest.New(t)
	apptest.NewOnPool(t, pool) // stores the check with apptest.SecretsKey

	start := func(key string) error {
		a, err := app.New(app.Config{Listen: "127.0.0.1:0", ShutdownTimeout: time.Second, SecretsKey: key}, apptest.Logger(t), pool)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		return a.Start(ctx)
	}
	other := "YW5vdGhlciBrZXkgb2YgbGl2ZWNoYXQgdGVzdHMhISE="
	err := start(other)
	if err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("start with another key = %v, want a refusal naming --secrets-key", err)
	}
	if err := start(other + "," + apptest.SecretsKey); err != nil {
		t.Fatalf("start with a new key in front of the old one: %v", err)
	}
	// The rotation re-sealed the check: the new key alone now starts.
	if err := start(other); err != nil {
		t.Fatalf("start with the new key after the rotation: %v", err)
	}
}

// TestSettingsStore: a section absent keeps the caller's defaults; Put
// replaces it whole and records who changed it; Init writes only once.
func TestSettingsStore(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	store := settings.New(pool)
	type doc struct {
		Enabled bool `json:"enabled"`
		Days    int  `json:"days"`
	}
	got := doc{Days: 30}
	if found, err := store.Get(ctx, "retention", &got); err != nil || found || got.Days != 30 {
		t.Fatalf("Get(absent) = %v, %v, %+v", found, err, got)
	}
	if err := store.Put(ctx, "retention", doc{Enabled: true, Days: 7}, uuid.Nil); err != nil {
		t.Fatal(err)
	}
	if wrote, err := store.Init(ctx, "retention", doc{Days: 1}); err != nil || wrote {
		t.Fatalf("Init over a stored section = %v, %v", wrote, err)
	}
	got = doc{}
	if found, err := store.Get(ctx, "retention", &got); err != nil || !found || got != (doc{Enabled: true, Days: 7}) {
		t.Fatalf("Get = %v, %v, %+v", found, err, got)
	}
	if err := store.Put(ctx, "Not A Section", doc{}, uuid.Nil); err == nil {
		t.Fatal("a malformed section name was stored")
	}
}
