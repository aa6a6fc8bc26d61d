// Package attachmentsapi serves the attachment routes over plain HTTP:
// POST /api/attachments (upload, streamed to the store) and
// GET /api/attachments/{id}[/thumb] (download by signed link). Uploads are
// not an RPC so that the body streams to storage as it arrives and browsers
// can report progress; errors are written as Connect's JSON error with
// the livechat.v1.ErrorDetail, so clients read them like any RPC's.
package attachmentsapi

import (
	"context"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect/v2/connecthttp"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/principal"
	"github.com/opensupport/livechat/server/reqinfo"
)

// Callers resolves who makes a request, as for RPCs (authapi.Interceptor).
type Callers interface {
	ResolveHTTP(w http.ResponseWriter, r *http.Request) (principal.Principal, error)
}

// Handler serves the attachment routes.
type Handler struct {
	svc     *attachments.Service
	callers Callers
	log     *slog.Logger
	errors  *connecthttp.ErrorWriter
}

// NewHandler returns the handler of svc's routes.
func NewHandler(svc *attachments.Service, callers Callers, log *slog.Logger) *Handler {
	return &Handler{svc: svc, callers: callers, log: log, errors: connecthttp.NewErrorWriter()}
}

// uploadReadTimeout is how long an upload's body may take: a 10 MB file
// over a slow mobile link needs minutes, not the API's usual seconds.
const uploadReadTimeout = 5 * time.Minute

// Mount adds the routes to mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("POST "+attachments.PathPrefix, h.upload)
	mux.HandleFunc("GET "+attachments.PathPrefix+"/{id}", h.download)
	mux.HandleFunc("GET "+attachments.PathPrefix+"/{id}/thumb", h.download)
	h.mountAvatars(mux)
}

// upload stores the raw body as a file named by ?name= for the caller.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p, err := h.callers.ResolveHTTP(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
	f := attachments.File{
		Name: r.URL.Query().Get("name"), Size: r.ContentLength, Body: r.Body,
		Address: reqinfo.LimitKey(reqinfo.ClientIP(r.Context())),
	}
	var a attachments.Attachment
	switch {
	case p.IsVisitor():
		a, err = h.svc.UploadAsVisitor(r.Context(), p.Visitor(), f)
	default:
		a, err = h.svc.UploadAsAgent(r.Context(), p.Agent(), f)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	body, err := protojson.Marshal(&livechatv1.UploadAttachmentResponse{Attachment: AttachmentProto(a)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// download serves a file by signed link: Range and conditional requests
// (http.ServeContent), cached privately until the link expires, never
// rendered as a page of the server's origin (attachment disposition but
// for images, nosniff, a sandboxing CSP).
func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		h.fail(w, r, apperr.New(apperr.AttachmentLinkExpired, "not a valid link"))
		return
	}
	q := r.URL.Query()
	thumb := strings.HasSuffix(r.URL.Path, "/thumb")
	d, err := h.svc.Open(r.Context(), id, thumb, q.Get("exp"), q.Get("sig"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := fileHeaders(w, d.ContentType, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	disposition := "attachment"
	if d.IsImage() {
		disposition = "inline"
	}
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": d.FileName}))
	maxAge := max(int(time.Until(d.Expires).Seconds()), 0)
	hd.Set("Cache-Control", "private, max-age="+strconv.Itoa(maxAge)+", immutable")
	variant := "f"
	if d.Thumbnail {
		variant = "t"
	}
	// The bytes of an id never change.
	hd.Set("ETag", `"`+d.ID.String()+"-"+variant+`"`)
	serveContent(w, r, d)
}

// fileHeaders sets what every file served carries: its type, no sniffing,
// the sandboxing csp, and use from the websites that embed the widget.
func fileHeaders(w http.ResponseWriter, contentType, csp string) http.Header {
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Content-Security-Policy", csp)
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin")
	return hd
}

// serveContent writes d's bytes, answering Range and conditional requests.
func serveContent(w http.ResponseWriter, r *http.Request, d attachments.Download) {
	body := &seeker{ctx: r.Context(), d: d}
	defer body.close()
	http.ServeContent(w, r, "", d.CreatedAt, body)
}

// fail writes err as Connect's JSON error; an error without a reason is
// logged and shown as internal.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	public, internal := apperr.ToConnect(err)
	if internal != nil {
		h.log.ErrorContext(r.Context(), "attachments: request failed", "path", r.URL.Path, "err", internal)
	}
	w.Header().Del("Content-Disposition")
	_ = h.errors.Write(w, r, public)
}

// seeker is the file as an io.ReadSeeker for http.ServeContent: it knows
// the size without reading, and opens the store at the offset asked for
// only when read, so a Range request reads only its range.
type seeker struct {
	ctx context.Context
	d   attachments.Download
	off int64
	rc  io.ReadCloser
}

func (s *seeker) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.d.Size
	}
	if offset < 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if offset != s.off && s.rc != nil {
		_ = s.rc.Close()
		s.rc = nil
	}
	s.off = offset
	return offset, nil
}

func (s *seeker) Read(p []byte) (int, error) {
	if s.off >= s.d.Size {
		return 0, io.EOF
	}
	if s.rc == nil {
		rc, err := s.d.Range(s.ctx, s.off, -1)
		if err != nil {
			return 0, err
		}
		s.rc = rc
	}
	n, err := s.rc.Read(p)
	s.off += int64(n)
	return n, err
}

func (s *seeker) close() {
	if s.rc != nil {
		_ = s.rc.Close()
	}
}
