package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/connect/v2/connectproto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
)

const testPassword = "correct horse battery"

// reasonOf returns the ErrorDetail of a Connect error, or nil.
func reasonOf(err error) *livechatv1.ErrorDetail {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil
	}
	for _, d := range ce.Details() {
		if m, err := connectproto.UnmarshalErrorDetail(d); err == nil {
			if ed, ok := m.(*livechatv1.ErrorDetail); ok {
				return ed
			}
		}
	}
	return nil
}

// wantTooManyStreams fails unless err is RESOURCE_EXHAUSTED with reason
// TOO_MANY_STREAMS and the given limit.
func wantTooManyStreams(t *testing.T, err error, limit int64) {
	t.Helper()
	d := reasonOf(err)
	if connect.CodeOf(err) != connect.CodeResourceExhausted || d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_TOO_MANY_STREAMS || d.GetLimit() != limit {
		t.Fatalf("err = %v (detail %v), want RESOURCE_EXHAUSTED TOO_MANY_STREAMS limit %d", err, d, limit)
	}
}

// subscribe opens a Subscribe stream as c (WidgetService's for a visitor)
// and waits for its first message. The stream stays open until stop or the
// end of the test owner.
func subscribe(owner *testing.T, c *apptest.Client, visitor bool) (stop func(), err error) {
	ctx, cancel := context.WithCancel(owner.Context())
	owner.Cleanup(cancel)
	if visitor {
		st, err := c.Widget.Subscribe(ctx, &livechatv1.WidgetServiceSubscribeRequest{})
		if err == nil {
			_, err = st.Receive()
		}
		return cancel, err
	}
	st, err := c.Conversation.Subscribe(ctx, &livechatv1.SubscribeRequest{})
	if err == nil {
		_, err = st.Receive()
	}
	return cancel, err
}

// from is a header set of a client behind the trusted proxy at addr.
func from(addr string, h http.Header) http.Header {
	h = h.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("X-Forwarded-For", addr)
	return h
}

func TestStreamLimits(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		c.TrustedProxies = "127.0.0.1,::1"
		c.Streams = app.StreamLimits{PerVisitor: 2, PerCredential: 3, PerAddress: 4}
	})
	ctx := t.Context()
	admin := srv.NewClient(from("198.51.100.2", nil))
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: testPassword}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	w, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop"}})
	if err != nil {
		t.Fatalf("CreateWidget: %v", err)
	}
	session, err := srv.NewClient(nil).Widget.StartSession(ctx, &livechatv1.StartSessionRequest{SiteKey: w.Widget.SiteKey})
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	// Streams opened in one subtest stay open for the next.
	outer := t
	token := func() string {
		res, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "t", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
		if err != nil {
			t.Fatalf("CreateApiToken: %v", err)
		}
		return res.Secret
	}

	t.Run("per visitor session", func(t *testing.T) {
		visitor := srv.NewClient(from("198.51.100.1", apptest.Bearer(session.VisitorToken)))
		var stops []func()
		for i := range 2 {
			stop, err := subscribe(outer, visitor, true)
			if err != nil {
				t.Fatalf("stream %d: %v", i+1, err)
			}
			stops = append(stops, stop)
		}
		_, err := subscribe(outer, visitor, true)
		wantTooManyStreams(t, err, 2)

		// A stream that ends makes room.
		stops[0]()
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, err := subscribe(outer, visitor, true)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no room after a stream ended: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	t.Run("per dashboard session", func(t *testing.T) {
		for i := range 3 {
			if _, err := subscribe(outer, admin, false); err != nil {
				t.Fatalf("stream %d: %v", i+1, err)
			}
		}
		_, err := subscribe(outer, admin, false)
		wantTooManyStreams(t, err, 3)
	})
	t.Run("per API token", func(t *testing.T) {
		c := srv.NewClient(from("198.51.100.3", apptest.Bearer(token())))
		for i := range 3 {
			if _, err := subscribe(outer, c, false); err != nil {
				t.Fatalf("stream %d: %v", i+1, err)
			}
		}
		_, err := subscribe(outer, c, false)
		wantTooManyStreams(t, err, 3)
	})
	t.Run("per client address, behind the trusted proxy", func(t *testing.T) {
		// 198.51.100.3 holds three streams of the token above: one more.
		other := token()
		c := srv.NewClient(from("198.51.100.3", apptest.Bearer(other)))
		if _, err := subscribe(outer, c, false); err != nil {
			t.Fatalf("fourth stream of the address: %v", err)
		}
		_, err := subscribe(outer, c, false)
		wantTooManyStreams(t, err, 4)
		// The same credential from another address is not held back.
		if _, err := subscribe(outer, srv.NewClient(from("198.51.100.4", apptest.Bearer(other))), false); err != nil {
			t.Fatalf("stream from another address: %v", err)
		}
	})
	t.Run("gRPC health Watch counts against the address", func(t *testing.T) {
		res := watchHealth(t, srv.URL, "198.51.100.3")
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("Watch = %d", res.StatusCode)
		}
		_, err := readEnvelope(bufio.NewReader(res.Body))
		if err == nil || !strings.Contains(err.Error(), "resource_exhausted") {
			t.Fatalf("Watch from a full address = %v, want resource_exhausted", err)
		}
	})
	t.Run("refused streams are counted", func(t *testing.T) {
		res, metrics := metricsOf(t, srv)
		if res != http.StatusOK {
			t.Fatalf("/metrics = %d", res)
		}
		for _, limit := range []string{"visitor", "credential", "address"} {
			if !strings.Contains(metrics, `livechat_streams_refused_total{limit="`+limit+`"}`) {
				t.Errorf("no livechat_streams_refused_total for %s", limit)
			}
		}
	})
}

