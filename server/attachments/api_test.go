package attachments_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect/v2"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/attachments"
)

// subscribe opens an agent's event stream and waits for READY.
func subscribe(t *testing.T, c *apptest.Client) func(what string, match func(*livechatv1.Event) bool) *livechatv1.Event {
	t.Helper()
	st, err := c.Conversation.Subscribe(ctx(t), &livechatv1.SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	next := func(what string, match func(*livechatv1.Event) bool) *livechatv1.Event {
		t.Helper()
		for {
			r, err := st.Receive()
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if match(r.GetEvent()) {
				return r.GetEvent()
			}
		}
	}
	next("READY", func(ev *livechatv1.Event) bool { return ev.GetReady() != nil })
	return next
}

// TestBothWays: a visitor's screenshot reaches the agent live, with its
// metadata, links and a thumbnail; the agent's PDF reaches the visitor; an
// internal note's file never does.
func TestBothWays(t *testing.T) { eachStore(t, testBothWays) }

func testBothWays(t *testing.T, store apptest.Option) {
	e := newEnv(t, store)
	visitor := e.visitor(t)
	events := subscribe(t, e.Lan)

	shot := screenshot(t, 800, 600)
	up := mustUpload(t, e.Server, visitor, "Screenshot 2026-12-02.png", shot)
	if up.ContentType != "image/png" || up.Width != 800 || up.Height != 600 || up.Size != int64(len(shot)) || up.FileName != "Screenshot 2026-12-02.png" {
		t.Fatalf("upload answer %v", up)
	}
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{ClientMessageId: "v-1", AttachmentIds: []string{up.Id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Message.Attachments) != 1 || sent.Message.Attachments[0].Id != up.Id || sent.Message.Text != "" {
		t.Fatalf("sent %v", sent.Message)
	}
	t.Run("retry: the same message, the file once", func(t *testing.T) {
		again, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{ClientMessageId: "v-1", AttachmentIds: []string{up.Id}})
		if err != nil || again.Message.Id != sent.Message.Id || len(again.Message.Attachments) != 1 {
			t.Fatalf("retry: %v, %v", again, err)
		}
	})

	ev := events("the screenshot", func(ev *livechatv1.Event) bool { return ev.GetMessageCreated().GetId() == sent.Message.Id })
	got := ev.GetMessageCreated().GetAttachments()
	if len(got) != 1 || got[0].Id != up.Id || got[0].Width != 800 || got[0].Url == "" || got[0].ThumbnailUrl == "" {
		t.Fatalf("event attachments %v", got)
	}
	res, body := get(t, e.Server, got[0].Url, nil)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, shot) {
		t.Fatalf("download: %d, %d bytes", res.StatusCode, len(body))
	}
	if res.Header.Get("Content-Type") != "image/png" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline") ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download headers %v", res.Header)
	}
	t.Run("thumbnail: made once, at most 320 pixels", func(t *testing.T) {
		res, body := get(t, e.Server, got[0].ThumbnailUrl, nil)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("thumbnail: %d %v", res.StatusCode, res.Header)
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(body))
		if err != nil || cfg.Width != attachments.ThumbnailSide || cfg.Height != 240 {
			t.Fatalf("thumbnail %v, %v", cfg, err)
		}
		var kept *int64
		if err := e.Server.Pool.QueryRow(ctx(t), "SELECT thumbnail_size FROM attachments WHERE id = $1", up.Id).Scan(&kept); err != nil || kept == nil || *kept != int64(len(body)) {
			t.Fatalf("kept thumbnail %v, %v", kept, err)
		}
		_, again := get(t, e.Server, got[0].ThumbnailUrl, nil)
		if !bytes.Equal(again, body) {
			t.Fatal("the second thumbnail differs from the first")
		}
	})

	convID := sent.Conversation.Id
	invoice := mustUpload(t, e.Server, e.Lan, "invoice.pdf", pdf)
	reply, err := e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Text: "Your invoice", ClientMessageId: "r-1", AttachmentIds: []string{invoice.Id}})
	if err != nil {
		t.Fatal(err)
	}
	secret := mustUpload(t, e.Server, e.Lan, "notes.txt", []byte("customer seems upset\n"))
	if _, err := e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: convID, Internal: true, ClientMessageId: "n-1", AttachmentIds: []string{secret.Id}}); err != nil {
		t.Fatalf("an internal note with a file: %v", err)
	}
	page, err := visitor.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, m := range page.Messages {
		for _, a := range m.Attachments {
			seen = append(seen, a.FileName)
			if a.Id == invoice.Id {
				res, body := get(t, e.Server, a.Url, nil)
				if res.StatusCode != http.StatusOK || !bytes.Equal(body, pdf) || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || a.ThumbnailUrl != "" {
					t.Fatalf("the visitor's download of the PDF: %d %v", res.StatusCode, res.Header)
				}
			}
		}
	}
	if strings.Join(seen, ",") != "Screenshot 2026-12-02.png,invoice.pdf" || reply.Message.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("the visitor sees files %v", seen)
	}
}

