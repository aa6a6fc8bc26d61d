package realtime

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/dbtest"
)

// waitVisitors polls h's list of widget until it holds want visitors.
func waitVisitors(t *testing.T, h *Hub, widget uuid.UUID, want int) []VisitorOnSite {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		vs := h.Visitors(widget)
		if len(vs) == want {
			return vs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d visitors listed, want %d", len(vs), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestVisitorsRefreshAndExpiry: thousands of visitors arriving at once
// reach another instance (what the bounded notification queue drops, the
// next periodic announcement, several visitors a line, carries), the
// per-widget bound holds, and the visitors of an instance that stops
// announcing are dropped.
func TestVisitorsRefreshAndExpiry(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	a := startHub(t, pool, Options{VisitorRefresh: time.Second, VisitorsPerWidget: 3000})
	b := startHub(t, pool, Options{VisitorRefresh: time.Second})
	widget := uuid.New()
	long := "https://shop.example.com/" + strings.Repeat("p", 300)
	var pages []*Browser
	for i := range 3000 {
		br, err := a.Arrive(VisitorPage{WidgetID: widget, Key: fmt.Sprintf("visitor-%06d", i), URL: long, PageOpened: time.Now()})
		if err != nil {
			t.Fatalf("Arrive %d: %v", i, err)
		}
		pages = append(pages, br)
	}
	if _, err := a.Arrive(VisitorPage{WidgetID: widget, Key: "one-too-many", PageOpened: time.Now()}); !apperr.Is(err, apperr.TooManyVisitors) {
		t.Fatalf("over the bound: %v, want TooManyVisitors", err)
	}
	vs := waitVisitors(t, b, widget, 3000)
	if vs[0].URL != long || vs[0].Pages != 1 {
		t.Fatalf("remote visitor %+v", vs[0].VisitorPage.Key)
	}
	for _, p := range pages[:1000] {
		p.Leave()
	}
	waitVisitors(t, b, widget, 2000)
	// The instance dies without a word: the other drops its visitors after
	// three missed announcements.
	a.Close()
	waitVisitors(t, b, widget, 0)
}
