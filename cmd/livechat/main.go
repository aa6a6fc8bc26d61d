// Command livechat is the livechat server: the API, the agent dashboard and
// the embeddable widget in one binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/server/app"
)

// Version and Commit are set at build time with -ldflags "-X main.Version=…".
var (
	Version = "dev"
	Commit  = ""
)

const usage = `livechat — self-hosted live chat for customer support

Usage:
  livechat serve [flags]     run the server (API, dashboard, widget)
  livechat migrate [flags]   apply pending database migrations and exit
  livechat agent create      add an agent or admin (password from stdin)
  livechat version           print the version and commit
  livechat attachments migrate-to-s3   move attachments from PostgreSQL to S3

Run "livechat <command> --help" for a command's flags. Every flag can also be
set by the environment variable shown in brackets.
`

// command is a subcommand: it parses its own flags from args.
type command func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

var commands = map[string]command{
	"serve":   serve,
	"migrate": migrate,
	"agent":   agent,
	"version": version,

	"attachments": attachmentsCmd,
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "livechat: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err := cmd(ctx, args[1:], stdin, stdout, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "livechat %s: %v\n", args[0], err)
		var usage usageError
		if errors.As(err, &usage) {
			fmt.Fprintf(stderr, "Run \"livechat %s --help\" for its flags.\n", usage.command)
			return 2
		}
		return 1
	}
	return 0
}

// usageError is a command line that could not be parsed: it is reported
// once, with a pointer to the help, and exits with status 2.
type usageError struct {
	command string
	err     error
}

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// newFlagSet returns a flag set that reports errors instead of exiting and
// prints nothing itself: parseFlags decides where help and errors go.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("livechat "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args into fs. Asked for help, it prints the usage to
// stdout (so that it can be paged or searched) and returns flag.ErrHelp;
// any other error is returned once, as a usageError, for run to print:
// the flag package would print it a second time, with the whole usage.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	if err != nil {
		return usageError{command: strings.TrimPrefix(fs.Name(), "livechat "), err: err}
	}
	return nil
}

func serve(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := newFlagSet("serve")
	cfg.RegisterServeFlags(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := app.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	log.Info("starting livechat", "version", Version, "commit", commit())
	raiseFileLimit(log)
	return app.Run(ctx, cfg, log)
}

func migrate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	var cfg app.Config
	fs := newFlagSet("migrate")
	cfg.RegisterDatabaseFlags(fs)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := app.NewLogger(stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	database, err := app.OpenDatabase(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer database.Close(context.Background())
	n, err := db.Migrate(ctx, database.Pool)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "applied %d migration(s); the database is up to date\n", n)
	return nil
}

func version(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
	fmt.Fprintf(stdout, "livechat %s\n", versionString())
	return nil
}

// versionString is the version, and the commit when the version does not
// already name it: a build from an untagged tree is versioned by its
// abbreviated commit ("f1266ca", "f1266ca-dirty").
func versionString() string {
	c := commit()
	short := c
	if len(short) > 7 {
		short = short[:7]
	}
	if c == "unknown" || strings.HasPrefix(Version, short) {
		return Version
	}
	return fmt.Sprintf("%s (commit %s)", Version, c)
}

// commit is the build's VCS revision: set by -ldflags, else read from the
// build info when the go command recorded it.
func commit() string {
	if Commit != "" {
		return Commit
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
