package attachments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/jpeg"
	"io"
	"regexp"

	"github.com/google/uuid"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
	"github.com/opensupport/livechat/server/principal"
)

// Avatars: an agent's photo (or a bot's picture), shown to colleagues and
// to visitors beside the agent's messages. The uploaded image goes through
// the same sniffing as attachments, is decoded (so nothing of the original
// file survives: no EXIF, no GPS, no trailing bytes), cropped to its
// centre square and scaled to AvatarSide, and kept as a JPEG in the store
// under "avatar-<hash>", the hash being the SHA-256 of those bytes. The
// hash names the public URL, AvatarPath + hash + ".jpg": a new avatar has a
// new URL, so a URL may be cached for ever by anyone.

// AvatarSide is an avatar's width and height in pixels.
const AvatarSide = 128

// AvatarPath is where avatars are served, publicly.
const AvatarPath = "/api/avatars/"

// maxAvatarPixels bounds the images decoded for an avatar.
const maxAvatarPixels = 40_000_000

var avatarHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// AvatarURL is the public URL of the avatar with this hash; "" for none.
func AvatarURL(hash *string) string {
	if hash == nil || *hash == "" {
		return ""
	}
	return AvatarPath + *hash + ".jpg"
}

// AvatarFor names whose avatar an upload sets: the caller's own (both
// zero), another agent's or a bot token's (admins only).
type AvatarFor struct {
	AgentID uuid.UUID
	TokenID uuid.UUID
}

// SetAvatar makes an avatar of the image f and gives it to the agent or
// token named (the caller by default), replacing any other. It returns
// the avatar's URL. A nil f removes the avatar instead ("").
//
// Errors: AdminRequired for another's avatar; AgentNotFound,
// TokenNotFound (also for a revoked token); FileTooLarge, FileEmpty;
// FileTypeNotAllowed for anything but a PNG, JPEG or GIF image;
// InvalidValue for an image that does not decode or is too large in
// pixels.
func (s *Service) SetAvatar(ctx context.Context, caller principal.Agent, who AvatarFor, f *File) (string, error) {
	if who.TokenID == uuid.Nil && who.AgentID == uuid.Nil {
		who.AgentID = caller.ID
	}
	if (who.TokenID != uuid.Nil || who.AgentID != caller.ID) && !caller.IsAdmin() {
		return "", apperr.New(apperr.AdminRequired, "only admins may set another's avatar")
	}
	var hash *string
	if f != nil {
		h, err := s.putAvatar(ctx, *f)
		if err != nil {
			return "", err
		}
		hash = &h
	}
	var n int64
	var err error
	if who.TokenID != uuid.Nil {
		n, err = s.q.SetTokenAvatar(ctx, dbq.SetTokenAvatarParams{ID: who.TokenID, Avatar: hash})
		if err == nil && n == 0 {
			err = apperr.New(apperr.TokenNotFound, "no such API token, or it is revoked")
		}
	} else {
		n, err = s.q.SetAgentAvatar(ctx, dbq.SetAgentAvatarParams{ID: who.AgentID, Avatar: hash})
		if err == nil && n == 0 {
			err = apperr.New(apperr.AgentNotFound, "no such agent")
		}
	}
	if err != nil {
		return "", err
	}
	return AvatarURL(hash), nil
}

