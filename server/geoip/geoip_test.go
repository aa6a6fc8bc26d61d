package geoip

import (
	"net/netip"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opensupport/livechat/server/geoip/geoiptest"
)

func TestLocate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "city.mmdb")
	geoiptest.Write(t, path,
		geoiptest.Place{Network: "81.2.69.0/24", Country: "GB", City: "London"},
		geoiptest.Place{Network: "14.160.0.0/16", Country: "VN", City: "Hanoi"},
		geoiptest.Place{Network: "2001:ee0::/32", Country: "VN", City: ""},
		geoiptest.Place{Network: "10.0.0.0/8", Country: "US", City: "Private"},
	)
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if db.Type() != "Test-City" {
		t.Errorf("Type = %q", db.Type())
	}
	for _, c := range []struct {
		ip, country, city string
	}{
		{"81.2.69.142", "GB", "London"},
		{"14.160.32.7", "VN", "Hanoi"},
		{"::ffff:14.160.32.7", "VN", "Hanoi"}, // an IPv4 client on a dual-stack listener
		{"2001:ee0:4141::1", "VN", ""},        // a country without a city
		{"8.8.8.8", "", ""},                   // not in the database
		{"10.1.2.3", "", ""},                  // private: never looked up, whatever the file says
		{"127.0.0.1", "", ""},
		{"::1", "", ""},
		{"169.254.1.1", "", ""},
	} {
		country, city := db.Locate(netip.MustParseAddr(c.ip))
		if country != c.country || city != c.city {
			t.Errorf("Locate(%s) = %q, %q; want %q, %q", c.ip, country, city, c.country, c.city)
		}
	}
	if country, city := db.Locate(netip.Addr{}); country != "" || city != "" {
		t.Errorf("Locate(zero) = %q, %q", country, city)
	}
}

// TestReload: a replaced file is used from the next check on, without a
// restart; a broken replacement keeps the old one.
func TestReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "city.mmdb")
	geoiptest.Write(t, path, geoiptest.Place{Network: "81.2.69.0/24", Country: "GB", City: "London"})
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	db.now = func() time.Time { return now }
	ip := netip.MustParseAddr("81.2.69.142")

	geoiptest.Write(t, path, geoiptest.Place{Network: "81.2.69.0/24", Country: "FR", City: "Paris"}, geoiptest.Place{Network: "14.160.0.0/16", Country: "VN", City: "Hanoi"})
	if c, _ := db.Locate(ip); c != "GB" {
		t.Fatalf("before the check: %q, want the loaded file's GB", c)
	}
	now = now.Add(checkEvery)
	if c, city := db.Locate(ip); c != "FR" || city != "Paris" {
		t.Fatalf("after the check: %q %q, want FR Paris", c, city)
	}
	if c, _ := db.Locate(netip.MustParseAddr("14.160.1.1")); c != "VN" {
		t.Fatalf("new network: %q", c)
	}

	// Overwritten in place (not renamed), with something that is not a
	// database: the loaded copy is unharmed and stays.
	if err := os.WriteFile(path, []byte("not a database, but a different size"), 0o600); err != nil {
		t.Fatal(err)
	}
	now = now.Add(checkEvery)
	if c, _ := db.Locate(ip); c != "FR" {
		t.Fatalf("after a broken replacement: %q, want the previous file's FR", c)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	now = now.Add(checkEvery)
	if c, _ := db.Locate(ip); c != "FR" {
		t.Fatalf("after the file vanished: %q, want FR", c)
	}
}

func TestOpenRefusesWhatIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing.mmdb"), nil); err == nil {
		t.Error("a missing file opened")
	}
	bad := filepath.Join(dir, "bad.mmdb")
	if err := os.WriteFile(bad, []byte("GeoLite2 but not really"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(bad, nil); err == nil {
		t.Error("a file that is not a database opened")
	}
}

// TestConcurrentLookupsDuringReload: lookups never touch a closed file
// (run with -race).
func TestConcurrentLookupsDuringReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "city.mmdb")
	geoiptest.Write(t, path, geoiptest.Place{Network: "81.2.69.0/24", Country: "GB", City: "London"})
	db, err := Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tick atomic.Int64
	start := time.Now()
	db.now = func() time.Time { return start.Add(time.Duration(tick.Add(1)) * checkEvery) }
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 2000 {
				if c, _ := db.Locate(netip.MustParseAddr("81.2.69.1")); c != "GB" && c != "FR" {
					t.Errorf("got %q", c)
					return
				}
			}
		}()
	}
	for i := range 20 {
		country := "GB"
		if i%2 == 1 {
			country = "FR"
		}
		geoiptest.Write(t, path, geoiptest.Place{Network: "81.2.69.0/24", Country: country, City: "x"}, geoiptest.Place{Network: "1.0.0.0/24", Country: "AU", City: fmtN(i)})
	}
	for range 4 {
		<-done
	}
}

func fmtN(i int) string { return string(rune('a' + i)) }
