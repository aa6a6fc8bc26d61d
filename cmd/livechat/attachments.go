package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/pgstore"
	"github.com/opensupport/livechat/server/attachments/s3store"
)

const attachmentsUsage = `Usage: livechat attachments migrate-to-s3 [flags]

Moves every attachment kept in PostgreSQL to the S3 store given by the --s3-*
flags, one file at a time: copied, recorded, then deleted from PostgreSQL.
Servers keep serving while it runs (they read both stores); run it again to
carry on after an interruption. Afterwards start the servers with
--attachment-store=s3 so new files go to S3 too.
`

func attachmentsCmd(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, attachmentsUsage)
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "migrate-to-s3" {
		fmt.Fprint(stderr, attachmentsUsage)
		return errors.New(`the only subcommand is "migrate-to-s3"`)
	}
	var cfg app.Config
	fs := newFlagSet("attachments migrate-to-s3")
	fs.Usage = func() { fmt.Fprint(fs.Output(), attachmentsUsage, "\nFlags:\n"); fs.PrintDefaults() }
	cfg.RegisterDatabaseFlags(fs)
	cfg.RegisterS3Flags(fs)
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if cfg.S3.URL == "" {
		return errors.New("--s3-url is required")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	database, log, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer database.Close(context.Background())
	cfg.AttachmentStore = s3store.Name
	s3, others, err := app.AttachmentStores(cfg, database.Pool)
	if err != nil {
		return err
	}
	svc := attachments.New(database.Pool, s3, attachments.Config{}, log, others...)
	n, err := svc.MoveAll(ctx, pgstore.Name, s3, func(n int) {
		if n%100 == 0 {
			fmt.Fprintf(stdout, "moved %d files\n", n)
		}
	})
	fmt.Fprintf(stdout, "moved %d files from PostgreSQL to S3\n", n)
	return err
}

// openMigrated opens the configured database (the embedded one or
// --database-url) and applies pending migrations, for the commands that
// work on the data directly.
func openMigrated(ctx context.Context, cfg app.Config, stderr io.Writer) (*app.Database, *slog.Logger, error) {
	log, err := app.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return nil, nil, err
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if _, err := db.Migrate(ctx, database.Pool); err != nil {
		database.Close(context.Background())
		return nil, nil, err
	}
	return database, log, nil
}
