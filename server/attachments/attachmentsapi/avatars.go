package attachmentsapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/attachments"
	"github.com/opensupport/livechat/server/protoconv"
)

// The avatar routes:
//
//	POST   /api/avatars[?agent_id=…|?token_id=…]   the raw image as the body
//	DELETE /api/avatars[?agent_id=…|?token_id=…]
//	GET    /api/avatars/<hash>.jpg                 public, cached for ever
//
// Uploads and deletions are the dashboard's and the API's (agents; another
// agent's or a bot token's avatar: admins); the answer is {"avatarUrl": …}.

func (h *Handler) mountAvatars(mux *http.ServeMux) {
	mux.HandleFunc("POST "+strings.TrimSuffix(attachments.AvatarPath, "/"), h.setAvatar)
	mux.HandleFunc("DELETE "+strings.TrimSuffix(attachments.AvatarPath, "/"), h.setAvatar)
	mux.HandleFunc("GET "+attachments.AvatarPath+"{name}", h.avatar)
}

// setAvatar sets (POST) or removes (DELETE) an avatar.
func (h *Handler) setAvatar(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	p, err := h.callers.ResolveHTTP(w, r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !p.IsAgent() {
		h.fail(w, r, apperr.New(apperr.PermissionDenied, "only agents have avatars"))
		return
	}
	var who attachments.AvatarFor
	q := r.URL.Query()
	if v := q.Get("agent_id"); v != "" {
		if who.AgentID, err = protoconv.ParseID("agent_id", v); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if v := q.Get("token_id"); v != "" {
		if who.TokenID, err = protoconv.ParseID("token_id", v); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if who.AgentID != uuid.Nil && who.TokenID != uuid.Nil {
		h.fail(w, r, apperr.New(apperr.InvalidValue, "name an agent or a token, not both").WithField("token_id"))
		return
	}
	var f *attachments.File
	if r.Method == http.MethodPost {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTimeout))
		f = &attachments.File{Name: q.Get("name"), Size: r.ContentLength, Body: r.Body}
	}
	url, err := h.svc.SetAvatar(r.Context(), p.Agent(), who, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"avatarUrl": url})
}

// avatar serves an avatar: public (visitors see them), cached for ever
// (the URL names the bytes), shown on any site that embeds the widget.
func (h *Handler) avatar(w http.ResponseWriter, r *http.Request) {
	d, err := h.svc.OpenAvatar(r.Context(), r.PathValue("name"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hd := fileHeaders(w, d.ContentType, "default-src 'none'; sandbox")
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	hd.Set("ETag", `"`+r.PathValue("name")+`"`)
	serveContent(w, r, d)
}
