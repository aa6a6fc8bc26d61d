package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

// withKey returns a context whose calls carry the Idempotency-Key header,
// and the call's info to read the response headers from.
func withKey(ctx context.Context, key string) (context.Context, *connect.CallInfo) {
	cctx, info := connect.NewClientContext(ctx)
	info.RequestHeader().Set(app.IdempotencyKeyHeader, key)
	return cctx, info
}

func tagCount(t *testing.T, c *apptest.Client) int {
	t.Helper()
	res, err := c.Tags.ListTags(context.Background(), &livechatv1.ListTagsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.GetTags())
}

// TestIdempotencyKey: a creating call retried with the same key returns the
// first response and creates nothing more; the same key with another body
// is refused; other callers' keys are their own; without the header every
// call creates.
func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	req := &livechatv1.CreateTagRequest{Name: "vip", Color: livechatv1.TagColor_TAG_COLOR_RED}
	kctx, info := withKey(ctx, "create-vip-1")
	first, err := tm.Admin.Tags.CreateTag(kctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if info.ResponseHeader().Get(app.IdempotentReplayedHeader) != "" {
		t.Fatal("the first call is marked as replayed")
	}
	kctx, info = withKey(ctx, "create-vip-1")
	again, err := tm.Admin.Tags.CreateTag(kctx, req)
	if err != nil {
		t.Fatalf("retry: %v (without the key it would be ALREADY_EXISTS)", err)
	}
	if again.GetTag().GetId() != first.GetTag().GetId() || info.ResponseHeader().Get(app.IdempotentReplayedHeader) != "true" {
		t.Fatalf("retry returned %v (replayed %q), want the first tag %v", again.GetTag(), info.ResponseHeader().Get(app.IdempotentReplayedHeader), first.GetTag())
	}
	if n := tagCount(t, tm.Admin); n != 1 {
		t.Fatalf("%d tags after a retry, want 1", n)
	}

	// The same key for another request is a client bug, not a retry.
	kctx, _ = withKey(ctx, "create-vip-1")
	_, err = tm.Admin.Tags.CreateTag(kctx, &livechatv1.CreateTagRequest{Name: "refund", Color: livechatv1.TagColor_TAG_COLOR_RED})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_IDEMPOTENCY_KEY_REUSED)

	// A failed call keeps no record: its retry runs again.
	kctx, _ = withKey(ctx, "bad-color")
	bad := &livechatv1.CreateTagRequest{Name: "late", Color: livechatv1.TagColor(99)}
	_, err1 := tm.Admin.Tags.CreateTag(kctx, bad)
	kctx, _ = withKey(ctx, "bad-color")
	_, err2 := tm.Admin.Tags.CreateTag(kctx, bad)
	if connect.CodeOf(err1) != connect.CodeInvalidArgument || connect.CodeOf(err2) != connect.CodeInvalidArgument {
		t.Fatalf("invalid request with a key: %v, then %v; want INVALID_ARGUMENT twice", err1, err2)
	}

	// Keys are per caller: Lan's "create-vip-1" is not the admin's.
	kctx, _ = withKey(ctx, "create-vip-1")
	if _, err := tm.Lan.Tags.CreateTag(kctx, &livechatv1.CreateTagRequest{Name: "lan's", Color: livechatv1.TagColor_TAG_COLOR_RED}); err != nil {
		t.Fatalf("another caller's key: %v", err)
	}

	// A malformed key is refused with its reason, before anything runs.
	kctx, _ = withKey(ctx, "has space")
	_, err = tm.Admin.Tags.CreateTag(kctx, &livechatv1.CreateTagRequest{Name: "spaced", Color: livechatv1.TagColor_TAG_COLOR_RED})
	apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE)

	if n := tagCount(t, tm.Admin); n != 2 {
		t.Fatalf("%d tags, want 2 (vip, lan's)", n)
	}
}

// TestIdempotencyKeyConcurrent: many simultaneous calls with one key create
// one resource; each caller gets that resource or is told to retry.
func TestIdempotencyKeyConcurrent(t *testing.T) {
	t.Parallel()
	tm := apptest.NewTeam(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kctx, _ := withKey(ctx, "burst")
			res, err := tm.Admin.Tags.CreateTag(kctx, &livechatv1.CreateTagRequest{Name: "burst", Color: livechatv1.TagColor_TAG_COLOR_RED})
			ids[i], errs[i] = res.GetTag().GetId(), err
		}()
	}
	wg.Wait()
	var id string
	for i := range n {
		if errs[i] != nil {
			apptest.WantReason(t, errs[i], connect.CodeUnavailable, livechatv1.ErrorReason_ERROR_REASON_IDEMPOTENCY_IN_PROGRESS)
			continue
		}
		if id != "" && ids[i] != id {
			t.Fatalf("two different tags from one key: %s and %s", id, ids[i])
		}
		id = ids[i]
	}
	if id == "" {
		t.Fatal("no call succeeded")
	}
	if c := tagCount(t, tm.Admin); c != 1 {
		t.Fatalf("%d tags, want 1", c)
	}
}
