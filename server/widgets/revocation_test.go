package widgets_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/widgets"
)

// openVisitorStream opens a visitor's stream and waits for its READY.
func openVisitorStream(t *testing.T, c *apptest.Client) *events {
	t.Helper()
	sctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	es := subscribeVisitor(t, sctx, c, "")
	es.next(t, "READY", isReady, nil)
	return es
}

// endsUnauthenticated waits for a stream to end with UNAUTHENTICATED.
func (e *events) endsUnauthenticated(t *testing.T) {
	t.Helper()
	select {
	case err := <-e.errc:
		if connect.CodeOf(err) != connect.CodeUnauthenticated {
			t.Fatalf("stream ended with %v, want Unauthenticated", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream still open 10s after its session ended")
	}
}

// TestVisitorSessionsEnd: what ends a visitor session ends its open
// streams too, and its token stops working.
func TestVisitorSessionsEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("deleting the widget ends its visitors' streams", func(t *testing.T) {
		w := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Closing down"}).Widget
		v, _ := e.visitor(t, w.SiteKey, "")
		s := openVisitorStream(t, v)
		if _, err := e.admin.Widget.DeleteWidget(ctx(t), &livechatv1.DeleteWidgetRequest{WidgetId: w.Id}); err != nil {
			t.Fatal(err)
		}
		s.endsUnauthenticated(t)
	})

	created := e.createWidget(t, &livechatv1.WidgetSettings{Name: "Shop"})
	w := created.Widget
	identity := func(secret, user string) *livechatv1.VerifiedIdentity {
		return &livechatv1.VerifiedIdentity{UserId: user, Hmac: widgets.IdentityHMAC(secret, user)}
	}
	verified := func(t *testing.T, secret, user string) (*apptest.Client, *livechatv1.StartSessionResponse) {
		t.Helper()
		res, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey, Identity: identity(secret, user)})
		if err != nil {
			t.Fatal(err)
		}
		return e.srv.NewClient(apptest.Bearer(res.VisitorToken)), res
	}

	t.Run("a verified visitor's token ends when the browser starts anonymously", func(t *testing.T) {
		v, res := verified(t, created.IdentitySecret, "user-7")
		s := openVisitorStream(t, v)
		// The host site's user signed out: the widget starts again with the
		// old token but without the identity.
		next, err := e.srv.NewClient(nil).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey, VisitorToken: res.VisitorToken})
		if err != nil {
			t.Fatal(err)
		}
		if next.VisitorToken == res.VisitorToken || next.Customer.Id == res.Customer.Id {
			t.Fatal("the anonymous visitor continued the verified one")
		}
		s.endsUnauthenticated(t)
		_, err = v.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
		wantErr(t, err, connect.CodeUnauthenticated, "ended")
	})
	t.Run("rotating the secret ends verified visitors' sessions, not anonymous ones", func(t *testing.T) {
		v, _ := verified(t, created.IdentitySecret, "user-8")
		anon, _ := e.visitor(t, w.SiteKey, "")
		sv, sa := openVisitorStream(t, v), openVisitorStream(t, anon)
		rotated, err := e.admin.Widget.RotateWidgetSecret(ctx(t), &livechatv1.RotateWidgetSecretRequest{WidgetId: w.Id})
		if err != nil {
			t.Fatal(err)
		}
		sv.endsUnauthenticated(t)
		if _, err := anon.Widget.SetTyping(ctx(t), &livechatv1.WidgetServiceSetTypingRequest{Typing: false}); err != nil {
			t.Fatalf("anonymous visitor after rotation: %v", err)
		}
		select {
		case err := <-sa.errc:
			t.Fatalf("the anonymous visitor's stream ended: %v", err)
		default:
		}
		// The same user verifies again with the new secret.
		again, _ := verified(t, rotated.IdentitySecret, "user-8")
		if _, err := again.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a session unused for the idle limit has ended", func(t *testing.T) {
		v, res := e.visitor(t, w.SiteKey, "")
		if _, err := e.srv.Pool.Exec(ctx(t), `UPDATE visitor_sessions SET last_seen_at = now() - $1::interval
			WHERE customer_id = $2`, (widgets.VisitorSessionIdle + time.Hour).String(), res.Customer.Id); err != nil {
			t.Fatal(err)
		}
		_, err := v.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
		wantErr(t, err, connect.CodeUnauthenticated, "ended")
		next, err := e.srv.NewClient(http.Header{}).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: w.SiteKey, VisitorToken: res.VisitorToken})
		if err != nil || next.VisitorToken == res.VisitorToken {
			t.Fatalf("StartSession with the expired token: %v, %v", next, err)
		}
	})
}
