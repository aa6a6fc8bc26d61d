package attachments_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/pgstore"
	"github.com/opensupport/livechat/server/attachments/s3store"
	"github.com/opensupport/livechat/server/attachments/s3test"
	"github.com/opensupport/livechat/server/dbtest"
)

// TestStores: each store keeps, reads in ranges and deletes files the
// same way.
func TestStores(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) attachments.Store{
		"postgres": func(t *testing.T) attachments.Store { return pgstore.New(dbtest.New(t)) },
		"s3": func(t *testing.T) attachments.Store {
			s, err := s3store.New(ctx(t), s3test.Start(t))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			data := bytes.Repeat([]byte("0123456789abcdef"), 40_000) // 640,000 bytes: three chunks
			n, err := st.Put(ctx(t), "k1", bytes.NewReader(data))
			if err != nil || n != int64(len(data)) {
				t.Fatalf("Put: %d, %v", n, err)
			}
			read := func(off, n int64) []byte {
				t.Helper()
				rc, err := st.Open(ctx(t), "k1", off, n)
				if err != nil {
					t.Fatalf("Open(%d, %d): %v", off, n, err)
				}
				defer rc.Close()
				got, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				return got
			}
			for _, r := range []struct{ off, n int64 }{{0, -1}, {0, 10}, {262140, 10}, {600000, -1}, {639999, 1}} {
				want := data[r.off:]
				if r.n >= 0 {
					want = want[:r.n]
				}
				if got := read(r.off, r.n); !bytes.Equal(got, want) {
					t.Errorf("range %d+%d: %d bytes, want %d", r.off, r.n, len(got), len(want))
				}
			}
			if _, err := st.Open(ctx(t), "missing", 0, -1); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("a missing key: %v", err)
			}
			if err := st.Delete(ctx(t), "k1"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Open(ctx(t), "k1", 0, -1); !apperr.Is(err, apperr.NotFound) {
				t.Errorf("a deleted key: %v", err)
			}
			if err := st.Delete(ctx(t), "k1"); err != nil {
				t.Errorf("deleting twice: %v", err)
			}
		})
	}
}

// TestMoveToS3: every file kept in PostgreSQL moves to S3 and stays
// readable through the same links; PostgreSQL keeps none.
func TestMoveToS3(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	pg := pgstore.New(pool)
	s3, err := s3store.New(ctx(t), s3test.Start(t))
	if err != nil {
		t.Fatal(err)
	}
	before := attachments.New(pool, pg, attachments.Config{}, nil)
	var ids []attachments.Attachment
	for _, s := range []string{"one\n", "two\n", "three\n"} {
		a, err := before.UploadAsAgent(ctx(t), someAgent, textFile(s))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a)
	}
	after := attachments.New(pool, s3, attachments.Config{}, nil, pg)
	n, err := after.MoveAll(ctx(t), pgstore.Name, s3, nil)
	if err != nil || n != 3 {
		t.Fatalf("moved %d, %v", n, err)
	}
	var chunks int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM attachment_chunks").Scan(&chunks); err != nil || chunks != 0 {
		t.Fatalf("PostgreSQL keeps %d chunks, %v", chunks, err)
	}
	for i, a := range ids {
		rc, err := s3.Open(ctx(t), a.ID.String(), 0, -1)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if want := []string{"one\n", "two\n", "three\n"}[i]; string(got) != want {
			t.Errorf("file %d in S3: %q", i, got)
		}
	}
	if n, err := after.MoveAll(ctx(t), pgstore.Name, s3, nil); err != nil || n != 0 {
		t.Fatalf("a second run moved %d, %v", n, err)
	}
}