// TestStreamsKeepFileDescriptorsForTheAPI: with few descriptors left below
// the open-file limit, new streams are refused while the API and health
// checks go on being served.
func TestStreamsKeepFileDescriptorsForTheAPI(t *testing.T) {
	// Not parallel: it reads this process's open files, which parallel
	// tests would change under it.
	open := func() int {
		n, err := countFDs()
		if err != nil {
			t.Skipf("no /proc/self/fd: %v", err)
		}
		return n
	}
	var limit int
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		// Room for a few connections beyond what the process holds now
		// (and what the server's start adds), then the reserve.
		limit = open() + 40 + 100
		c.Streams = app.StreamLimits{OpenFileLimit: limit, FDReserve: 100, PerCredential: -1, PerAddress: -1}
	})
	admin := srv.NewClient(nil)
	ctx := t.Context()
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: testPassword}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	res, err := admin.Auth.CreateApiToken(ctx, &livechatv1.CreateApiTokenRequest{Name: "t", Scope: livechatv1.ApiTokenScope_API_TOKEN_SCOPE_AGENT})
	if err != nil {
		t.Fatal(err)
	}
	// Open streams, each on a connection of its own (HTTP/1.1), until the
	// server refuses.
	c := srv.NewClient(apptest.Bearer(res.Secret))
	var refused error
	var stops []func()
	for i := 0; i < 200 && refused == nil; i++ {
		var stop func()
		stop, refused = subscribe(t, c, false)
		stops = append(stops, stop)
	}
	if refused == nil {
		t.Fatal("200 streams opened past an open-file limit of", limit)
	}
	wantTooManyStreams(t, refused, int64(limit-100))
	r, _ := get(t, srv.URL+"/healthz")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("healthz = %d while streams are refused", r.StatusCode)
	}
	if !r.Close {
		t.Error("connections are kept alive near the open-file limit")
	}
	if _, err := admin.Auth.GetMe(ctx, &livechatv1.GetMeRequest{}); err != nil {
		t.Fatalf("GetMe while streams are refused: %v", err)
	}
	_, metrics := metricsOf(t, srv)
	if !strings.Contains(metrics, `livechat_streams_refused_total{limit="file_descriptors"}`) {
		t.Error("refusals near the open-file limit are not counted")
	}

	// Once the streams end, connections are kept alive and streams open
	// again.
	for _, stop := range stops {
		stop()
	}
	c.HTTP.CloseIdleConnections()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, _ := get(t, srv.URL+"/healthz")
		_, err := subscribe(t, c, false)
		if !r.Close && err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10s after the streams ended: keep-alive %v, stream %v", !r.Close, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// metricsOf reads the server's metrics through its side listener.
func metricsOf(t *testing.T, srv *apptest.Server) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.App.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Code, rec.Body.String()
}

