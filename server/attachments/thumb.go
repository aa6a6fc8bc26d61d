package attachments

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"

	"github.com/opensupport/livechat/db/dbq"
	"github.com/opensupport/livechat/server/apperr"
)

// ThumbnailSide is the longer side of a thumbnail, in pixels.
const ThumbnailSide = 320

// maxPixels bounds the images the server decodes for a thumbnail (a
// decompression bomb is a small file of huge dimensions); larger ones get
// none and show in full.
const maxPixels = 50_000_000

// thumbnail returns the size of a's kept thumbnail, making it first if
// there is none yet: decoded from the stored image, scaled down to fit
// ThumbnailSide (never up), flattened on white and stored as a JPEG.
func (s *Service) thumbnail(ctx context.Context, a Attachment, store Store) (int64, error) {
	if a.thumbnailSize > 0 {
		return a.thumbnailSize, nil
	}
	if int64(a.Width)*int64(a.Height) > maxPixels {
		return 0, apperr.New(apperr.NotAvailable, "the image is too large for a preview")
	}
	s.thumbMu.Lock()
	defer s.thumbMu.Unlock()
	// Another request may have made it while this one waited.
	if row, err := s.q.GetAttachment(ctx, a.ID); err == nil && row.ThumbnailSize != nil {
		return *row.ThumbnailSize, nil
	}
	rc, err := store.Open(ctx, a.ID.String(), 0, -1)
	if err != nil {
		return 0, err
	}
	img, _, err := image.Decode(rc)
	_ = rc.Close()
	if err != nil {
		return 0, apperr.New(apperr.NotAvailable, "the image cannot be previewed")
	}
	var out bytes.Buffer
	if err := jpeg.Encode(&out, scaleDown(img, ThumbnailSide), &jpeg.Options{Quality: 80}); err != nil {
		return 0, err
	}
	key := thumbKey(a.ID)
	// A thumbnail another instance left half made (or made at the same
	// time) is replaced.
	if err := store.Delete(ctx, key); err != nil {
		return 0, err
	}
	n, err := store.Put(ctx, key, &out)
	if err != nil {
		return 0, err
	}
	if err := s.q.SetAttachmentThumbnail(ctx, dbq.SetAttachmentThumbnailParams{ID: a.ID, ThumbnailSize: &n}); err != nil {
		return 0, err
	}
	return n, nil
}

// scaleDown returns img scaled to fit side×side, each output pixel the
// average of the source pixels it covers (a box filter: sharp enough for a
// preview, and no dependency), composed on white.
func scaleDown(img image.Image, side int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	tw, th := w, h
	if w > side || h > side {
		if w >= h {
			tw, th = side, max(1, h*side/w)
		} else {
			tw, th = max(1, w*side/h), side
		}
	}
	out := image.NewRGBA(image.Rect(0, 0, tw, th))
	for y := range th {
		y0, y1 := b.Min.Y+y*h/th, b.Min.Y+max((y+1)*h/th, y*h/th+1)
		for x := range tw {
			x0, x1 := b.Min.X+x*w/tw, b.Min.X+max((x+1)*w/tw, x*w/tw+1)
			var r, g, bl, n uint64
			for sy := y0; sy < y1; sy++ {
				for sx := x0; sx < x1; sx++ {
					cr, cg, cb, ca := img.At(sx, sy).RGBA()
					// On white: add the uncovered part of white.
					white := 0xffff - uint64(ca)
					r += uint64(cr) + white
					g += uint64(cg) + white
					bl += uint64(cb) + white
					n++
				}
			}
			out.SetRGBA(x, y, color.RGBA{uint8(r / n >> 8), uint8(g / n >> 8), uint8(bl / n >> 8), 0xff})
		}
	}
	return out
}
