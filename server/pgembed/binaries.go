package pgembed

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNoBinaries is returned (wrapped) by Start when no PostgreSQL server
// binaries can be found. The wrapping error lists the places searched and
// explains how to install PostgreSQL or point livechat at an existing server,
// so it can be shown to the operator as is.
var ErrNoBinaries = errors.New("PostgreSQL server binaries not found")

// noBinariesError carries the searched locations; errors.Is(err,
// ErrNoBinaries) holds for it.
type noBinariesError struct {
	looked []string
}

func (e *noBinariesError) Error() string {
	return fmt.Sprintf("%s (looked in: %s). Install PostgreSQL 15+ "+
		"(Debian/Ubuntu: apt-get install postgresql) or set PG_BIN to its bin "+
		"directory, or set DATABASE_URL to use an existing server.",
		ErrNoBinaries, strings.Join(e.looked, ", "))
}

func (e *noBinariesError) Unwrap() error { return ErrNoBinaries }

// requiredBinaries are the programs Start runs; a candidate directory is only
// accepted when it holds all of them, so a client-only install (psql without
// the server) is not mistaken for a usable one.
var requiredBinaries = []string{"initdb", "postgres"}

// findBinDir returns the first directory holding the server binaries. An
// explicit directory (Options.BinDir) is the only candidate when given, so a
// typo there is reported instead of silently running another version. When
// the cluster already exists, its major version (clusterMajor) is preferred
// among Debian's side-by-side installs, so installing a newer PostgreSQL does
// not break an existing cluster.
func findBinDir(explicit, clusterMajor string) (string, error) {
	var candidates []string
	if explicit != "" {
		candidates = []string{explicit}
	} else {
		if env := os.Getenv("PG_BIN"); env != "" {
			candidates = append(candidates, env)
		}
		if clusterMajor != "" {
			candidates = append(candidates, filepath.Join("/usr/lib/postgresql", clusterMajor, "bin"))
		}
		if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
			if dir := strings.TrimSpace(string(out)); dir != "" {
				candidates = append(candidates, dir)
			}
		}
		candidates = append(candidates, debianBinDirs()...)
		candidates = append(candidates, "/usr/local/pgsql/bin")
	}
	for _, dir := range candidates {
		if hasBinaries(dir) {
			abs, err := filepath.Abs(dir)
			if err != nil {
				return "", fmt.Errorf("resolve PostgreSQL bin directory %q: %w", dir, err)
			}
			return abs, nil
		}
	}
	looked := candidates
	if explicit == "" {
		looked = append(looked[:0:0], candidates...)
		looked = append(looked, "/usr/lib/postgresql/*/bin")
	}
	return "", &noBinariesError{looked: dedupe(looked)}
}

// debianBinDirs lists /usr/lib/postgresql/<version>/bin, newest version first,
// which is where Debian and Ubuntu install the server (not on PATH).
func debianBinDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	sort.SliceStable(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	return dirs
}

func hasBinaries(dir string) bool {
	for _, name := range requiredBinaries {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
