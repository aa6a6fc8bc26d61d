package app_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/opensupport/livechat/frontend"
	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/gen/go/livechat/v1/livechatv1connect"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/widget"
)

// rawGet fetches url with the given request headers, without the Go
// client's own gzip handling, and returns the bytes as they came on the
// wire.
func rawGet(t *testing.T, url string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	tr := &http.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, body
}

// builtFile returns an embedded file of a web build, skipping the test when
// the web assets were not built into this test binary (make build-web).
func builtFile(t *testing.T, fsys fs.FS, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Skipf("web assets not built (run make build-web first): %v", err)
	}
	return b
}

func TestStaticFilesPrecompressed(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t)

	chat, _ := fs.Glob(widget.Dist, "dist/assets/chat-*.js")
	if len(chat) == 0 {
		t.Skip("widget not built (run make build-web first)")
	}
	index := builtFile(t, frontend.Dist, "dist/index.html")
	dashJS := regexp.MustCompile(`src="/(assets/index-[^"]+\.js)"`).FindSubmatch(index)
	if dashJS == nil {
		t.Fatalf("index.html loads no assets/index-*.js:\n%s", index)
	}
	files := []struct {
		url, file string
		fsys      fs.FS
		cache     string
	}{
		{"/widget.js", "dist/widget.js", widget.Dist, "public, max-age=300"},
		{"/widget.css", "dist/widget.css", widget.Dist, "public, max-age=300"},
		{"/widget-assets/" + strings.TrimPrefix(chat[0], "dist/assets/"), chat[0], widget.Dist, "public, max-age=31536000, immutable"},
		{"/" + string(dashJS[1]), "dist/" + string(dashJS[1]), frontend.Dist, "public, max-age=31536000, immutable"},
		{"/", "dist/index.html", frontend.Dist, "no-cache"},
	}
	for _, f := range files {
		identity := builtFile(t, f.fsys, f.file)
		br := builtFile(t, f.fsys, f.file+".br")
		t.Run(f.url, func(t *testing.T) {
			t.Parallel()
			url := srv.URL + f.url
			res, body := rawGet(t, url, map[string]string{"Accept-Encoding": "br, gzip"})
			if got := res.Header.Get("Content-Encoding"); got != "br" {
				t.Fatalf("Accept-Encoding: br, gzip → Content-Encoding %q, want br", got)
			}
			if !bytes.Equal(body, br) {
				t.Errorf("brotli body is not the build's .br copy (%d bytes, want %d)", len(body), len(br))
			}
			if res.ContentLength != int64(len(br)) {
				t.Errorf("Content-Length = %d, want %d", res.ContentLength, len(br))
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("Vary = %q, want Accept-Encoding", res.Header.Get("Vary"))
			}
			if got := res.Header.Get("Cache-Control"); got != f.cache {
				t.Errorf("Cache-Control = %q, want %q", got, f.cache)
			}
			brTag := res.Header.Get("ETag")

			res, body = rawGet(t, url, map[string]string{"Accept-Encoding": "gzip"})
			if got := res.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Accept-Encoding: gzip → Content-Encoding %q", got)
			}
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(plain, identity) {
				t.Fatalf("gzip body does not decode to the file (%v)", err)
			}
			if res.ContentLength != int64(len(body)) {
				t.Errorf("gzip Content-Length = %d, body %d", res.ContentLength, len(body))
			}
			if res.Header.Get("ETag") == brTag || brTag == "" {
				t.Errorf("gzip and brotli share the ETag %q: caches would mix their bytes", brTag)
			}

			for _, tc := range []struct{ accept, want string }{
				{"", ""},
				{"identity", ""},
				{"gzip;q=0.5, br;q=0.4", "gzip"},
				{"GZIP;q=1, br;q=0", "gzip"},
				{"br;q=0, gzip;q=0", ""},
				{"*", "br"},
				{"deflate", ""},
			} {
				res, body := rawGet(t, url, map[string]string{"Accept-Encoding": tc.accept})
				if got := res.Header.Get("Content-Encoding"); got != tc.want {
					t.Errorf("Accept-Encoding %q → Content-Encoding %q, want %q", tc.accept, got, tc.want)
				}
				if tc.want == "" && !bytes.Equal(body, identity) {
					t.Errorf("Accept-Encoding %q: identity body differs from the file", tc.accept)
				}
			}

			// A range is of the file itself, whatever the client accepts.
			res, body = rawGet(t, url, map[string]string{"Accept-Encoding": "br, gzip", "Range": "bytes=0-9"})
			if res.StatusCode != http.StatusPartialContent || res.Header.Get("Content-Encoding") != "" || !bytes.Equal(body, identity[:10]) {
				t.Errorf("Range bytes=0-9 → %d, encoding %q, %q; want 206 of the file's first 10 bytes",
					res.StatusCode, res.Header.Get("Content-Encoding"), body)
			}

			// The validator answers a revalidation with 304 and no body.
			res, body = rawGet(t, url, map[string]string{"Accept-Encoding": "br, gzip", "If-None-Match": brTag})
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match %s → %d with %d bytes, want 304", brTag, res.StatusCode, len(body))
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") || res.Header.Get("ETag") != brTag {
				t.Errorf("304 lacks Vary or ETag: %v", res.Header)
			}
			res, _ = rawGet(t, url, map[string]string{"If-None-Match": brTag})
			if res.StatusCode != http.StatusOK {
				t.Errorf("the brotli ETag revalidated the identity file: %d", res.StatusCode)
			}
		})
	}
}

// TestConnectResponsesCompressed: API answers above 1 KiB still go out
// gzipped to clients that accept it, and small ones raw.
func TestConnectResponsesCompressed(t *testing.T) {
	t.Parallel()
	srv := apptest.New(t, func(c *app.Config) { c.ScryptLogN = 10 })
	admin := srv.NewClient(nil)
	ctx := t.Context()
	if _, err := admin.Auth.Setup(ctx, &livechatv1.SetupRequest{Username: "root", DisplayName: "Root", Password: testPassword}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	for i := range 8 {
		if _, err := admin.Widget.CreateWidget(ctx, &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: fmt.Sprintf("Shop %d", i)}}); err != nil {
			t.Fatalf("CreateWidget: %v", err)
		}
	}
	post := func(procedure string) (*http.Response, []byte) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+procedure, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Encoding", "br, gzip")
		res, err := admin.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, body
	}
	res, body := post(livechatv1connect.WidgetServiceListWidgetsProcedure)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("ListWidgets = %d, Content-Encoding %q (%d bytes), want gzip", res.StatusCode, res.Header.Get("Content-Encoding"), len(body))
	}
	if res, _ := post(livechatv1connect.AuthServiceGetSetupStateProcedure); res.Header.Get("Content-Encoding") != "" {
		t.Errorf("a small answer went out as %q", res.Header.Get("Content-Encoding"))
	}
}
