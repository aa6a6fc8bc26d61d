package mail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

// A visitor's first message is written in a transaction that also reads the
// mail settings. Read through the pool, that second connection is never
// free once every pooled connection holds such a transaction: with more
// first messages at once than connections, every one of them waited
// forever. Read through the transaction, they all go through.
func TestFirstMessagesWithEveryConnectionBusy(t *testing.T) {
	t.Parallel()
	cfg, err := pgxpool.ParseConfig(dbtest.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 2
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	srv := apptest.NewOnPool(t, pool, func(c *app.Config) { c.ScryptLogN = 10 })
	admin := srv.NewClient(nil)
	if _, err := admin.Auth.Setup(ctx(t), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: apptest.TeamPassword}); err != nil {
		t.Fatal(err)
	}
	w, err := admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Acme"}})
	if err != nil {
		t.Fatal(err)
	}
	const visitors = 12
	clients := make([]*apptest.Client, visitors)
	for i := range clients {
		res, err := srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
		if err != nil {
			t.Fatal(err)
		}
		clients[i] = srv.NewClient(apptest.Bearer(res.VisitorToken))
	}

	c, cancel := context.WithTimeout(ctx(t), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, visitors)
	for i, v := range clients {
		wg.Go(func() {
			_, err := v.Widget.SendMessage(c, &livechatv1.WidgetServiceSendMessageRequest{
				Text: fmt.Sprintf("Hello from visitor %d", i), ClientMessageId: uuid.NewString(),
			})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("first message: %v", err)
		}
	}
}
