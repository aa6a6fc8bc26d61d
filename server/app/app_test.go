package app_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"
	"connectrpc.com/connect/v2/connecthttp"
	"connectrpc.com/grpcreflect/v2"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestOpsEndpoints(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)

	t.Run("healthz answers while the process lives", func(t *testing.T) {
		res, body := get(t, srv.URL+"/healthz")
		if res.StatusCode != http.StatusOK || body != "ok\n" {
			t.Fatalf("healthz = %d %q", res.StatusCode, body)
		}
	})
	t.Run("readyz answers when the database is migrated", func(t *testing.T) {
		res, body := get(t, srv.URL+"/readyz")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("readyz = %d %q", res.StatusCode, body)
		}
	})
	t.Run("every response carries a request id", func(t *testing.T) {
		res, _ := get(t, srv.URL+"/healthz")
		if len(res.Header.Get("X-Request-Id")) != 16 {
			t.Fatalf("X-Request-Id = %q", res.Header.Get("X-Request-Id"))
		}
	})
	t.Run("dashboard routes fall back to index.html, uncached", func(t *testing.T) {
		res, body := get(t, srv.URL+"/conversations/123")
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "<") {
			t.Fatalf("GET /conversations/123 = %d", res.StatusCode)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Fatalf("Cache-Control = %q, want no-cache", cc)
		}
	})
	t.Run("an oversized request is refused before it is buffered", func(t *testing.T) {
		body := `{"username":"` + strings.Repeat("x", 300<<10) + `","password":"p"}`
		res, err := http.Post(srv.URL+"/livechat.v1.AuthService/Login", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(msg), "resource_exhausted") {
			t.Fatalf("status %d: %s", res.StatusCode, msg)
		}
	})
	t.Run("gRPC health reports serving", func(t *testing.T) {
		for _, svc := range []string{"", "livechat.v1.ConversationService"} {
			res, err := http.Post(srv.URL+"/grpc.health.v1.Health/Check", "application/json", strings.NewReader(`{"service":"`+svc+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.Contains(string(body), "SERVING_STATUS_SERVING") {
				t.Fatalf("health of %q: %d %s", svc, res.StatusCode, body)
			}
		}
	})
	t.Run("streams tell buffering proxies not to buffer", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/livechat.v1.ConversationService/Subscribe", strings.NewReader("\x00\x00\x00\x00\x02{}"))
		req.Header.Set("Content-Type", "application/connect+json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("X-Accel-Buffering"); got != "no" {
			t.Fatalf("X-Accel-Buffering = %q", got)
		}
	})
	t.Run("missing assets are 404, not index.html", func(t *testing.T) {
		res, _ := get(t, srv.URL+"/assets/nope-123.js")
		if res.StatusCode != http.StatusNotFound {
			t.Fatalf("status = %d, want 404", res.StatusCode)
		}
	})
}

func TestReflectionListsEveryService(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)
	// Reflection is a bidi stream: gRPC over HTTP/2 without TLS (h2c), as
	// buf curl and grpcurl use it.
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	client := grpcreflect.NewClient(connect.NewClient(
		connecthttp.NewTransport(&http.Client{Transport: h2c}, srv.URL, connecthttp.WithGRPC()),
	))
	stream := client.NewStream(t.Context())
	defer stream.Close()
	names, err := stream.ListServices()
	if err != nil {
		t.Fatalf("ListServices: %v", err)
	}
	for _, want := range []string{
		livechatv1connect.AuthServiceName,
		livechatv1connect.ConversationServiceName,
		livechatv1connect.WidgetServiceName,
		livechatv1connect.CannedResponseServiceName,
		livechatv1connect.TagServiceName,
		livechatv1connect.RoutingServiceName,
	} {
		found := slices.ContainsFunc(names, func(n protoreflect.FullName) bool { return string(n) == want })
		if !found {
			t.Errorf("reflection does not list %s (got %v)", want, names)
		}
	}
}
