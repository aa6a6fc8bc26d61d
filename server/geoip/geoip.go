// Package geoip locates client addresses in a MaxMind-format database file
// (.mmdb): MaxMind's GeoLite2-City or GeoIP2-City, DB-IP's city databases
// and any other file laid out the same way. None is shipped; an admin points
// --geoip-db at one.
//
// Such files are replaced weekly or monthly by an updater (geoipupdate, a
// cron job). DB notices a new file by its size and modification time, at
// most once a minute, and switches to it without a restart; a file that
// cannot be read is logged and the old one kept.
package geoip

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/oschwald/maxminddb-golang/v2"
)

// checkEvery is how often Locate looks whether the file was replaced.
const checkEvery = time.Minute

// DB is an open database file. It is safe for concurrent use.
type DB struct {
	path string
	log  *slog.Logger
	now  func() time.Time

	mu     sync.RWMutex
	r      *maxminddb.Reader
	stamp  stamp
	nextAt time.Time
	// checking is held by the one Locate that looks at the file, so the
	// others never wait for the disk.
	checking sync.Mutex
}

// stamp tells one version of the file from the next.
type stamp struct {
	size int64
	mod  time.Time
}

// record is what Locate reads of an entry: the country's ISO code and the
// city's English name (the databases carry no Vietnamese names; the
// dashboard names the country in the agent's language from its code).
type record struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
}

// Open opens the database at path. It fails when the file cannot be read or
// is not a MaxMind-format database.
func Open(path string, log *slog.Logger) (*DB, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &DB{path: path, log: log, now: time.Now}
	r, st, err := open(path)
	if err != nil {
		return nil, err
	}
	d.r, d.stamp, d.nextAt = r, st, d.now().Add(checkEvery)
	return d, nil
}

// open reads a private copy of the file at path. The reader maps its file
// into memory, and an admin who overwrites the file in place (cp instead of
// a rename) would change, or by truncating it fault, what is mapped; the
// copy is unlinked at once and lives while the mapping does.
func open(path string) (*maxminddb.Reader, stamp, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, stamp{}, fmt.Errorf("GeoIP database: %w", err)
	}
	defer src.Close()
	fi, err := src.Stat()
	if err != nil {
		return nil, stamp{}, fmt.Errorf("GeoIP database: %w", err)
	}
	tmp, err := os.CreateTemp("", "livechat-geoip-*.mmdb")
	if err != nil {
		return nil, stamp{}, fmt.Errorf("GeoIP database: a private copy: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, src)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, stamp{}, fmt.Errorf("GeoIP database: a private copy: %w", err)
	}
	r, err := maxminddb.Open(tmp.Name())
	if err != nil {
		return nil, stamp{}, fmt.Errorf("GeoIP database %s: not a MaxMind-format (.mmdb) file: %w", path, err)
	}
	return r, stamp{size: fi.Size(), mod: fi.ModTime()}, nil
}

// Type is the database's own name of its kind, e.g. "GeoLite2-City".
func (d *DB) Type() string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.r == nil {
		return ""
	}
	return d.r.Metadata.DatabaseType
}

// Locate returns the ISO 3166-1 alpha-2 code of the address's country and
// the English name of its city, "" for what the database does not know.
// Private, loopback and other non-public addresses are never looked up.
func (d *DB) Locate(ip netip.Addr) (country, city string) {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return "", ""
	}
	d.maybeReload()
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.r == nil {
		return "", ""
	}
	var rec record
	if err := d.r.Lookup(ip).Decode(&rec); err != nil {
		// A damaged entry locates nothing; the visitor's context is
		// still stored.
		d.log.Debug("GeoIP lookup failed", "err", err)
		return "", ""
	}
	return rec.Country.ISOCode, rec.City.Names["en"]
}

// maybeReload switches to a replaced file, at most once per checkEvery.
func (d *DB) maybeReload() {
	now := d.now()
	d.mu.RLock()
	due := !now.Before(d.nextAt)
	d.mu.RUnlock()
	if !due || !d.checking.TryLock() {
		return
	}
	defer d.checking.Unlock()
	fi, err := os.Stat(d.path)
	d.mu.Lock()
	d.nextAt = now.Add(checkEvery)
	same := err == nil && (stamp{size: fi.Size(), mod: fi.ModTime()}) == d.stamp
	d.mu.Unlock()
	if err != nil {
		d.log.Warn("GeoIP database unreadable; keeping the one loaded", "path", d.path, "err", err)
		return
	}
	if same {
		return
	}
	r, st, err := open(d.path)
	if err != nil {
		d.log.Warn("GeoIP database replaced by an unreadable file; keeping the one loaded", "path", d.path, "err", err)
		return
	}
	d.mu.Lock()
	old := d.r
	d.r, d.stamp = r, st
	d.mu.Unlock()
	// No lookup holds old now: they all take the read lock.
	if err := old.Close(); err != nil {
		d.log.Warn("closing the previous GeoIP database", "err", err)
	}
	d.log.Info("GeoIP database reloaded", "path", d.path, "type", r.Metadata.DatabaseType)
}

// Close releases the file.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.r == nil {
		return errors.New("GeoIP database already closed")
	}
	err := d.r.Close()
	d.r = nil
	return err
}
