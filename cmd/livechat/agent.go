package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/auth"
)

const agentUsage = `Usage:
  livechat agent create --username NAME [--display-name TEXT] [--role agent|admin] [flags]

Creates an agent directly in the database, for example the first admin of a
headless installation. The password is read from $LIVECHAT_AGENT_PASSWORD
when set, otherwise from the first line of standard input:

  echo "$PASSWORD" | livechat agent create --username lan --role admin
`

// agent is `livechat agent …`: agent administration without the server.
func agent(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stdout, agentUsage)
		return flag.ErrHelp
	}
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, agentUsage)
		return errors.New(`the only subcommand is "create"`)
	}
	var cfg app.Config
	var in auth.NewAgent
	var role string
	fs := newFlagSet("agent create")
	fs.Usage = func() { fmt.Fprint(fs.Output(), agentUsage, "\nFlags:\n"); fs.PrintDefaults() }
	cfg.RegisterDatabaseFlags(fs)
	cfg.RegisterPasswordFlags(fs)
	fs.StringVar(&in.Username, "username", "", "username: 3–32 of a-z 0-9 . _ - (required)")
	fs.StringVar(&in.DisplayName, "display-name", "", "name shown to customers and colleagues (default: the username)")
	fs.StringVar(&role, "role", "agent", "agent or admin")
	if err := parseFlags(fs, args[1:], stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (the password is read from $LIVECHAT_AGENT_PASSWORD or stdin)", fs.Arg(0))
	}
	if in.Username == "" {
		return errors.New("--username is required")
	}
	if in.DisplayName == "" {
		in.DisplayName = in.Username
	}
	in.Role = auth.Role(role)
	if in.Role != auth.RoleAgent && in.Role != auth.RoleAdmin {
		return fmt.Errorf("--role must be agent or admin, not %q", role)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	pw, err := readPassword(stdin)
	if err != nil {
		return err
	}
	in.Password = pw
	// Check the input before starting a database for nothing.
	if _, err := auth.NormalizeUsername(in.Username); err != nil {
		return errors.New(publicMessage(err))
	}
	if err := auth.ValidatePassword(in.Password); err != nil {
		return errors.New(publicMessage(err))
	}

	database, log, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer database.Close(context.Background())
	svc := auth.NewService(database.Pool, nil, auth.Config{Password: auth.PasswordParams{LogN: cfg.ScryptLogN, R: 8, P: 1}, Log: log})
	a, err := svc.CreateAgent(ctx, in)
	if err != nil {
		return errors.New(publicMessage(err))
	}
	fmt.Fprintf(stdout, "created %s %s (%s), id %s\n", a.Role, a.Username, a.DisplayName, a.ID)
	return nil
}

// readPassword takes the password from $LIVECHAT_AGENT_PASSWORD or the
// first line of stdin. It never echoes or logs it.
func readPassword(stdin io.Reader) (string, error) {
	if pw, ok := os.LookupEnv("LIVECHAT_AGENT_PASSWORD"); ok {
		return pw, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: set $LIVECHAT_AGENT_PASSWORD or pipe it on stdin")
	}
	return line, nil
}

// publicMessage is the message of a coded error (without its cause), the
// whole error otherwise.
func publicMessage(err error) string {
	var e *apperr.Error
	if errors.As(err, &e) && e.Reason.Code() != apperr.CodeInternal {
		return e.Message
	}
	return err.Error()
}
