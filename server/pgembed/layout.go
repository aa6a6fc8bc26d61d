package pgembed

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// relocateBase is where a root-run livechat keeps a cluster whose requested
// data directory the unprivileged cluster account cannot reach (for example
// anything under /root, or a `mktemp -d` folder). It is root-owned and 0755
// so that account can traverse it.
var relocateBase = "/var/lib/livechat"

// maxSocketDirLen keeps "<dir>/.s.PGSQL.5432.lock" below the ~107 bytes the
// kernel allows for a unix socket path.
const maxSocketDirLen = 107 - len("/.s.PGSQL.5432.lock") - 1

// account is the OS user the PostgreSQL processes run as.
type account struct {
	name     string
	uid, gid uint32
	// drop is true when livechat runs as root: initdb and postgres refuse to
	// run as root, so they are started with this account's credentials.
	drop bool
}

// clusterAccount picks who runs PostgreSQL. A non-root livechat runs it as
// itself. A root livechat cannot (PostgreSQL refuses), so it uses the
// "postgres" system user when the distribution created one (it exists for
// exactly this purpose), else "nobody" (uid/gid 65534). No account is ever
// created: changing the system's user database is the package manager's job.
func clusterAccount() account {
	if os.Geteuid() != 0 {
		name := strconv.Itoa(os.Geteuid())
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		return account{name: name, uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return account{name: name, uid: uint32(uid), gid: uint32(gid), drop: true}
	}
	return account{name: "nobody", uid: 65534, gid: 65534, drop: true}
}

// layout is where one cluster's files live.
type layout struct {
	requested string // absolute form of Options.DataDir
	dataDir   string // the cluster's PGDATA actually used
	socketDir string // unix socket, socket lock and livechat's own lock
	relocated bool   // dataDir is under relocateBase instead of requested
}

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:6])
}

// isCluster reports whether dir holds an initialized PostgreSQL cluster.
func isCluster(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "PG_VERSION"))
	return err == nil
}

// resolveLayout decides the data and socket directories. For a root livechat
// whose requested directory the cluster account cannot reach, the cluster
// lives in relocateBase/postgres-<hash of the requested path> instead; the
// same path always maps to the same place, and an existing relocated cluster
// keeps being used even if the requested path later becomes reachable, so
// data never seems to vanish between restarts.
func resolveLayout(requested string, acct account, log *slog.Logger) (layout, error) {
	abs, err := filepath.Abs(requested)
	if err != nil {
		return layout{}, fmt.Errorf("resolve data directory %q: %w", requested, err)
	}
	l := layout{requested: abs, dataDir: abs}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		l.dataDir = real
	}
	if acct.drop {
		fallback := filepath.Join(relocateBase, "postgres-"+shortHash(abs))
		switch {
		case isCluster(l.dataDir):
			if blocked := traversable(l.dataDir, acct); blocked != "" {
				return layout{}, fmt.Errorf("PostgreSQL data directory %s cannot be used: user %s, "+
					"which runs PostgreSQL because livechat runs as root, cannot enter %s; "+
					"make that folder traversable (chmod o+x), move the data directory, or run livechat as the data directory's owner",
					l.dataDir, acct.name, blocked)
			}
		case isCluster(fallback):
			l.dataDir, l.relocated = fallback, true
		default:
			if err := os.MkdirAll(filepath.Dir(l.dataDir), 0o755); err != nil {
				return layout{}, fmt.Errorf("create parent of data directory %s: %w", l.dataDir, err)
			}
			if blocked := traversable(l.dataDir, acct); blocked != "" {
				log.Warn("PostgreSQL cannot run in the requested data directory: "+
					"the account it runs as cannot enter a parent folder; using another location",
					"requested", abs, "blocked_at", blocked, "account", acct.name, "data_dir", fallback)
				l.dataDir, l.relocated = fallback, true
			}
		}
	}
	l.socketDir = l.dataDir + ".sock"
	if len(l.socketDir) > maxSocketDirLen {
		l.socketDir = filepath.Join("/tmp", "livechat-pg-"+shortHash(l.dataDir))
	}
	return l, nil
}

// traversable returns "" when acct can search every parent folder of path,
// else the first folder that stops it. It reads mode bits and ownership
// (ACLs are not considered): the cluster account runs with its primary group
// only, as that is how the server processes are started.
func traversable(path string, acct account) string {
	var parents []string
	for dir := filepath.Dir(path); ; dir = filepath.Dir(dir) {
		parents = append(parents, dir)
		if dir == filepath.Dir(dir) {
			break
		}
	}
	for i := len(parents) - 1; i >= 0; i-- {
		fi, err := os.Stat(parents[i])
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return "" // created later by us, 0755
			}
			return parents[i]
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return parents[i]
		}
		var bit fs.FileMode
		switch {
		case st.Uid == acct.uid:
			bit = 0o100
		case st.Gid == acct.gid:
			bit = 0o010
		default:
			bit = 0o001
		}
		if fi.Mode().Perm()&bit == 0 {
			return parents[i]
		}
	}
	return ""
}

// prepareDirs creates the data and socket directories with mode 0700, owned
// by the cluster account. The socket directory is checked to be a real
// directory owned by us, as it may live in /tmp where anyone can pre-create
// names.
func prepareDirs(l layout, acct account, log *slog.Logger) error {
	if l.relocated {
		if err := os.MkdirAll(relocateBase, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", relocateBase, err)
		}
		// MkdirAll honours the umask; the cluster account must traverse it.
		if err := os.Chmod(relocateBase, 0o755); err != nil {
			return fmt.Errorf("make %s traversable: %w", relocateBase, err)
		}
		if _, err := os.Lstat(l.requested); errors.Is(err, fs.ErrNotExist) {
			// Leave a pointer where the operator expects the data.
			if err := os.Symlink(l.dataDir, l.requested); err == nil {
				log.Info("PostgreSQL data lives elsewhere; left a symlink to it", "link", l.requested, "data_dir", l.dataDir)
			}
		}
	}
	if err := os.MkdirAll(l.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data directory %s: %w", l.dataDir, err)
	}
	if err := os.Chmod(l.dataDir, 0o700); err != nil {
		return fmt.Errorf("restrict data directory %s to its owner: %w", l.dataDir, err)
	}
	if err := os.Mkdir(l.socketDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create socket directory %s: %w", l.socketDir, err)
	}
	fi, err := os.Lstat(l.socketDir)
	if err != nil {
		return fmt.Errorf("check socket directory %s: %w", l.socketDir, err)
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || st == nil || (st.Uid != acct.uid && st.Uid != uint32(os.Geteuid())) {
		return fmt.Errorf("socket directory %s is not a directory owned by %s; remove it and start again", l.socketDir, acct.name)
	}
	if err := os.Chmod(l.socketDir, 0o700); err != nil {
		return fmt.Errorf("restrict socket directory %s to its owner: %w", l.socketDir, err)
	}
	if acct.drop {
		for _, dir := range []string{l.dataDir, l.socketDir} {
			if err := chownTree(dir, acct); err != nil {
				return err
			}
		}
	}
	return nil
}

// chownTree gives every file under dir to acct, touching only those owned by
// someone else so a restart of a large cluster stays cheap.
func chownTree(dir string, acct account) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("give %s to user %s: %w", path, acct.name, err)
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("give %s to user %s: %w", path, acct.name, err)
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == acct.uid && st.Gid == acct.gid {
			return nil
		}
		if err := os.Lchown(path, int(acct.uid), int(acct.gid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("give %s to user %s: %w", path, acct.name, err)
		}
		return nil
	})
}