// putAvatar stores the avatar made of f and returns its hash.
func (s *Service) putAvatar(ctx context.Context, f File) (string, error) {
	in, err := s.read(f)
	if err != nil {
		return "", err
	}
	br := in.br
	if !in.ok || !allowed(in.t.mime, typesOf([]Kind{KindImages})) {
		return "", apperr.New(apperr.FileTypeNotAllowed, "an avatar must be a PNG, JPEG or GIF image, not %s", in.detected)
	}
	// The image's size is read first, so a small file of huge dimensions
	// is refused before it is decoded.
	var raw bytes.Buffer
	cfg, _, err := image.DecodeConfig(io.TeeReader(br, &raw))
	if err != nil {
		return "", apperr.New(apperr.InvalidValue, "the image is malformed").WithField("file")
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxAvatarPixels {
		return "", apperr.New(apperr.InvalidValue, "the image is too large in pixels (at most %d)", maxAvatarPixels).WithField("file")
	}
	img, _, err := image.Decode(io.MultiReader(&raw, br))
	if err != nil {
		if in.body.exceeded {
			return "", tooLarge(s.cfg.MaxBytes)
		}
		return "", apperr.New(apperr.InvalidValue, "the image is malformed").WithField("file")
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, scaleDown(centreSquare(img), AvatarSide), &jpeg.Options{Quality: 85}); err != nil {
		return "", err
	}
	sum := sha256.Sum256(out.Bytes())
	hash := hex.EncodeToString(sum[:])
	if _, err := s.q.GetAvatar(ctx, hash); err == nil {
		return hash, nil // the same picture, stored already
	}
	key := avatarKey(hash)
	size := int64(out.Len())
	// A half-written copy another upload left behind is replaced.
	if err := s.store.Delete(ctx, key); err != nil {
		return "", err
	}
	if _, err := s.store.Put(ctx, key, &out); err != nil {
		s.forget(ctx, s.store.Name(), key)
		return "", err
	}
	if err := s.q.InsertAvatar(ctx, dbq.InsertAvatarParams{Hash: hash, Store: s.store.Name(), Size: size}); err != nil {
		return "", err
	}
	return hash, nil
}

func avatarKey(hash string) string { return "avatar-" + hash }

// centreSquare is the largest square in the middle of img.
func centreSquare(img image.Image) image.Image {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
	return subImage(img, image.Rect(x0, y0, x0+side, y0+side))
}

// subImage is img's part r, sharing its pixels where the type allows.
func subImage(img image.Image, r image.Rectangle) image.Image {
	if s, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	}); ok {
		return s.SubImage(r)
	}
	return cropped{img, r}
}

type cropped struct {
	image.Image
	r image.Rectangle
}

func (c cropped) Bounds() image.Rectangle { return c.r }

// OpenAvatar returns the avatar named by a URL's file name ("<hash>.jpg")
// for serving. An unknown one is NotFound.
func (s *Service) OpenAvatar(ctx context.Context, name string) (Download, error) {
	hash, ok := bytes.CutSuffix([]byte(name), []byte(".jpg"))
	notFound := apperr.New(apperr.NotFound, "no such avatar")
	if !ok || !avatarHashRE.Match(hash) {
		return Download{}, notFound
	}
	row, err := s.q.GetAvatar(ctx, string(hash))
	if apperr.Is(err, apperr.NotFound) {
		return Download{}, notFound
	}
	if err != nil {
		return Download{}, err
	}
	store, ok := s.stores[row.Store]
	if !ok {
		return Download{}, errUnknownStore(row.Store)
	}
	return Download{
		Attachment: Attachment{FileName: "avatar.jpg", ContentType: typeJPEG.mime, CreatedAt: row.CreatedAt},
		Size:       row.Size, ContentType: typeJPEG.mime, store: store, key: avatarKey(row.Hash),
	}, nil
}

// Sender is who a message shows as sent by: the agent, and the name shown
// (the agent's, or that of a bot acting for the agent).
type Sender struct {
	AgentID uuid.UUID
	Name    string
}

// SenderAvatars returns the avatar URLs of the senders that have one: a
// bot's (an API token of the agent with that bot name) for a bot's
// message, else the agent's.
func (s *Service) SenderAvatars(ctx context.Context, senders []Sender) (map[Sender]string, error) {
	out := map[Sender]string{}
	if len(senders) == 0 {
		return out, nil
	}
	ids := make([]uuid.UUID, len(senders))
	for i, sd := range senders {
		ids[i] = sd.AgentID
	}
	agents, err := s.q.AgentAvatars(ctx, ids)
	if err != nil {
		return nil, err
	}
	bots, err := s.q.BotAvatars(ctx, ids)
	if err != nil {
		return nil, err
	}
	byAgent := map[uuid.UUID]string{}
	for _, r := range agents {
		byAgent[r.ID] = AvatarURL(&r.Avatar)
	}
	// The latest token with a bot's name decides its picture.
	byBot := map[Sender]string{}
	for _, r := range bots {
		byBot[Sender{r.AgentID, r.BotName}] = AvatarURL(r.Avatar)
	}
	for _, sd := range senders {
		if url, bot := byBot[sd]; bot {
			out[sd] = url
		} else if url := byAgent[sd.AgentID]; url != "" {
			out[sd] = url
		}
	}
	return out, nil
}
