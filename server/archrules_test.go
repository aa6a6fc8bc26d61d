// Package server_test holds the rules that keep the server's shape: which
// packages may depend on the transport and the driver, and where SQL may be
// written. docs/architecture.md explains the layers; this test makes them
// hold. `make lint` runs it.
package server_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// module is the module path every import of ours starts with.
const module = "github.com/opensupport/livechat"

// The kinds of package under server/. A package not listed as an adapter
// or as infrastructure is a domain (or shared vocabulary of the domains),
// so a new package is held to the domain rules unless someone decides
// otherwise here, with the reason.
var (
	// adapters convert between the transport and the domains: the
	// <domain>api handler packages (matched by name) and the HTTP wiring.
	adapters = []string{"server/app", "server/apptest"}

	// infrastructure may use the transport or the driver directly, for
	// the reason given.
	infrastructure = map[string]string{
		"server/apperr":   "maps errors to Connect codes and details, in one place",
		"server/reqinfo":  "reads the client address and TLS state of a call",
		"server/metrics":  "exports the pool's statistics",
		"server/realtime": "holds the LISTEN connection and serves every stream",
		"server/dbtest":   "creates test databases",
		"server/pgembed":  "runs PostgreSQL itself",
		"server/scaleout": "tests several server processes",
		"server/outbound": "sends the server's own HTTP requests, guarded against SSRF at dial time",
		"server/mailpit":  "runs the Mailpit mail server for tests",
	}

	// forbidden are the imports a domain package must not have: the
	// transport (Connect and the generated Connect package) and the driver
	// (the database edge in db/ translates its errors once).
	forbidden = []string{
		"connectrpc.com/",
		module + "/gen/go/livechat/v1/livechatv1connect",
		"github.com/jackc/pgx/",
		"net/http",
	}

	// sqlAllowed are the places outside db/ where SQL text may appear.
	sqlAllowed = map[string]string{
		"server/pgembed":     "creates the database it serves, before any schema exists",
		"cmd/livechat-bench": "measures a bare INSERT as the baseline of the benchmarks",
	}
)

// root is the module's directory.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: %v", dir, err)
	}
	return dir
}

// srcFile is a parsed Go file and its path relative to the module.
type srcFile struct {
	path string
	*ast.File
}

// goPackages returns, for every directory under the given ones holding
// non-test Go files, the parsed non-test files (relative dir → files).
func goPackages(t *testing.T, rootDir string, under ...string) map[string][]srcFile {
	t.Helper()
	fset := token.NewFileSet()
	out := map[string][]srcFile{}
	for _, u := range under {
		err := filepath.WalkDir(filepath.Join(rootDir, u), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if name := d.Name(); name == "node_modules" || name == "testdata" || strings.HasPrefix(name, ".") {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(rootDir, path)
			rel = filepath.ToSlash(rel)
			dir := filepath.ToSlash(filepath.Dir(rel))
			out[dir] = append(out[dir], srcFile{rel, f})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func isAdapter(dir string) bool {
	return slices.Contains(adapters, dir) || strings.HasSuffix(filepath.Base(dir), "api")
}

// TestDomainsKnowNeitherTransportNorDriver: a domain package (auth, chat,
// widgets, and any new package under server/) imports neither Connect, nor
// the generated Connect package, nor net/http, nor pgx, nor an adapter.
// Handlers in <domain>api convert; the database edge in db/ translates.
func TestDomainsKnowNeitherTransportNorDriver(t *testing.T) {
	rootDir := root(t)
	pkgs := goPackages(t, rootDir, "server")
	domains := 0
	for dir, files := range pkgs {
		if isAdapter(dir) || infrastructure[dir] != "" {
			continue
		}
		domains++
		for _, f := range files {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if path == bad || strings.HasPrefix(path, bad) {
						t.Errorf("%s imports %s: domain packages know neither the transport nor the driver (see docs/architecture.md)",
							f.path, path)
					}
				}
				if strings.HasPrefix(path, module+"/server/") {
					target := strings.TrimPrefix(path, module+"/")
					if isAdapter(target) {
						t.Errorf("%s imports the adapter %s: adapters depend on domains, not the other way", f.path, path)
					}
				}
			}
		}
	}
	if domains < 3 {
		t.Fatalf("found %d domain packages; the test no longer sees auth, chat and widgets", domains)
	}
}

// TestDomainsTakeTheCallerAsAnArgument: caller identity arrives one way.
// A handler reads principal.From(ctx) once and passes the typed caller
// (principal.Agent or principal.Visitor) to the domain; a domain reading
// the context for it would be a second way, and one that hides which
// methods act for a caller.
func TestDomainsTakeTheCallerAsAnArgument(t *testing.T) {
	rootDir := root(t)
	for dir, files := range goPackages(t, rootDir, "server") {
		if isAdapter(dir) || infrastructure[dir] != "" || dir == "server/principal" {
			continue
		}
		for _, f := range files {
			ast.Inspect(f.File, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "principal" && sel.Sel.Name == "From" {
					t.Errorf("%s calls principal.From: take the caller as a principal.Agent or principal.Visitor argument from the handler", f.path)
				}
				return true
			})
		}
	}
}

// sqlText matches a string that is an SQL statement.
var sqlText = regexp.MustCompile(`(?is)^\s*(SELECT\s.*\sFROM\s|SELECT\s+(\d|\*|\$|EXISTS\b|count\()|INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s|WITH\s+\S+\s+AS\s*\(|(CREATE|ALTER|DROP)\s+(TABLE|INDEX|DATABASE|ROLE|SCHEMA|FUNCTION|TRIGGER)\s|TRUNCATE\s)|^\s*(?-i:LISTEN|NOTIFY|UNLISTEN)(\s|$)`)

// TestSQLLivesInDB: SQL is written in db/queries (sqlc) and db/migrations,
// and run through db/; no Go file elsewhere holds SQL text, except the few
// infrastructure places in sqlAllowed. Tests may arrange their data with
// SQL and are not checked.
func TestSQLLivesInDB(t *testing.T) {
	rootDir := root(t)
	pkgs := goPackages(t, rootDir, "server", "cmd")
	for dir, files := range pkgs {
		if sqlAllowed[dir] != "" {
			continue
		}
		for _, f := range files {
			ast.Inspect(f.File, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && sqlText.MatchString(s) {
					t.Errorf("%s holds SQL text %q: write it in db/queries and call it through db/", f.path, short(s))
				}
				return true
			})
		}
	}
}

// TestTheRulesCatchViolations keeps the two rules honest: each must flag a
// sample of what it forbids.
func TestTheRulesCatchViolations(t *testing.T) {
	for _, s := range []string{"SELECT 1", "SELECT EXISTS (SELECT FROM pg_database)", "select id from agents", "INSERT INTO t VALUES (1)", "LISTEN events", "LISTEN ", "DELETE FROM x"} {
		if !sqlText.MatchString(s) {
			t.Errorf("the SQL rule misses %q", s)
		}
	}
	for _, s := range []string{"selected", "Select a widget", "update the widget", "listen on %s: %w"} {
		if sqlText.MatchString(s) {
			t.Errorf("the SQL rule flags plain text %q", s)
		}
	}
	if !isAdapter("server/chat/chatapi") || isAdapter("server/chat") {
		t.Error("adapter packages are the <domain>api ones")
	}
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
