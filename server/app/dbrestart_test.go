package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/pgembed"
)

// TestDatabaseRestartIsUnavailable restarts PostgreSQL while an agent keeps
// sending: every send that fails must say UNAVAILABLE (code and reason), so
// clients retry with the same client_message_id, and never INTERNAL; once
// the database is back, sends succeed again on the same server.
//
// The test owns its cluster (not the shared test server), so stopping it
// affects no other test.
func TestDatabaseRestartIsUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and restarts a PostgreSQL cluster")
	}
	// A data directory the cluster's account can reach, so a root run does
	// not relocate it outside the test's folder.
	tmp := t.TempDir()
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(filepath.Dir(tmp), 0o755)
	opts := pgembed.Options{DataDir: filepath.Join(tmp, "pg"), Database: "livechat", NoSync: true,
		Logger: slog.New(slog.DiscardHandler)}
	cluster := startCluster(t, opts)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, cluster.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if _, err := db.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	srv := apptest.NewOnPool(t, pool, func(c *app.Config) { c.ScryptLogN = 10 })

	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "mai", DisplayName: "Mai", Password: "correct horse"}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	sess, err := srv.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.GetWidget().GetSiteKey()})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	visitor := srv.NewClient(apptest.Bearer(sess.GetVisitorToken()))
	first, err := visitor.Widget.SendMessage(ctx, &livechatv1.WidgetServiceSendMessageRequest{Text: "hello", ClientMessageId: "v1"})
	if err != nil {
		t.Fatalf("visitor SendMessage: %v", err)
	}
	conv := first.GetConversation().GetId()

	n := 0
	send := func() error {
		n++
		callCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := admin.Conversation.SendMessage(callCtx, &livechatv1.SendMessageRequest{
			ConversationId: conv, Text: fmt.Sprintf("reply %d", n), ClientMessageId: fmt.Sprintf("a%d", n),
		})
		return err
	}
	if err := send(); err != nil {
		t.Fatalf("send before the restart: %v", err)
	}

	// Keep sending while the cluster stops (open connections get
	// admin_shutdown), is down (dials fail) and starts again.
	failures := 0
	check := func(err error) {
		if err == nil {
			return
		}
		failures++
		var ce *connect.Error
		if !errors.As(err, &ce) || ce.Code() != connect.CodeUnavailable {
			t.Fatalf("send during the restart: %v; want code unavailable", err)
		}
		if d := apperr.DetailOf(err); d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_UNAVAILABLE {
			t.Fatalf("send during the restart: %v; detail %v, want reason UNAVAILABLE", err, d)
		}
	}
	stopped := make(chan error, 1)
	go func() { stopped <- cluster.Stop(context.Background()) }()
	for done := false; !done; {
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatalf("stop the cluster: %v", err)
			}
			done = true
		default:
			check(send())
		}
	}
	for range 5 {
		check(send())
	}
	if failures == 0 {
		t.Fatal("no send failed while the database was down: the test did not test anything")
	}
	cluster = startCluster(t, opts)
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := send()
		if err == nil {
			break
		}
		check(err)
		if time.Now().After(deadline) {
			t.Fatalf("sends still fail 30 s after the database came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("%d sends failed with UNAVAILABLE while the database restarted", failures)
}

func startCluster(t *testing.T, opts pgembed.Options) *pgembed.Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := pgembed.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start PostgreSQL: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop(context.Background()) })
	return c
}
