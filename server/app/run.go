package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/pgembed"
)

// DefaultPoolSize is how many database connections an instance opens at
// most, unless DATABASE_URL sets pool_max_conns. Live streams hold none;
// the realtime listener has one of its own on top.
const DefaultPoolSize = 16

// Database is an open connection pool, and the embedded PostgreSQL behind
// it when livechat runs its own.
type Database struct {
	Pool    *pgxpool.Pool
	cluster *pgembed.Cluster
}

// OpenDatabase connects to cfg.DatabaseURL, or starts the embedded
// PostgreSQL when it is empty.
func OpenDatabase(ctx context.Context, cfg Config, log *slog.Logger) (*Database, error) {
	d := &Database{}
	url := cfg.DatabaseURL
	if url == "" {
		cluster, err := pgembed.Start(ctx, pgembed.Options{DataDir: cfg.PGData, BinDir: cfg.PGBin, SmallMachine: true, Logger: log})
		if err != nil {
			return nil, err
		}
		d.cluster = cluster
		url = cluster.URL()
		log.Info("embedded PostgreSQL running", "data", cluster.DataDir())
	}
	pcfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		d.Close(ctx)
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (4 on two cores) makes concurrent sends queue for a
		// connection while each waits for its commit to be flushed; more
		// connections let PostgreSQL flush many commits at once.
		pcfg.MaxConns = DefaultPoolSize
	}
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err == nil {
		err = pool.Ping(ctx)
	}
	if err != nil {
		if pool != nil {
			pool.Close()
		}
		d.Close(ctx)
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	d.Pool = pool
	return d, nil
}

// Close closes the pool and stops the embedded PostgreSQL, if any.
func (d *Database) Close(ctx context.Context) {
	if d.Pool != nil {
		d.Pool.Close()
	}
	if d.cluster != nil {
		_ = d.cluster.Stop(ctx)
	}
}

// Run is `livechat serve`: it listens, opens the database, applies
// migrations unless told not to, and serves until ctx is done.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	// Listen first: an address in use is reported at once, not after an
	// embedded PostgreSQL has been started (and initialised) for nothing.
	ln, err := listen(cfg.Listen, "--listen", "LIVECHAT_LISTEN")
	if err != nil {
		return err
	}
	defer ln.Close() // Serve closes it too; a second Close is harmless
	// The side listeners open once the app exists; trying their addresses
	// now reports one in use before the database starts too.
	for _, side := range []struct{ addr, flag, env string }{
		{cfg.MetricsListen, "--metrics-listen", "LIVECHAT_METRICS_LISTEN"},
		{cfg.HTTPListen, "--http-listen", "LIVECHAT_HTTP_LISTEN"},
	} {
		if side.addr == "" || side.addr == "off" {
			continue
		}
		l, err := listen(side.addr, side.flag, side.env)
		if err != nil {
			return err
		}
		_ = l.Close()
	}

	database, err := OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close(context.Background())

	if !cfg.NoMigrate {
		n, err := db.Migrate(ctx, database.Pool)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("applied migrations", "count", n)
		}
	}

	a, err := New(cfg, log, database.Pool)
	if err != nil {
		return err
	}
	sideCtx, stopSide := context.WithCancel(ctx)
	waitSide, err := a.ServeSide(sideCtx)
	if err != nil {
		stopSide()
		return err
	}
	defer waitSide()
	defer stopSide()
	log.Info("livechat serving", "listen", ln.Addr().String(), "open", browseURL(cfg, ln.Addr()))
	if err := a.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// listen opens a listener; its error names the flag and the environment
// variable that set the address.
func listen(addr, flag, env string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			err = op.Err // "bind: address already in use", without repeating the address
		}
		return nil, fmt.Errorf("cannot listen on %s: %w; choose another address with %s or $%s", addr, err, flag, env)
	}
	return ln, nil
}

// browseURL is the address to print for people to open.
func browseURL(cfg Config, addr net.Addr) string {
	if cfg.PublicURL != "" {
		return cfg.PublicURL
	}
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("http://localhost:%d", port)
	}
	return "http://" + addr.String()
}
