package attachments

import (
	"bytes"

	"github.com/opensupport/livechat/server/apperr"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// sniffLen is how much of a file its type is judged by.
const sniffLen = 512

// fileType is a type the server recognises by content.
type fileType struct {
	mime string
	// exts are the extensions a file of the type may keep; the first is
	// added to a name that has none of them.
	exts []string
}

var (
	typePNG  = fileType{"image/png", []string{".png"}}
	typeJPEG = fileType{"image/jpeg", []string{".jpg", ".jpeg"}}
	typeGIF  = fileType{"image/gif", []string{".gif"}}
	typePDF  = fileType{"application/pdf", []string{".pdf"}}
	typeText = fileType{"text/plain", []string{".txt", ".csv", ".log", ".md"}}
	// Office documents: the legacy ones share one container format (OLE),
	// the newer ones are ZIP archives; the extension says which document
	// it is, once the content proved the container.
	typeDOC  = fileType{"application/msword", []string{".doc"}}
	typeXLS  = fileType{"application/vnd.ms-excel", []string{".xls"}}
	typePPT  = fileType{"application/vnd.ms-powerpoint", []string{".ppt"}}
	typeDOCX = fileType{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}}
	typeXLSX = fileType{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}}
	typePPTX = fileType{"application/vnd.openxmlformats-officedocument.presentationml.presentation", []string{".pptx"}}
	typeODT  = fileType{"application/vnd.oasis.opendocument.text", []string{".odt"}}
	typeODS  = fileType{"application/vnd.oasis.opendocument.spreadsheet", []string{".ods"}}
	typeODP  = fileType{"application/vnd.oasis.opendocument.presentation", []string{".odp"}}

	typeZIP = fileType{"application/zip", []string{".zip"}}
)

// Kind is a family of file types a widget may accept, stored by its name
// (widgets.attachment_kinds) and numbered as in the API
// (livechat.v1.AttachmentKind).
type Kind int

// The kinds.
const (
	KindImages   Kind = 1
	KindPDF      Kind = 2
	KindText     Kind = 3
	KindOffice   Kind = 4
	KindArchives Kind = 5
)

// kinds are the types of each kind, by kind, with the kind's stored name.
var kinds = map[Kind]struct {
	name  string
	types []fileType
}{
	KindImages:   {"images", []fileType{typePNG, typeJPEG, typeGIF}},
	KindPDF:      {"pdf", []fileType{typePDF}},
	KindText:     {"text", []fileType{typeText}},
	KindOffice:   {"office", []fileType{typeDOC, typeXLS, typePPT, typeDOCX, typeXLSX, typePPTX, typeODT, typeODS, typeODP}},
	KindArchives: {"archives", []fileType{typeZIP}},
}

// DefaultKinds are the kinds a widget that names none allows.
var DefaultKinds = []Kind{KindImages, KindPDF, KindText, KindOffice}

// KindNames returns the stored names of ks; nil for none (the default).
// Errors: InvalidValue (field attachment_kinds) for a kind named twice or
// unknown.
func KindNames(ks []Kind) ([]string, error) {
	if len(ks) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(ks))
	seen := map[Kind]bool{}
	for _, k := range ks {
		d, ok := kinds[k]
		if !ok || seen[k] {
			return nil, apperr.New(apperr.InvalidValue, "unknown or repeated attachment kind %d", k).WithField("attachment_kinds")
		}
		seen[k] = true
		out = append(out, d.name)
	}
	return out, nil
}

// KindsOf reads stored names back, in the API's order; nil reads as the
// default kinds. Unknown names (none pass the table's check) are skipped.
func KindsOf(names []string) []Kind {
	if names == nil {
		return DefaultKinds
	}
	var out []Kind
	for k := KindImages; k <= KindArchives; k++ {
		for _, n := range names {
			if n == kinds[k].name {
				out = append(out, k)
			}
		}
	}
	return out
}

// typesOf are the MIME types of the kinds.
func typesOf(ks []Kind) []string {
	var out []string
	for _, k := range ks {
		for _, t := range kinds[k].types {
			out = append(out, t.mime)
		}
	}
	return out
}

// Accept is the file picker's accept list for the kinds: MIME types and
// the extensions that tell office documents apart.
func Accept(ks []Kind) string {
	var out []string
	for _, k := range ks {
		for _, t := range kinds[k].types {
			out = append(out, t.mime)
			if k == KindOffice || k == KindText {
				out = append(out, t.exts...)
			}
		}
	}
	return strings.Join(out, ",")
}

// kindWords names the kinds in a refusal: "images, PDF".
func kindWords(ks []Kind) string {
	words := map[Kind]string{KindImages: "images", KindPDF: "PDF", KindText: "plain text", KindOffice: "office documents", KindArchives: "ZIP archives"}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = words[k]
	}
	return strings.Join(out, ", ")
}

