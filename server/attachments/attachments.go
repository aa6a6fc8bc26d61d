// Package attachments keeps the files sent with messages: uploads (type
// sniffed from the content, names cleaned, image metadata stripped, sizes
// and rates limited), the store that holds the bytes (Store; PostgreSQL by
// default), signed download links, thumbnails made once and kept, and the
// sweeps that delete unsent uploads and the bytes of deleted attachments.
//
// A file is uploaded first and belongs to its uploader alone; the send of a
// message binds it to that message (Bind, called by the chat domain inside
// the send's transaction), and from then on whoever may see the message
// gets its links. The links are the only way to download: they name the
// file and carry an expiry and a signature (links.go), so an <img> tag
// needs no headers and a guessed id or an old link fetches nothing.
//
// Service speaks Go types and knows nothing about HTTP; package
// attachmentsapi serves the upload and download routes.
package attachments

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig and thumbnails of GIFs
	_ "image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db"
	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/limits"
	"github.com/opensupport/livechat/server/principal"
)

// Attachment is one file's metadata as a reader of its message sees it.
type Attachment struct {
	ID          uuid.UUID
	FileName    string
	ContentType string
	Size        int64
	// Width and Height are an image's pixel size; 0 for other files.
	Width, Height int32
	// MessageID and ConversationID are nil until the file is sent.
	MessageID      *uuid.UUID
	ConversationID *uuid.UUID
	CreatedAt      time.Time
	// RemovedAt is set when a retention policy removed the bytes: the row
	// stays as a "file removed" marker, without links.
	RemovedAt *time.Time
	// URL and ThumbnailURL are signed download links (ThumbnailURL for
	// images only), relative to the server's address; empty until Sign.
	URL, ThumbnailURL string
	// store is the name of the store holding the bytes; thumbnailSize is
	// the kept thumbnail's size, 0 until it is made.
	store         string
	thumbnailSize int64
}

// IsImage reports whether the file is an image the server previews.
func (a Attachment) IsImage() bool {
	return a.ContentType == typePNG.mime || a.ContentType == typeJPEG.mime || a.ContentType == typeGIF.mime
}

// Config are the limits of uploads and links.
type Config struct {
	// MaxBytes is the largest file; 0 means limits.DefaultAttachmentBytes.
	MaxBytes int64
	// LinkTTL is how long a download link works at least; 0 means 15
	// minutes. Links are issued in windows of a third of it, so the same
	// file has the same link for a while and browsers can cache it.
	LinkTTL time.Duration
	// VisitorUploads per visitor and AddressUploads per client address,
	// per UploadWindow. 0 means 20 and 60 per 10 minutes.
	VisitorUploads, AddressUploads int
	UploadWindow                   time.Duration
	// UnsentAfter is how old an upload no message names gets before it is
	// deleted; 0 means a day.
	UnsentAfter time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxBytes <= 0 {
		c.MaxBytes = limits.DefaultAttachmentBytes
	}
	if c.LinkTTL <= 0 {
		c.LinkTTL = 15 * time.Minute
	}
	if c.VisitorUploads <= 0 {
		c.VisitorUploads = 20
	}
	if c.AddressUploads <= 0 {
		c.AddressUploads = 60
	}
	if c.UploadWindow <= 0 {
		c.UploadWindow = 10 * time.Minute
	}
	if c.UnsentAfter <= 0 {
		c.UnsentAfter = 24 * time.Hour
	}
	return c
}

// Service keeps attachments.
type Service struct {
	pool *db.Pool
	q    *dbq.Queries
	cfg  Config
	log  *slog.Logger
	// store receives new files; stores reads every store files may be in,
	// by name.
	store  Store
	stores map[string]Store
	// key signs links; loaded from the database on first use.
	keyMu sync.Mutex
	key   []byte
	// thumbMu makes one thumbnail at a time per instance: decoding a photo
	// takes tens of megabytes, so thumbnails never add up.
	thumbMu sync.Mutex
	// Now is the clock, replaceable in tests.
	Now func() time.Time
}

// New returns the service storing new files in store; others are stores
// older files may still be in (after a change of store). log may be nil.
func New(pool *db.Pool, store Store, cfg Config, log *slog.Logger, others ...Store) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{pool: pool, q: db.Queries(pool), cfg: cfg.withDefaults(), log: log, store: store,
		stores: map[string]Store{store.Name(): store}, Now: time.Now}
	for _, o := range others {
		s.stores[o.Name()] = o
	}
	return s
}

// MaxBytes is the largest file accepted.
func (s *Service) MaxBytes() int64 { return s.cfg.MaxBytes }

// File is an upload as it arrives.
type File struct {
	// Name is the client's name for the file (cleaned before it is kept).
	Name string
	// Size is the size the client announced (Content-Length), or -1.
	Size int64
	// Body is read once, to the end or to the size limit.
	Body io.Reader
	// Address is the client address's rate-limit key.
	Address string
}

// owner says who uploaded a file.
type owner struct {
	kind string // "agent" or "customer"
	id   uuid.UUID
}

