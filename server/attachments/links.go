package attachments

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/server/apperr"
)

// PathPrefix is where files are uploaded and downloaded; links are
// relative to the server's address.
const PathPrefix = "/api/attachments"

// Sign fills in a's download links: PathPrefix/<id>[/thumb]?exp=…&sig=…,
// valid until exp (unix seconds). The expiry is rounded up to a window of
// a third of the link lifetime, so a file keeps one link for that long and
// browsers reuse what they cached.
func (s *Service) Sign(ctx context.Context, a Attachment) (Attachment, error) {
	if a.RemovedAt != nil {
		// Nothing left to download.
		return a, nil
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return a, err
	}
	window := s.cfg.LinkTTL / 3
	exp := s.Now().Truncate(window).Add(s.cfg.LinkTTL + window).Unix()
	a.URL = link(key, a.ID, false, exp)
	if a.IsImage() {
		a.ThumbnailURL = link(key, a.ID, true, exp)
	}
	return a, nil
}

func link(key []byte, id uuid.UUID, thumb bool, exp int64) string {
	p := PathPrefix + "/" + id.String()
	if thumb {
		p += "/thumb"
	}
	return p + "?exp=" + strconv.FormatInt(exp, 10) + "&sig=" + signature(key, id, thumb, exp)
}

// signature is the MAC of what a link grants: which file, which variant,
// until when.
func signature(key []byte, id uuid.UUID, thumb bool, exp int64) string {
	m := hmac.New(sha256.New, key)
	fmt.Fprintf(m, "%s|%t|%d", id, thumb, exp)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

func (s *Service) signingKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key == nil {
		k, err := s.q.AttachmentSigningKey(ctx)
		if err != nil {
			return nil, err
		}
		s.key = k
	}
	return s.key, nil
}

// Download is a file a link granted: its metadata and the means to read
// it (Range).
type Download struct {
	Attachment
	// Thumbnail: the download is the image's preview (a JPEG).
	Thumbnail bool
	// Size and ContentType are the served bytes'.
	Size        int64
	ContentType string
	// Expires is when the link stops working.
	Expires time.Time
	store   Store
	key     string
}

// Range reads n bytes (n < 0: to the end) from offset off.
func (d Download) Range(ctx context.Context, off, n int64) (io.ReadCloser, error) {
	return d.store.Open(ctx, d.key, off, n)
}

// Open checks a download link (the file's id, whether the thumbnail is
// asked for, and the link's exp and sig) and returns the file. A link that
// does not verify, or has expired, is AttachmentLinkExpired; the same for
// a file deleted since (a link never tells whether an id exists). A
// thumbnail is made on its first download and kept.
func (s *Service) Open(ctx context.Context, id uuid.UUID, thumb bool, exp, sig string) (Download, error) {
	key, err := s.signingKey(ctx)
	if err != nil {
		return Download{}, err
	}
	expired := apperr.New(apperr.AttachmentLinkExpired, "the link expired or is not valid; reload the conversation for a fresh one")
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(signature(key, id, thumb, e))) || s.Now().Unix() > e {
		return Download{}, expired
	}
	row, err := s.q.GetAttachment(ctx, id)
	if apperr.Is(err, apperr.NotFound) {
		return Download{}, expired
	}
	if err != nil {
		return Download{}, err
	}
	a := fromRow(row)
	if a.RemovedAt != nil {
		return Download{}, expired
	}
	store, ok := s.stores[a.store]
	if !ok {
		return Download{}, errUnknownStore(a.store)
	}
	d := Download{Attachment: a, Size: a.Size, ContentType: a.ContentType, Expires: time.Unix(e, 0), store: store, key: id.String()}
	if thumb {
		if !a.IsImage() {
			return Download{}, expired
		}
		if d.Size, err = s.thumbnail(ctx, a, store); err != nil {
			return Download{}, err
		}
		d.Thumbnail, d.ContentType, d.key = true, typeJPEG.mime, thumbKey(id)
	}
	return d, nil
}

func thumbKey(id uuid.UUID) string { return id.String() + ".thumb" }

func errUnknownStore(name string) error {
	return apperr.New(apperr.NotAvailable, "no %q store is configured", name)
}
