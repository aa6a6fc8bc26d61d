package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/opensupport/livechat/frontend"
	"github.com/opensupport/livechat/widget"
)

// placeholderPage is served at / when the binary was built without the
// dashboard (go build before npm run build).
const placeholderPage = `<!doctype html><meta charset="utf-8"><title>livechat</title>
<p>The livechat server is running, but this binary was built without the dashboard.
Run <code>make build</code> (or <code>make run</code>) to include it.</p>`

// The caching of the static files.
const (
	// cacheImmutable is for files with a content hash in their name: a new
	// build gives them a new name, so they never change under one.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheEntry is for files loaded by a stable URL, such as the widget's
	// entry files on customers' pages and the OpenAPI document: a new
	// version reaches clients within minutes, and the ETag makes the check
	// cheap.
	cacheEntry = "public, max-age=300"
	// cacheRevalidate is for the dashboard's index.html: always checked, so
	// a new build's asset names are picked up at once.
	cacheRevalidate = "no-cache"
	// cacheOther is for the dashboard's other unhashed files.
	cacheOther = "public, max-age=3600"
)

// The content codings the build precompresses (tools/precompress.mjs),
// by the file suffix of their copies, in order of preference: brotli is
// about 15% smaller than gzip on our scripts.
var precompressed = []struct{ coding, suffix string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// representation is one encoding of an embedded file.
type representation struct {
	coding string // "" for the file itself
	body   []byte
	etag   string
}

// staticFile is one embedded file with its precompressed copies, ETags
// computed once.
type staticFile struct {
	name        string
	contentType string
	identity    representation
	// encoded are the precompressed copies, in order of preference.
	encoded []representation
}

// newStaticFile makes a staticFile of a body and its precompressed copies
// (coding → body). Each representation gets its own ETag, as HTTP requires
// of different bytes under one URL.
func newStaticFile(name string, body []byte, encoded map[string][]byte) *staticFile {
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:12])
	f := &staticFile{
		name:        name,
		contentType: mime.TypeByExtension(path.Ext(name)),
		identity:    representation{body: body, etag: `"` + tag + `"`},
	}
	if f.contentType == "" {
		f.contentType = http.DetectContentType(body)
	}
	for _, p := range precompressed {
		if b, ok := encoded[p.coding]; ok {
			f.encoded = append(f.encoded, representation{coding: p.coding, body: b, etag: `"` + tag + "-" + p.coding + `"`})
		}
	}
	return f
}

// loadStaticFiles reads every file of fsys with its .br and .gz copies,
// keyed by path ("assets/index-abc.js"). The copies themselves are not
// served under their own names.
func loadStaticFiles(fsys fs.FS) (map[string]*staticFile, error) {
	files := map[string]*staticFile{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || isPrecompressedCopy(p) || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		encoded := map[string][]byte{}
		for _, c := range precompressed {
			if b, err := fs.ReadFile(fsys, p+c.suffix); err == nil {
				encoded[c.coding] = b
			}
		}
		files[p] = newStaticFile(p, body, encoded)
		return nil
	})
	return files, err
}

func isPrecompressedCopy(p string) bool {
	for _, c := range precompressed {
		if strings.HasSuffix(p, c.suffix) {
			return true
		}
	}
	return false
}

