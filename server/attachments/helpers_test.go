package attachments_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
	"github.com/opensupport/livechat/server/apptest"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/attachments/s3store"
	"github.com/opensupport/livechat/server/attachments/s3test"
	"github.com/opensupport/livechat/server/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// eachStore runs a test on each store: PostgreSQL, and S3 (a real
// S3-compatible server started for the test).
func eachStore(t *testing.T, test func(t *testing.T, store apptest.Option)) {
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		test(t, func(*app.Config) {})
	})
	t.Run("s3", func(t *testing.T) {
		t.Parallel()
		s3 := s3test.Start(t)
		test(t, func(c *app.Config) { c.AttachmentStore, c.S3 = s3store.Name, s3 })
	})
}

const shopOrigin = "https://shop.example"

func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// env is a running server with a signed-in team and a widget on shopOrigin.
type env struct {
	*apptest.Team
	widget *livechatv1.Widget
}

func newEnv(t *testing.T, opts ...apptest.Option) *env {
	t.Helper()
	tm := apptest.NewTeam(t, opts...)
	res, err := tm.Admin.Widget.CreateWidget(ctx(t), &livechatv1.CreateWidgetRequest{Settings: &livechatv1.WidgetSettings{Name: "Shop", AllowedOrigins: []string{shopOrigin}}})
	if err != nil {
		t.Fatal(err)
	}
	return &env{Team: tm, widget: res.Widget}
}

// visitor starts a visitor session on the shop's page.
func (e *env) visitor(t *testing.T) *apptest.Client {
	t.Helper()
	c, _ := e.visitorToken(t)
	return c
}

// visitorToken is visitor, with the visitor's token.
func (e *env) visitorToken(t *testing.T) (*apptest.Client, string) {
	t.Helper()
	h := http.Header{"Origin": {shopOrigin}}
	res, err := e.Server.NewClient(h).Widget.StartSession(ctx(t), &livechatv1.StartSessionRequest{SiteKey: e.widget.SiteKey})
	if err != nil {
		t.Fatal(err)
	}
	h.Set("Authorization", "Bearer "+res.VisitorToken)
	return e.Server.NewClient(h), res.VisitorToken
}

// uploadErr is a refused upload: the HTTP status and the error's detail.
type uploadErr struct {
	status int
	code   string
	detail *livechatv1.ErrorDetail
}

func (u *uploadErr) Error() string { return u.code + " " + u.detail.GetReason().String() }

// upload posts body as a file named name with c's credentials.
func upload(t *testing.T, srv *apptest.Server, c *apptest.Client, name string, body io.Reader) (*livechatv1.Attachment, *uploadErr) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, srv.URL+attachments.PathPrefix+"?name="+url.QueryEscape(name), body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		return nil, parseError(t, res.StatusCode, data)
	}
	var out livechatv1.UploadAttachmentResponse
	if err := protojson.Unmarshal(data, &out); err != nil {
		t.Fatalf("upload answer %s: %v", data, err)
	}
	return out.Attachment, nil
}

// parseError reads Connect's JSON error and its livechat.v1.ErrorDetail.
func parseError(t *testing.T, status int, data []byte) *uploadErr {
	t.Helper()
	var wire struct {
		Code    string `json:"code"`
		Details []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"details"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		t.Fatalf("error body %q: %v", data, err)
	}
	out := &uploadErr{status: status, code: wire.Code, detail: &livechatv1.ErrorDetail{}}
	for _, d := range wire.Details {
		if d.Type == "livechat.v1.ErrorDetail" {
			raw, err := base64.RawStdEncoding.DecodeString(d.Value)
			if err != nil {
				t.Fatal(err)
			}
			if err := proto.Unmarshal(raw, out.detail); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

func mustUpload(t *testing.T, srv *apptest.Server, c *apptest.Client, name string, body []byte) *livechatv1.Attachment {
	t.Helper()
	a, uerr := upload(t, srv, c, name, bytes.NewReader(body))
	if uerr != nil {
		t.Fatalf("upload %s: %v", name, uerr)
	}
	return a
}

// get fetches a link (relative to the server) with optional headers.
func get(t *testing.T, srv *apptest.Server, link string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, srv.URL+link, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, data
}

// screenshot is a PNG of w×h pixels.
func screenshot(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 200, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pdf is a minimal PDF document.
var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// gpsJPEG is a photo carrying EXIF with a GPS position (the APP1 segment
// a phone writes): IFD0 points to a GPS IFD holding GPSLatitudeRef "N".
func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	var plain bytes.Buffer
	if err := jpeg.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	// TIFF, little endian: header, IFD0 with one entry (GPSInfo 0x8825 ->
	// offset 26), GPS IFD with one entry (GPSLatitudeRef 0x0001, ASCII "N").
	tiff := []byte{
		'I', 'I', 42, 0, 8, 0, 0, 0,
		1, 0, 0x25, 0x88, 4, 0, 1, 0, 0, 0, 26, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 1, 0, 2, 0, 2, 0, 0, 0, 'N', 0, 0, 0, 0, 0, 0, 0,
	}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	n := len(payload) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, payload...)
	out := append([]byte{0xFF, 0xD8}, app1...)
	return append(out, plain.Bytes()[2:]...)
}