// watchHealth opens a gRPC health Watch over the Connect protocol (JSON).
func watchHealth(t *testing.T, base, forwardedFor string) *http.Response {
	t.Helper()
	var env bytes.Buffer
	env.WriteByte(0)
	_ = binary.Write(&env, binary.BigEndian, uint32(2))
	env.WriteString("{}")
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/grpc.health.v1.Health/Watch", &env)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/connect+json")
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// readEnvelope reads one Connect streaming envelope; the end-of-stream
// envelope's error becomes an error.
func readEnvelope(r *bufio.Reader) (string, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return "", err
	}
	body := make([]byte, binary.BigEndian.Uint32(head[1:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	if head[0]&2 != 0 {
		return "", fmt.Errorf("end of stream: %s", body)
	}
	return string(body), nil
}

// countFDs counts this process's open file descriptors.
func countFDs() (int, error) {
	names, err := os.ReadDir("/proc/self/fd")
	return len(names), err
}

// TestSlowRequestBodies: a client that sends its body slowly is cut off
// after the body read timeout, while a live stream (whose small body was
// read at once) outlives it.
func TestSlowRequestBodies(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	srv := apptest.New(t, func(c *app.Config) {
		c.ScryptLogN = 10
		c.BodyReadTimeout = timeout
		c.Realtime.Heartbeat = 100 * time.Millisecond
	})
	addr := strings.TrimPrefix(srv.URL, "http://")

	for _, rpc := range []struct{ procedure, contentType string }{
		{livechatv1connect.AuthServiceLoginProcedure, "application/json"},
		{livechatv1connect.ConversationServiceSubscribeProcedure, "application/connect+json"},
	} {
		t.Run("a body that never ends is cut off: "+rpc.procedure, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			start := time.Now()
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 1000\r\n\r\n\x00\x00",
				rpc.procedure, rpc.contentType)
			// The server must answer or close well before this.
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err = io.Copy(io.Discard, conn)
			if elapsed := time.Since(start); err != nil || elapsed > 3*time.Second {
				t.Fatalf("connection held for %s (err %v), want it ended after about %s", elapsed, err, timeout)
			}
		})
	}
	t.Run("a live stream outlives the timeout", func(t *testing.T) {
		t.Parallel()
		admin := srv.NewClient(nil)
		if _, err := admin.Auth.Setup(t.Context(), &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: testPassword}); err != nil {
			t.Fatalf("Setup: %v", err)
		}
		st, err := admin.Conversation.Subscribe(t.Context(), &livechatv1.SubscribeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		end := time.Now().Add(4 * timeout)
		for time.Now().Before(end) {
			if _, err := st.Receive(); err != nil {
				t.Fatalf("stream ended after %s: %v", time.Until(end)+4*timeout, err)
			}
		}
	})
}

// TestLargeRequestBodies: a body over the limit is refused with
// RESOURCE_EXHAUSTED and reason REQUEST_TOO_LARGE, every time — not with a
// connection reset while the client is still sending.
func TestLargeRequestBodies(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	big := strings.Repeat("x", 1<<20)
	for i := range 20 {
		// A fresh connection each time, as a reset would end it.
		tr := &http.Transport{DisableKeepAlives: true}
		auth := livechatv1connect.NewAuthServiceClient(connect.NewClient(connecthttp.NewTransport(&http.Client{Transport: tr}, srv.URL)))
		_, err := auth.Login(t.Context(), &livechatv1.LoginRequest{Username: "root", Password: big})
		d := reasonOf(err)
		if connect.CodeOf(err) != connect.CodeResourceExhausted || d.GetReason() != livechatv1.ErrorReason_ERROR_REASON_REQUEST_TOO_LARGE || d.GetLimit() == 0 {
			t.Fatalf("attempt %d: err = %v (detail %v), want RESOURCE_EXHAUSTED REQUEST_TOO_LARGE with its limit", i+1, err, d)
		}
	}
}

// TestUndecodableGetMessage: a Connect GET whose base64 message does not
// decode is the client's error.
func TestUndecodableGetMessage(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	url := srv.URL + livechatv1connect.AuthServiceGetSetupStateProcedure + "?connect=v1&encoding=proto&base64=1&message=%21%21%21%21"
	res, body := get(t, url)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"invalid_argument"`) {
		t.Fatalf("GET with an undecodable message = %d %s, want 400 invalid_argument", res.StatusCode, body)
	}
	// A good one still works.
	if res, body := get(t, srv.URL+livechatv1connect.AuthServiceGetSetupStateProcedure+"?connect=v1&encoding=proto&base64=1&message="); res.StatusCode != http.StatusOK {
		t.Fatalf("GET with an empty message = %d %s", res.StatusCode, body)
	}
}
