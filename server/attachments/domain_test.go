package attachments_test

import (
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/pgstore"
	"github.com/opensupport/livechat/server/dbtest"
	"github.com/opensupport/livechat/server/principal"
)

func newService(t *testing.T) *attachments.Service {
	t.Helper()
	pool := dbtest.New(t)
	return attachments.New(pool, pgstore.New(pool), attachments.Config{}, nil)
}

var someAgent = principal.Agent{ID: uuid.New(), Name: "Lan"}

func textFile(s string) attachments.File {
	return attachments.File{Name: "a.txt", Size: -1, Body: strings.NewReader(s), Address: "127.0.0.1"}
}

// TestExpiredLink: a link works until its expiry and not a second after.
func TestExpiredLink(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	a, err := svc.UploadAsAgent(ctx(t), someAgent, textFile("hello\n"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	svc.Now = func() time.Time { return now }
	a, err = svc.Sign(ctx(t), a)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(a.URL)
	if err != nil {
		t.Fatal(err)
	}
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	if _, err := svc.Open(ctx(t), a.ID, false, exp, sig); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	svc.Now = func() time.Time { return now.Add(15*time.Minute + 5*time.Minute + time.Second) }
	if _, err := svc.Open(ctx(t), a.ID, false, exp, sig); !apperr.Is(err, apperr.AttachmentLinkExpired) {
		t.Fatalf("an expired link: %v", err)
	}
}

// TestSweep: an upload no message names is deleted after a day, bytes and
// all; so are the bytes of a deleted attachment.
func TestSweep(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	svc := attachments.New(pool, pgstore.New(pool), attachments.Config{}, nil)
	old, err := svc.UploadAsAgent(ctx(t), someAgent, textFile("old\n"))
	if err != nil {
		t.Fatal(err)
	}
	chunks := func() (n int) {
		t.Helper()
		if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM attachment_chunks").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n, err := svc.Sweep(ctx(t)); err != nil || n != 0 || chunks() != 1 {
		t.Fatalf("a fresh upload was swept: %d, %v", n, err)
	}
	svc.Now = func() time.Time { return time.Now().Add(24*time.Hour + time.Minute) }
	if _, err := svc.Sweep(ctx(t)); err != nil || chunks() != 0 {
		t.Fatalf("a day-old unsent upload stays: %d chunks, %v", chunks(), err)
	}
	var rows int
	if err := pool.QueryRow(ctx(t), "SELECT count(*) FROM attachments WHERE id = $1", old.ID).Scan(&rows); err != nil || rows != 0 {
		t.Fatalf("the row stays: %d, %v", rows, err)
	}

	svc.Now = time.Now
	gone, err := svc.UploadAsAgent(ctx(t), someAgent, textFile("gone\n"))
	if err != nil {
		t.Fatal(err)
	}
	// However an attachment goes (here as a deleted conversation's would,
	// by cascade), its bytes follow.
	if _, err := pool.Exec(ctx(t), "DELETE FROM attachments WHERE id = $1", gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Sweep(ctx(t)); err != nil || chunks() != 0 {
		t.Fatalf("a deleted attachment's bytes stay: %d chunks, %v", chunks(), err)
	}
}

// pattern is size bytes of text, made as they are read (no buffer).
type pattern struct{ left int64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := min(int64(len(b)), p.left)
	for i := range n {
		b[i] = "abcdefghij\n"[i%11]
	}
	p.left -= n
	return int(n), nil
}

// peakHeap runs fn while sampling the heap, with the collector kept tight
// so that the heap is close to what is live, and returns how far it grew
// above what was live before.
func peakHeap(t *testing.T, fn func()) uint64 {
	t.Helper()
	old := debug.SetGCPercent(5)
	defer debug.SetGCPercent(old)
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if peak.Load() < base {
		return 0
	}
	return peak.Load() - base
}

// TestMemoryFlat: a 10 MB upload and its download never hold the file in
// memory: the heap of the server (in this process) grows by a few
// buffers, far less than the file.
func TestMemoryFlat(t *testing.T) {
	// Not parallel: the heap is the whole process's.
	e := newEnv(t)
	const size = 10 << 20
	var up string
	grew := peakHeap(t, func() {
		a, uerr := upload(t, e.Server, e.Lan, "big.log", &pattern{left: size})
		if uerr != nil {
			t.Fatalf("upload: %v", uerr)
		}
		up = a.Id
	})
	t.Logf("heap growth during a 10 MB upload: %.1f MB", float64(grew)/(1<<20))
	if grew > 4<<20 {
		t.Errorf("the heap grew by %.1f MB during a 10 MB upload", float64(grew)/(1<<20))
	}
	visitor := e.visitor(t)
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "v-1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: sent.Conversation.Id, ClientMessageId: "r-1", AttachmentIds: []string{up}})
	if err != nil {
		t.Fatal(err)
	}
	grew = peakHeap(t, func() {
		res, err := http.Get(e.Server.URL + m.Message.Attachments[0].Url)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		n, err := io.Copy(io.Discard, res.Body)
		if err != nil || n != size {
			t.Fatalf("download: %d bytes, %v", n, err)
		}
	})
	t.Logf("heap growth during a 10 MB download: %.1f MB", float64(grew)/(1<<20))
	if grew > 4<<20 {
		t.Errorf("the heap grew by %.1f MB during a 10 MB download", float64(grew)/(1<<20))
	}
}