// TestRefusals: what an upload or a send refuses, and why.
func TestRefusals(t *testing.T) { eachStore(t, testRefusals) }

func testRefusals(t *testing.T, store apptest.Option) {
	e := newEnv(t, store, func(c *app.Config) { c.Attachments.MaxBytes = 64 << 10; c.Attachments.VisitorUploads = 12 })
	visitor, visitorToken := e.visitorToken(t)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), bytes.Repeat([]byte{0}, 200)...)
	zip := append([]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"), bytes.Repeat([]byte{1}, 100)...)
	for _, tc := range []struct {
		name, file string
		body       io.Reader
		status     int
		reason     livechatv1.ErrorReason
	}{
		{"over the limit", "big.txt", bytes.NewReader(bytes.Repeat([]byte("a"), 64<<10+1)), 429, livechatv1.ErrorReason_ERROR_REASON_FILE_TOO_LARGE},
		// No Content-Length: the limit holds while streaming.
		{"over the limit, chunked", "big.txt", io.MultiReader(strings.NewReader(strings.Repeat("a", 70<<10))), 429, livechatv1.ErrorReason_ERROR_REASON_FILE_TOO_LARGE},
		{"executable renamed .png", "cat.png", bytes.NewReader(exe), 400, livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED},
		{"archive", "files.zip", bytes.NewReader(zip), 400, livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED},
		{"archive named .docx", "letter.docx", bytes.NewReader(zip), 400, livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED},
		{"HTML named .txt", "page.txt", strings.NewReader("<html><script>alert(1)</script></html>"), 400, livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED},
		{"empty", "empty.txt", strings.NewReader(""), 400, livechatv1.ErrorReason_ERROR_REASON_FILE_EMPTY},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, uerr := upload(t, e.Server, visitor, tc.file, tc.body)
			if uerr == nil || uerr.status != tc.status || uerr.detail.GetReason() != tc.reason {
				t.Fatalf("got %+v, want %d %v", uerr, tc.status, tc.reason)
			}
			if tc.reason == livechatv1.ErrorReason_ERROR_REASON_FILE_TOO_LARGE && uerr.detail.GetLimit() != 64<<10 {
				t.Fatalf("limit %d", uerr.detail.GetLimit())
			}
		})
	}
	t.Run("nothing of refused uploads is kept", func(t *testing.T) {
		var n int
		if err := e.Server.Pool.QueryRow(ctx(t), "SELECT (SELECT count(*) FROM attachment_chunks) + (SELECT count(*) FROM attachments)").Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d chunks and rows, %v", n, err)
		}
	})
	t.Run("the widget's allowed kinds", func(t *testing.T) {
		setKinds := func(t *testing.T, kinds ...livechatv1.AttachmentKind) *livechatv1.Widget {
			t.Helper()
			res, err := e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: &livechatv1.WidgetSettings{
				Name: "Shop", AllowedOrigins: []string{shopOrigin}, AttachmentKinds: kinds,
			}})
			if err != nil {
				t.Fatal(err)
			}
			return res.Widget
		}
		defer setKinds(t)
		v := e.visitor(t)
		w := setKinds(t, livechatv1.AttachmentKind_ATTACHMENT_KIND_IMAGES)
		if got := w.Settings.AttachmentKinds; len(got) != 1 || got[0] != livechatv1.AttachmentKind_ATTACHMENT_KIND_IMAGES {
			t.Fatalf("kinds %v", got)
		}
		cfg, err := e.Server.NewClient(http.Header{"Origin": {shopOrigin}}).Widget.GetWidgetConfig(ctx(t), &livechatv1.GetWidgetConfigRequest{SiteKey: e.widget.SiteKey})
		if err != nil {
			t.Fatal(err)
		}
		if a := cfg.Config.AttachmentAccept; a != "image/png,image/jpeg,image/gif" {
			t.Fatalf("the picker's accept list for images only: %q", a)
		}
		_, uerr := upload(t, e.Server, v, "a.pdf", bytes.NewReader(pdf))
		if uerr == nil || uerr.status != 400 || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_FILE_TYPE_NOT_ALLOWED {
			t.Fatalf("a PDF where only images are allowed: %v", uerr)
		}
		mustUpload(t, e.Server, v, "a.png", screenshot(t, 4, 4))

		setKinds(t, livechatv1.AttachmentKind_ATTACHMENT_KIND_IMAGES, livechatv1.AttachmentKind_ATTACHMENT_KIND_PDF)
		mustUpload(t, e.Server, v, "a.pdf", pdf)
		if _, uerr := upload(t, e.Server, v, "files.zip", bytes.NewReader(zip)); uerr == nil {
			t.Fatal("a ZIP archive without the archives kind was accepted")
		}
		setKinds(t, livechatv1.AttachmentKind_ATTACHMENT_KIND_ARCHIVES)
		if a := mustUpload(t, e.Server, v, "files.zip", zip); a.ContentType != "application/zip" {
			t.Fatalf("archive stored as %s", a.ContentType)
		}
		// Agents keep the default kinds whatever the widget allows.
		mustUpload(t, e.Server, e.Lan, "a.pdf", pdf)

		// Unset: the default kinds, spelled out.
		w = setKinds(t)
		if got := w.Settings.AttachmentKinds; len(got) != 4 {
			t.Fatalf("default kinds %v", got)
		}
		for _, bad := range [][]livechatv1.AttachmentKind{{99}, {livechatv1.AttachmentKind_ATTACHMENT_KIND_PDF, livechatv1.AttachmentKind_ATTACHMENT_KIND_PDF}} {
			_, err := e.Admin.Widget.UpdateWidget(ctx(t), &livechatv1.UpdateWidgetRequest{WidgetId: e.widget.Id, Settings: &livechatv1.WidgetSettings{
				Name: "Shop", AllowedOrigins: []string{shopOrigin}, AttachmentKinds: bad,
			}})
			apptest.WantReason(t, err, connect.CodeInvalidArgument, livechatv1.ErrorReason_ERROR_REASON_INVALID_VALUE)
		}
	})
	t.Run("no credentials", func(t *testing.T) {
		_, uerr := upload(t, e.Server, e.Server.NewClient(nil), "a.txt", strings.NewReader("hi"))
		if uerr == nil || uerr.status != 401 || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_SIGN_IN_REQUIRED {
			t.Fatalf("got %+v", uerr)
		}
	})
	t.Run("the dashboard's cookie from another site", func(t *testing.T) {
		evil := *e.Lan
		evil.HTTP = &http.Client{Jar: e.Lan.HTTP.Jar, Transport: originTransport{"https://evil.example"}}
		_, uerr := upload(t, e.Server, &evil, "a.txt", strings.NewReader("hi"))
		if uerr == nil || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_ORIGIN_NOT_ALLOWED {
			t.Fatalf("got %+v", uerr)
		}
	})
	t.Run("a visitor's token from a page the widget does not allow", func(t *testing.T) {
		req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, e.Server.URL+attachments.PathPrefix+"?name=a.txt", strings.NewReader("hi"))
		req.Header.Set("Origin", "https://evil.example")
		req.Header.Set("Authorization", "Bearer "+visitorToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if uerr := parseError(t, res.StatusCode, data); uerr.status != 403 {
			t.Fatalf("got %+v", uerr)
		}
	})

	t.Run("sends naming files that are not the sender's", func(t *testing.T) {
		mine := mustUpload(t, e.Server, visitor, "mine.txt", []byte("mine\n"))
		agents := mustUpload(t, e.Server, e.Lan, "agents.txt", []byte("agents\n"))
		other := e.visitor(t)
		for name, ids := range map[string][]string{
			"another visitor's upload": {mine.Id},
			"an agent's upload":        {agents.Id},
			"a guessed id":             {"0194b9a3-0000-7000-8000-000000000000"},
		} {
			_, err := other.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "x", ClientMessageId: name, AttachmentIds: ids})
			if reason(err) != livechatv1.ErrorReason_ERROR_REASON_ATTACHMENT_NOT_FOUND {
				t.Errorf("%s: %v", name, err)
			}
		}
		if _, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{ClientMessageId: "m-1", AttachmentIds: []string{mine.Id}}); err != nil {
			t.Fatal(err)
		}
		_, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{ClientMessageId: "m-2", AttachmentIds: []string{mine.Id}})
		if reason(err) != livechatv1.ErrorReason_ERROR_REASON_ATTACHMENT_NOT_FOUND {
			t.Errorf("a file sent already: %v", err)
		}
		page, err := other.Widget.ListMessages(ctx(t), &livechatv1.WidgetServiceListMessagesRequest{})
		if err != nil || len(page.Messages) != 0 {
			t.Fatalf("a refused send stored messages: %v, %v", page, err)
		}
	})
	t.Run("rate limit per visitor", func(t *testing.T) {
		v := e.visitor(t)
		var last *uploadErr
		for range 13 {
			_, last = upload(t, e.Server, v, "a.txt", strings.NewReader("hi"))
		}
		if last == nil || last.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_RATE_LIMITED || last.detail.GetRetryAfter() == nil {
			t.Fatalf("the 13th upload: %+v", last)
		}
	})
}