// AgentOwner and VisitorOwner name the uploader for Bind.
func AgentOwner(a principal.Agent) Owner { return Owner{owner{"agent", a.ID}} }

// VisitorOwner names a visitor as the uploader for Bind.
func VisitorOwner(v principal.Visitor) Owner { return Owner{owner{"customer", v.CustomerID}} }

// Owner is the uploader a send may bind files of.
type Owner struct{ o owner }

// UploadAsAgent stores an agent's file. Agents may send any of the
// default types. Errors: see upload.
func (s *Service) UploadAsAgent(ctx context.Context, agent principal.Agent, f File) (Attachment, error) {
	return s.upload(ctx, owner{"agent", agent.ID}, DefaultKinds, f)
}

// UploadAsVisitor stores a visitor's file, of a type their widget allows,
// within the per-visitor and per-address upload rates. Errors: see upload,
// and RateLimited with the time to wait.
func (s *Service) UploadAsVisitor(ctx context.Context, v principal.Visitor, f File) (Attachment, error) {
	if err := s.hit(ctx, "attachments_visitor:"+v.CustomerID.String(), s.cfg.VisitorUploads); err != nil {
		return Attachment{}, err
	}
	if err := s.hit(ctx, "attachments_address:"+f.Address, s.cfg.AddressUploads); err != nil {
		return Attachment{}, err
	}
	names, err := s.q.WidgetAttachmentKinds(ctx, v.WidgetID)
	if err != nil {
		return Attachment{}, apperr.NotFoundAs(err, apperr.WidgetNotFound, "widget not found")
	}
	return s.upload(ctx, owner{"customer", v.CustomerID}, KindsOf(names), f)
}

// incoming is an upload being read: its body counted against the size
// limit, buffered so its first bytes were judged, and the type they show
// (ok false: none the server knows; detected then describes the content).
type incoming struct {
	body     *limitReader
	br       *bufio.Reader
	t        fileType
	detected string
	ok       bool
}

// read starts reading f: FileTooLarge when its announced size is over the
// limit, FileEmpty when it has no bytes.
func (s *Service) read(f File) (incoming, error) {
	if f.Size > s.cfg.MaxBytes {
		return incoming{}, tooLarge(s.cfg.MaxBytes)
	}
	in := incoming{body: &limitReader{r: f.Body, left: s.cfg.MaxBytes}}
	in.br = bufio.NewReaderSize(in.body, sniffLen)
	head, err := in.br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return incoming{}, err
	}
	if len(head) == 0 {
		return incoming{}, apperr.New(apperr.FileEmpty, "the file is empty")
	}
	in.t, in.detected, in.ok = sniff(head, f.Name)
	return in, nil
}

// errTooLarge ends the read of a body past the size limit.
var errTooLarge = errors.New("file too large")

// upload streams a file to the store: it sniffs the type from the first
// bytes, strips an image's metadata on the way, and counts the bytes,
// refusing the file as soon as it passes the limit. Memory use is a few
// buffers, whatever the size. Errors: FileTooLarge (with the limit),
// FileEmpty, FileTypeNotAllowed (naming the type found and the kinds
// accepted), InvalidValue for an image that is not well formed.
func (s *Service) upload(ctx context.Context, by owner, ks []Kind, f File) (Attachment, error) {
	max := s.cfg.MaxBytes
	in, err := s.read(f)
	if err != nil {
		return Attachment{}, err
	}
	body, br, t, detected, ok := in.body, in.br, in.t, in.detected, in.ok
	if !ok || !allowed(t.mime, typesOf(ks)) {
		return Attachment{}, apperr.New(apperr.FileTypeNotAllowed, "files of type %s are not allowed here; this chat accepts %s", detected, kindWords(ks))
	}
	a := Attachment{ID: uuid.New(), FileName: cleanName(f.Name, t), ContentType: t.mime, store: s.store.Name()}
	// The stored bytes pass through a stripper for images and a keeper of
	// their first bytes, where an image's size is read.
	var strip func(io.Writer, io.Reader) error
	switch t.mime {
	case typeJPEG.mime:
		strip = stripJPEG
	case typePNG.mime:
		strip = stripPNG
	}
	var src io.Reader = br
	var stripErr chan error
	if strip != nil {
		pr, pw := io.Pipe()
		stripErr = make(chan error, 1)
		go func() {
			err := strip(pw, br)
			pw.CloseWithError(err)
			stripErr <- err
		}()
		src = pr
		defer pr.Close()
	}
	headKeep := &prefix{max: 128 << 10}
	size, err := s.store.Put(ctx, a.ID.String(), io.TeeReader(src, headKeep))
	if stripErr != nil && err == nil {
		err = <-stripErr
	}
	if err != nil {
		s.forget(ctx, a.store, a.ID.String())
		switch {
		case body.exceeded:
			return Attachment{}, tooLarge(max)
		case errors.Is(err, errNotImage):
			return Attachment{}, apperr.New(apperr.InvalidValue, "the image is malformed").WithField("file")
		}
		return Attachment{}, err
	}
	a.Size = size
	if a.IsImage() {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(headKeep.buf))
		if err != nil {
			s.forget(ctx, a.store, a.ID.String())
			return Attachment{}, apperr.New(apperr.InvalidValue, "the image is malformed").WithField("file")
		}
		a.Width, a.Height = int32(cfg.Width), int32(cfg.Height)
	}
	row, err := s.q.InsertAttachment(ctx, dbq.InsertAttachmentParams{
		ID: a.ID, UploaderType: by.kind, UploaderID: by.id, FileName: a.FileName, ContentType: a.ContentType,
		Size: a.Size, Width: a.Width, Height: a.Height, Store: a.store,
	})
	if err != nil {
		s.forget(ctx, a.store, a.ID.String())
		return Attachment{}, err
	}
	return fromRow(row), nil
}