var oleByExt = map[string]fileType{".doc": typeDOC, ".xls": typeXLS, ".ppt": typePPT}
var zipByExt = map[string]fileType{
	".docx": typeDOCX, ".xlsx": typeXLSX, ".pptx": typePPTX,
	".odt": typeODT, ".ods": typeODS, ".odp": typeODP,
}

// sniff judges a file by its first bytes (head, up to sniffLen) and, only
// to tell office documents in the same container apart, by its name. It
// returns the recognised type, or ok false and the best description of
// what the content is (for the refusal's message).
func sniff(head []byte, name string) (t fileType, detected string, ok bool) {
	ext := strings.ToLower(path.Ext(name))
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return typePNG, typePNG.mime, true
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return typeJPEG, typeJPEG.mime, true
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return typeGIF, typeGIF.mime, true
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return typePDF, typePDF.mime, true
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}):
		if t, ok := oleByExt[ext]; ok {
			return t, t.mime, true
		}
		return fileType{}, "application/x-ole-storage", false
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if t, ok := zipByExt[ext]; ok && officeZip(head, t) {
			return t, t.mime, true
		}
		// Any other ZIP archive (the archives kind, off by default).
		return typeZIP, typeZIP.mime, true
	}
	switch {
	case bytes.HasPrefix(head, []byte("MZ")):
		return fileType{}, "application/x-msdownload", false
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return fileType{}, "application/x-executable", false
	case bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf"), []byte("<")):
		// HTML, SVG or XML: markup a browser might run.
		return fileType{}, "text/html", false
	case plainText(head):
		return typeText, typeText.mime, true
	}
	return fileType{}, "application/octet-stream", false
}

// officeZip reports whether a ZIP archive's first entry is one an office
// document of type t starts with: "mimetype" for OpenDocument, the
// package's content types or relationships for Office Open XML.
func officeZip(head []byte, t fileType) bool {
	const nameAt = 30
	if len(head) < nameAt {
		return false
	}
	nameLen := int(head[26]) | int(head[27])<<8
	if nameLen == 0 || len(head) < nameAt+nameLen {
		return false
	}
	first := string(head[nameAt : nameAt+nameLen])
	if strings.HasPrefix(t.mime, "application/vnd.oasis.") {
		return first == "mimetype"
	}
	return first == "[Content_Types].xml" || strings.HasPrefix(first, "_rels/") || strings.HasPrefix(first, "docProps/") ||
		strings.HasPrefix(first, "word/") || strings.HasPrefix(first, "xl/") || strings.HasPrefix(first, "ppt/")
}

// plainText reports whether head is UTF-8 text without control characters
// other than white space (a cut rune at the end is fine: head is a prefix).
func plainText(head []byte) bool {
	for len(head) > 0 {
		r, size := utf8.DecodeRune(head)
		if r == utf8.RuneError && size <= 1 {
			return len(head) < utf8.UTFMax && !utf8.FullRune(head)
		}
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		head = head[size:]
	}
	return true
}

// allowed reports whether the type is in the list: exact types, or
// "image/*" for every image type.
func allowed(mime string, list []string) bool {
	for _, a := range list {
		if a == mime || (strings.HasSuffix(a, "/*") && strings.HasPrefix(mime, strings.TrimSuffix(a, "*"))) {
			return true
		}
	}
	return false
}

// maxNameBytes bounds a cleaned name (the table's check, 255 characters,
// holds with room to spare).
const maxNameBytes = 180

// cleanName makes a client's file name safe to store and to offer in
// Content-Disposition: the last path element only, without control
// characters or characters file systems and shells treat specially, no
// leading dots (hidden files), at most maxNameBytes, and an extension that
// matches the sniffed type, so that a file saved from the chat opens as
// what it is (an executable named "photo.png.exe" that is really a PNG
// becomes "photo.png.exe.png").
func cleanName(name string, t fileType) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(name, "") {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r): // includes right-to-left overrides
			continue
		case strings.ContainsRune(`<>:"|?*;`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(strings.TrimSpace(b.String()), ".")
	base, ext := name, strings.ToLower(path.Ext(name))
	keep := false
	for _, e := range t.exts {
		if e == ext {
			keep = true
		}
	}
	if keep {
		ext = path.Ext(name) // as written: "IMG_0001.JPG" stays
		base = strings.TrimSuffix(name, ext)
	} else {
		ext = t.exts[0]
	}
	if base == "" {
		base = "file"
	}
	for len(base)+len(ext) > maxNameBytes {
		_, size := utf8.DecodeLastRuneInString(base)
		base = base[:len(base)-size]
	}
	return base + ext
}