// TestLinks: only a fresh, intact link downloads; ranges and caching work.
func TestLinks(t *testing.T) { eachStore(t, testLinks) }

func testLinks(t *testing.T, store apptest.Option) {
	e := newEnv(t, store)
	visitor := e.visitor(t)
	body := bytes.Repeat([]byte("0123456789"), 100_000) // four chunks
	up := mustUpload(t, e.Server, visitor, "log.txt", body)
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{ClientMessageId: "v-1", AttachmentIds: []string{up.Id}})
	if err != nil {
		t.Fatal(err)
	}
	link := sent.Message.Attachments[0].Url
	other := mustUpload(t, e.Server, e.Lan, "other.txt", []byte("other\n"))
	for name, l := range map[string]string{
		"a guessed id":                 attachments.PathPrefix + "/" + other.Id,
		"another file's signature":     strings.Replace(link, up.Id, other.Id, 1),
		"a later expiry":               strings.Replace(link, "exp=", "exp=9", 1),
		"the thumbnail of a text file": strings.Replace(link, "?", "/thumb?", 1),
		"a malformed id":               attachments.PathPrefix + "/nope",
	} {
		res, data := get(t, e.Server, l, nil)
		if uerr := parseError(t, res.StatusCode, data); res.StatusCode != 403 || uerr.detail.GetReason() != livechatv1.ErrorReason_ERROR_REASON_ATTACHMENT_LINK_EXPIRED {
			t.Errorf("%s: %d %s", name, res.StatusCode, data)
		}
	}
	res, data := get(t, e.Server, link, http.Header{"Range": {"bytes=262140-262149"}})
	if res.StatusCode != http.StatusPartialContent || string(data) != "0123456789" {
		t.Fatalf("a range across two chunks: %d %q", res.StatusCode, data)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private, max-age=") || res.Header.Get("ETag") == "" {
		t.Fatalf("caching headers %v", res.Header)
	}
	res, _ = get(t, e.Server, link, http.Header{"If-None-Match": {res.Header.Get("ETag")}})
	if res.StatusCode != http.StatusNotModified {
		t.Fatalf("a cached copy: %d", res.StatusCode)
	}
}

