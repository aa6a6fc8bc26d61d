package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect/v2"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/apperr"
)

// schemaPollInterval is how often an instance waiting for its schema checks
// whether `livechat migrate` has run.
const schemaPollInterval = time.Second

// schemaGate holds the API back while the database schema is older than
// the binary: an instance started with --no-migrate before `livechat
// migrate` has run serves its health endpoints, /readyz (which reports the
// pending migrations), the dashboard and the widget files, and answers the
// API with UNAVAILABLE, instead of failing on tables that do not exist yet.
type schemaGate struct {
	// behind is true until the schema is current and the realtime hub runs.
	behind atomic.Bool
	// once makes a second Start (Serve after a test's own) a no-op that
	// returns the first one's result.
	once sync.Once
	err  error
}

// startWhenMigrated starts the realtime hub now when the schema is current.
// Otherwise it holds the API back and starts the hub, in the background,
// once the migrations have been applied, until ctx is done. Only the first
// call does anything.
func (a *App) startWhenMigrated(ctx context.Context) error {
	a.schema.once.Do(func() { a.schema.err = a.startOrWait(ctx) })
	return a.schema.err
}

func (a *App) startOrWait(ctx context.Context) error {
	pending, err := db.Pending(ctx, a.pool)
	if err != nil {
		return apperr.Wrap(apperr.Unavailable, err, "read the migration status")
	}
	if pending == 0 {
		return a.startServices(ctx)
	}
	a.schema.behind.Store(true)
	a.log.Warn("the database schema is not current: the API answers UNAVAILABLE and /readyz reports the migrations pending until `livechat migrate` applies them",
		"pending", pending)
	go a.awaitSchema(ctx)
	return nil
}

// awaitSchema polls the migration status until none is pending, then
// starts the hub and lets the API through.
func (a *App) awaitSchema(ctx context.Context) {
	t := time.NewTicker(schemaPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := db.Pending(ctx, a.pool); err != nil || n > 0 {
			continue
		}
		if err := a.startServices(ctx); err != nil {
			// Start runs once: a failure here (the instance is shutting
			// down, the database went away, or the secrets key differs)
			// cannot be retried.
			a.log.Error("the schema is current but the server did not start", "err", err)
			return
		}
		a.schema.behind.Store(false)
		a.log.Info("the database schema is current; serving the API")
		return
	}
}

// schemaInterceptor answers the API's procedures with UNAVAILABLE while the
// schema is behind. It runs before authentication, which reads the
// database too. Reflection and the health service need no schema.
func (a *App) schemaInterceptor(next connect.ServerFunc) connect.ServerFunc {
	return func(ctx context.Context, spec connect.Spec, stream connect.ServerStream) error {
		if a.schema.behind.Load() && strings.HasPrefix(spec.Procedure, "/livechat.") {
			return apperr.New(apperr.Unavailable, "the database schema is not current yet: migrations are pending (see /readyz); try again later")
		}
		return next(ctx, spec, stream)
	}
}

// startServices runs what needs the current schema: the secrets key check,
// the realtime hub, then what reads from it (the routing queue's drainer and
// webhook delivery) and the periodic purges.
func (a *App) startServices(ctx context.Context) error {
	if err := checkSecretsKey(ctx, a.settings, a.secrets); err != nil {
		return err
	}
	// Identity secrets stored in plain text by an older version, or sealed
	// under a key that is no longer the first, are sealed with the current
	// key before anyone can use them.
	if n, err := a.widgets.SealIdentitySecrets(ctx); err != nil {
		return fmt.Errorf("seal the widgets' identity secrets: %w", err)
	} else if n > 0 {
		a.log.Info("sealed widget identity secrets with the current secrets key", "widgets", n)
	}
	if err := a.hub.Start(ctx); err != nil {
		return err
	}
	go a.router.Run(ctx)
	a.startDelivery(ctx)
	go a.audit.RunPurges(ctx, purgeInterval)
	go a.privacy.RunRetentions(ctx, purgeInterval)
	return nil
}

// startDelivery runs webhook delivery until ctx is done or the instance
// shuts down.
func (a *App) startDelivery(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(a.deliveryCtx, cancel)
	go a.webhooks.Run(ctx)
}

// purgeInterval is how often each instance runs the retention purges (one
// instance at a time does the work).
const purgeInterval = time.Hour
