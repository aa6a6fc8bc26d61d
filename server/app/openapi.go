package app

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"sync"

	"github.com/opensupport/livechat/gen/openapi"
)

// OpenAPIPath is where the OpenAPI document of the API's JSON form is
// served (docs/openapi.md).
const OpenAPIPath = "/openapi.json"

// openAPIDocument is the embedded document with a gzip copy, made on first
// use rather than at every start: about 200 kB of JSON that compresses to a
// tenth.
var openAPIDocument = sync.OnceValue(func() *staticFile {
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	_, _ = zw.Write(openapi.JSON)
	_ = zw.Close()
	return newStaticFile("openapi.json", openapi.JSON, map[string][]byte{"gzip": gz.Bytes()})
})

// serveOpenAPI serves the OpenAPI document. Any origin may read it: it
// holds nothing secret, and the documentation tools that read it run on
// other origins. It changes only with a new binary, so it is cached briefly
// and revalidated by its ETag.
func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	readableAnywhere(w.Header())
	openAPIDocument().serve(w, r, cacheEntry)
}

// readableAnywhere lets pages of any origin read a response without
// credentials: the widget's files and the OpenAPI document.
func readableAnywhere(h http.Header) {
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}