// serve writes f, precompressed when the client accepts it, answering
// conditional requests with 304.
//
// A request with a Range header gets ranges of the file itself (identity):
// byte offsets then mean the same thing whatever the client accepts, and a
// resumed download cannot mix bytes of two encodings.
func (f *staticFile) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	h := w.Header()
	h.Set("Cache-Control", cacheControl)
	h.Set("Content-Type", f.contentType)
	if len(f.encoded) > 0 {
		h.Add("Vary", "Accept-Encoding")
	}
	rep := &f.identity
	if r.Header.Get("Range") == "" {
		rep = f.negotiate(r.Header.Get("Accept-Encoding"))
	}
	h.Set("ETag", rep.etag)
	if rep.coding == "" {
		http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(rep.body))
		return
	}
	if etagListMatches(r.Header.Get("If-None-Match"), rep.etag) {
		h.Del("Content-Type")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Encoding", rep.coding)
	h.Set("Content-Length", strconv.Itoa(len(rep.body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(rep.body)
	}
}

// negotiate picks the representation of f for an Accept-Encoding header:
// the acceptable coding with the highest q-value, ties broken by our
// preference (br, gzip, then the file itself). The file itself is
// acceptable unless the header refuses it ("identity;q=0", or "*;q=0"
// without naming identity); when nothing is acceptable it is sent anyway,
// which HTTP allows and every client can read.
func (f *staticFile) negotiate(acceptEncoding string) *representation {
	if acceptEncoding == "" || len(f.encoded) == 0 {
		return &f.identity
	}
	q := parseAcceptEncoding(acceptEncoding)
	qOf := func(coding string) float64 {
		if v, ok := q[coding]; ok {
			return v
		}
		if coding == "identity" {
			if v, ok := q["*"]; ok && v == 0 {
				return 0
			}
			return 0.001 // acceptable, but any named coding wins
		}
		return q["*"] // 0 when absent: not acceptable
	}
	best, bestQ := &f.identity, qOf("identity")
	for i := range f.encoded {
		if v := qOf(f.encoded[i].coding); v > 0 && v > bestQ {
			best, bestQ = &f.encoded[i], v
		}
	}
	return best
}

// parseAcceptEncoding reads an Accept-Encoding header into coding → q
// (lower-case codings; a missing or malformed q counts as 1, as a client
// that names a coding means to accept it). "x-gzip" is gzip.
func parseAcceptEncoding(s string) map[string]float64 {
	q := map[string]float64{}
	for part := range strings.SplitSeq(s, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding == "" {
			continue
		}
		if coding == "x-gzip" {
			coding = "gzip"
		}
		v := 1.0
		for param := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && f >= 0 && f <= 1 {
					v = f
				}
			}
		}
		q[coding] = v
	}
	return q
}

// etagListMatches reports whether an If-None-Match header matches etag,
// comparing weakly as RFC 9110 asks for If-None-Match.
func etagListMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for candidate := range strings.SplitSeq(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == etag {
			return true
		}
	}
	return false
}

// mountStatic serves the dashboard at / (with SPA fallback) and the widget
// at /widget.js, /widget.css and /widget-assets/.
func (a *App) mountStatic() error {
	dashFS, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return err
	}
	widFS, err := fs.Sub(widget.Dist, "dist")
	if err != nil {
		return err
	}
	dash, err := loadStaticFiles(dashFS)
	if err != nil {
		return err
	}
	wid, err := loadStaticFiles(widFS)
	if err != nil {
		return err
	}

	index := dash["index.html"]
	if index == nil {
		index = newStaticFile("index.html", []byte(placeholderPage), nil)
	}
	index.contentType = "text/html; charset=utf-8"
	// "/" without a method: the RPC routes are method-less, and ServeMux
	// refuses a "GET /" pattern beside them.
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasPrefix(p, "assets/") || (p != "" && p != "index.html" && path.Ext(p) != "") {
			f := dash[p]
			if f == nil {
				http.NotFound(w, r)
				return
			}
			cache := cacheOther
			if strings.HasPrefix(p, "assets/") {
				cache = cacheImmutable // Vite puts a content hash in every asset name.
			}
			f.serve(w, r, cache)
			return
		}
		// Every other path is a dashboard route: the app routes it itself.
		index.serve(w, r, cacheRevalidate)
	})

	// The widget files are embedded on customers' sites: any origin may load
	// them. The entry files keep a stable URL, so they are cached briefly and
	// revalidated by ETag; the chunks they load carry a content hash.
	serveWidget := func(w http.ResponseWriter, r *http.Request, f *staticFile, cache string) {
		readableAnywhere(w.Header())
		if f == nil {
			http.NotFound(w, r)
			return
		}
		f.serve(w, r, cache)
	}
	for _, name := range []string{"widget.js", "widget.css"} {
		if f := wid[name]; f != nil {
			a.mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
				serveWidget(w, r, f, cacheEntry)
			})
		}
	}
	a.mux.HandleFunc("GET /widget-assets/", func(w http.ResponseWriter, r *http.Request) {
		p := "assets/" + strings.TrimPrefix(path.Clean(r.URL.Path), "/widget-assets/")
		serveWidget(w, r, wid[p], cacheImmutable)
	})
	return nil
}
