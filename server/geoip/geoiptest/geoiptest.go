// Package geoiptest writes small MaxMind-format city databases for tests,
// with MaxMind's own writer, so tests read a real .mmdb file.
package geoiptest

import (
	"net"
	"os"
	"testing"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Place is one network of a test database: a CIDR, the country's ISO code
// and the city's English name ("" for none).
type Place struct {
	Network, Country, City string
}

// Write writes a city database holding places to path, replacing any file
// there by a rename, as database updaters do.
func Write(t testing.TB, path string, places ...Place) {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "Test-City", RecordSize: 28, IncludeReservedNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range places {
		_, n, err := net.ParseCIDR(p.Network)
		if err != nil {
			t.Fatal(err)
		}
		rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(p.Country)}}
		if p.City != "" {
			rec["city"] = mmdbtype.Map{"names": mmdbtype.Map{"en": mmdbtype.String(p.City), "de": mmdbtype.String(p.City + "-de")}}
		}
		if err := tree.Insert(n, rec); err != nil {
			t.Fatal(err)
		}
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}