func tooLarge(max int64) error {
	return apperr.New(apperr.FileTooLarge, "the file is larger than %s", humanBytes(max)).WithLimit(max)
}

func humanBytes(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// forget deletes what a failed upload left in a store; a failure leaves it
// to no one (logged), as the key is not recorded anywhere.
func (s *Service) forget(ctx context.Context, store, key string) {
	if err := s.stores[store].Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "attachments: deleting a failed upload", "key", key, "err", err)
	}
}

// limitReader reads at most left bytes and fails after, remembering that
// the limit was passed.
type limitReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		l.exceeded = true
		return 0, errTooLarge
	}
	// Read one byte more than allowed to tell "exactly the limit" from
	// "over it".
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		l.exceeded = true
		return 0, errTooLarge
	}
	return n, err
}

// prefix keeps the first max bytes written to it.
type prefix struct {
	buf []byte
	max int
}

func (p *prefix) Write(b []byte) (int, error) {
	if room := p.max - len(p.buf); room > 0 {
		p.buf = append(p.buf, b[:min(room, len(b))]...)
	}
	return len(b), nil
}

// Bind binds the owner's unsent uploads to a message, inside the send's
// transaction q, so the message and its files are committed together.
// Errors: TooManyItems over limits.AttachmentsPerMessage,
// AttachmentNotFound when an id is unknown, another's or sent already.
func Bind(ctx context.Context, q *dbq.Queries, by Owner, messageID, conversationID uuid.UUID, ids []uuid.UUID) error {
	if err := CheckCount(ids); err != nil {
		return err
	}
	n, err := q.BindAttachments(ctx, dbq.BindAttachmentsParams{
		MessageID: &messageID, ConversationID: &conversationID, Ids: ids,
		UploaderType: by.o.kind, UploaderID: by.o.id,
	})
	if err != nil {
		return err
	}
	if int(n) != len(ids) {
		return apperr.New(apperr.AttachmentNotFound, "an attachment is unknown, not yours, or sent already").WithField("attachment_ids")
	}
	return nil
}

// CheckCount checks the number of files of one message and that none is
// named twice.
func CheckCount(ids []uuid.UUID) error {
	if len(ids) > limits.AttachmentsPerMessage {
		return apperr.New(apperr.TooManyItems, "at most %d files per message", limits.AttachmentsPerMessage).
			WithField("attachment_ids").WithLimit(int64(limits.AttachmentsPerMessage))
	}
	seen := make(map[uuid.UUID]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			return apperr.New(apperr.InvalidValue, "attachment %s is named twice", id).WithField("attachment_ids")
		}
		seen[id] = true
	}
	return nil
}

// ForMessages returns the files of the messages, by message, in upload
// order, with fresh links.
func (s *Service) ForMessages(ctx context.Context, messageIDs []uuid.UUID) (map[uuid.UUID][]Attachment, error) {
	out := map[uuid.UUID][]Attachment{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := s.q.AttachmentsByMessageIDs(ctx, messageIDs)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		a, err := s.Sign(ctx, fromRow(r))
		if err != nil {
			return nil, err
		}
		out[*r.MessageID] = append(out[*r.MessageID], a)
	}
	return out, nil
}

func fromRow(r dbq.Attachment) Attachment {
	a := Attachment{
		ID: r.ID, FileName: r.FileName, ContentType: r.ContentType, Size: r.Size,
		Width: r.Width, Height: r.Height, MessageID: r.MessageID, ConversationID: r.ConversationID,
		CreatedAt: r.CreatedAt, RemovedAt: r.RemovedAt, store: r.Store,
	}
	if r.ThumbnailSize != nil {
		a.thumbnailSize = *r.ThumbnailSize
	}
	return a
}

// hit counts one upload in a rate-limit bucket (the table the widgets'
// limits use) and fails with RateLimited past limit in the window.
func (s *Service) hit(ctx context.Context, bucket string, limit int) error {
	row, err := s.q.HitRateLimit(ctx, dbq.HitRateLimitParams{Bucket: bucket, WindowSeconds: s.cfg.UploadWindow.Seconds()})
	if err != nil {
		return err
	}
	if int(row.Hits) > limit {
		retry := max(row.WindowStart.Add(s.cfg.UploadWindow).Sub(s.Now()).Round(time.Second), time.Second)
		return apperr.New(apperr.RateLimited, "too many uploads; try again in %s", retry).WithRetryAfter(retry)
	}
	return nil
}
