package attachments

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
)

// This file removes metadata from images as they stream to storage: EXIF
// (camera, time and GPS position), XMP, IPTC and comments. Pixels are
// copied as they are (no re-encoding: no loss, no decoding of a whole
// image in memory). EXIF also holds a photo's orientation, so a photo
// taken sideways shows as stored; browsers then show it as the camera
// saw it.

var errNotImage = errors.New("the image is malformed")

// stripJPEG copies a JPEG from src to dst without its APP1 (EXIF, XMP),
// APP13 (IPTC) and COM segments. Everything from the start of the scan
// (SOS) on is copied verbatim.
func stripJPEG(dst io.Writer, src io.Reader) error {
	r := bufio.NewReader(src)
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return errNotImage
	}
	if _, err := dst.Write(soi[:]); err != nil {
		return err
	}
	for {
		b, err := r.ReadByte()
		if err != nil {
			return errNotImage
		}
		if b != 0xFF {
			return errNotImage
		}
		marker, err := r.ReadByte()
		for err == nil && marker == 0xFF { // fill bytes
			marker, err = r.ReadByte()
		}
		if err != nil {
			return errNotImage
		}
		switch {
		case marker == 0xD9, marker == 0xDA: // end of image, start of scan
			if _, err := dst.Write([]byte{0xFF, marker}); err != nil {
				return err
			}
			_, err := io.Copy(dst, r)
			return err
		case marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7): // no length
			if _, err := dst.Write([]byte{0xFF, marker}); err != nil {
				return err
			}
			continue
		}
		var lenb [2]byte
		if _, err := io.ReadFull(r, lenb[:]); err != nil {
			return errNotImage
		}
		n := int64(binary.BigEndian.Uint16(lenb[:]))
		if n < 2 {
			return errNotImage
		}
		if marker == 0xE1 || marker == 0xED || marker == 0xFE {
			if err := copyN(io.Discard, r, n-2); err != nil {
				return err
			}
			continue
		}
		if _, err := dst.Write([]byte{0xFF, marker, lenb[0], lenb[1]}); err != nil {
			return err
		}
		if err := copyN(dst, r, n-2); err != nil {
			return err
		}
	}
}

// pngDropped are the PNG chunks that carry metadata rather than pixels.
var pngDropped = map[string]bool{"eXIf": true, "tEXt": true, "zTXt": true, "iTXt": true, "tIME": true}

// stripPNG copies a PNG from src to dst without its metadata chunks.
func stripPNG(dst io.Writer, src io.Reader) error {
	r := bufio.NewReader(src)
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != "\x89PNG\r\n\x1a\n" {
		return errNotImage
	}
	if _, err := dst.Write(sig[:]); err != nil {
		return err
	}
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return errNotImage
		}
		n := int64(binary.BigEndian.Uint32(hdr[:4]))
		kind := string(hdr[4:8])
		if pngDropped[kind] {
			if err := copyN(io.Discard, r, n+4); err != nil { // data and CRC
				return err
			}
			continue
		}
		if _, err := dst.Write(hdr[:]); err != nil {
			return err
		}
		if err := copyN(dst, r, n+4); err != nil {
			return err
		}
		if kind == "IEND" {
			return nil
		}
	}
}

// copyN copies n bytes; a file that ends early is malformed, any other
// error (the size limit, the store) is returned as it is.
func copyN(dst io.Writer, src io.Reader, n int64) error {
	_, err := io.CopyN(dst, src, n)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errNotImage
	}
	return err
}
