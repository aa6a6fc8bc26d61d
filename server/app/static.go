package app

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
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

// staticFile is one embedded file, with its ETag computed once.
type staticFile struct {
	name    string
	body    []byte
	etag    string
	modTime time.Time
}

func loadStatic(fsys fs.FS, name string) (*staticFile, error) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	return &staticFile{name: name, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}, nil
}

// serve writes f with its ETag, answering conditional requests with 304.
func (f *staticFile) serve(w http.ResponseWriter, r *http.Request, cacheControl string) {
	w.Header().Set("Cache-Control", cacheControl)
	w.Header().Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, f.modTime, bytes.NewReader(f.body))
}

// mountStatic serves the dashboard at / (with SPA fallback) and the widget
// at /widget.js, /widget.css and /widget-assets/.
func (a *App) mountStatic() error {
	dash, err := fs.Sub(frontend.Dist, "dist")
	if err != nil {
		return err
	}
	wid, err := fs.Sub(widget.Dist, "dist")
	if err != nil {
		return err
	}

	index, err := loadStatic(dash, "index.html")
	if err != nil {
		index = &staticFile{name: "index.html", body: []byte(placeholderPage), etag: `"placeholder"`}
	}
	assets := http.FileServerFS(dash)
	// "/" without a method: the RPC routes are method-less, and ServeMux
	// refuses a "GET /" pattern beside them.
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		if strings.HasPrefix(p, "assets/") {
			if _, err := fs.Stat(dash, p); err == nil {
				// Vite puts a content hash in every asset name.
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
				assets.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		if p != "" && p != "index.html" && path.Ext(p) != "" {
			if _, err := fs.Stat(dash, p); err == nil {
				w.Header().Set("Cache-Control", "public, max-age=3600")
				assets.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
			return
		}
		// Every other path is a dashboard route: the app routes it itself.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		index.serve(w, r, "no-cache")
	})

	// The widget files are embedded on customers' sites: any origin may load
	// them. The entry files keep a stable URL, so they are cached briefly and
	// revalidated by ETag; the chunks they load carry a content hash.
	for _, name := range []string{"widget.js", "widget.css"} {
		f, err := loadStatic(wid, name)
		if err != nil {
			continue
		}
		a.mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
			f.serve(w, r, "public, max-age=300")
		})
	}
	widAssets, err := fs.Sub(wid, "assets")
	if err != nil {
		return err
	}
	widgetAssets := http.StripPrefix("/widget-assets/", http.FileServerFS(widAssets))
	a.mux.HandleFunc("GET /widget-assets/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Cross-Origin-Resource-Policy", "cross-origin")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		widgetAssets.ServeHTTP(w, r)
	})
	return nil
}