// TestGPSStripped: a photo's EXIF (with its GPS position) does not survive
// the upload; its pixels do.
func TestGPSStripped(t *testing.T) { eachStore(t, testGPSStripped) }

func testGPSStripped(t *testing.T, store apptest.Option) {
	e := newEnv(t, store)
	photo := gpsJPEG(t)
	if !bytes.Contains(photo, []byte("Exif\x00\x00")) || !bytes.Contains(photo, []byte{0x25, 0x88}) {
		t.Fatal("the test photo carries no GPS")
	}
	up := mustUpload(t, e.Server, e.Lan, "IMG_0001.JPG", photo)
	visitor := e.visitor(t)
	sent, err := visitor.Widget.SendMessage(ctx(t), &livechatv1.WidgetServiceSendMessageRequest{Text: "hi", ClientMessageId: "v-1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.Lan.Conversation.SendMessage(ctx(t), &livechatv1.SendMessageRequest{ConversationId: sent.Conversation.Id, ClientMessageId: "r-1", AttachmentIds: []string{up.Id}})
	if err != nil {
		t.Fatal(err)
	}
	res, served := get(t, e.Server, m.Message.Attachments[0].Url, nil)
	if res.StatusCode != 200 || bytes.Contains(served, []byte("Exif")) || bytes.Contains(served, []byte{0x25, 0x88}) {
		t.Fatalf("the served photo keeps its EXIF: %d", res.StatusCode)
	}
	img, _, err := image.Decode(bytes.NewReader(served))
	if err != nil || img.Bounds().Dx() != 64 || up.Width != 64 || up.Height != 48 || up.FileName != "IMG_0001.JPG" {
		t.Fatalf("the served photo: %v, %v", err, up)
	}
}

func reason(err error) livechatv1.ErrorReason { return apptest.Reason(err) }

// originTransport sends requests as a page on origin would.
type originTransport struct{ origin string }

func (o originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Origin", o.origin)
	return http.DefaultTransport.RoundTrip(r)
}
