// Package uploads keeps the files people upload — organisations' logos,
// the covers and illustrations of their articles, organisations' documents
// (PDF) — in a folder (UPLOAD_DIR), one sub-folder per Kind. Pictures are
// served under one path prefix (/uploads/<kind>/…); documents are not
// (Kinds leaves them out): their owner (internal/directory) decides who
// may read each one, and the web layer serves it through OpenFile.
//
// Every kind goes through the same checks, in an order that costs nothing
// for a refusal: the file's size while reading it (never more than the
// kind's limit plus one byte), its type sniffed from its first bytes (PNG,
// JPEG or GIF, whatever its name says), its dimensions read from its
// header before anything is decoded (no decompression bomb), then the
// decode itself in one of a few slots (a burst of uploads waits, then is
// refused, instead of taking all the memory). The picture is then turned
// upright (a phone's EXIF orientation), re-encoded — PNG, or JPEG for a
// photo when the kind keeps JPEG — so that nothing but pixels survives
// (metadata, a script in disguise), scaled down to the kind's width and
// its variants, and written under a temporary name then renamed: a
// reader never sees half a file. Names are made here (a prefix, 16 random
// hex digits — or the first 16 of the picture's SHA-256 for a kind with
// HashNames —, the variant) and only such names are ever served.
//
// A document (a Kind with Document set) is not a picture: it is streamed
// to a temporary file while counted and hashed (never more than the limit
// plus one byte read), sniffed by its signature (%PDF- at its very start,
// %%EOF near its end, so an HTML page named .pdf or a truncated upload is
// refused), and kept byte for byte under a random name.
package uploads

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Kind is one use of uploaded pictures: its folder, its limits, what it is
// re-encoded as, its variants and the message ids of its refusals.
type Kind struct {
	// Name is the kind's folder under the upload directory and its path
	// segment under the URL prefix ("logos": /uploads/logos/…).
	Name string
	// MaxBytes bounds the uploaded file.
	MaxBytes int64
	// MinSide and MaxSide bound each side of the uploaded picture, in
	// pixels; MaxPixels bounds width × height (what a decode costs in
	// memory), 0 for MaxSide².
	MinSide, MaxSide, MaxPixels int
	// KeepJPEG re-encodes a JPEG as JPEG (photographs); any other picture,
	// and every picture of a kind without it, becomes a PNG.
	KeepJPEG bool
	// MaxWidth scales the stored picture down to at most this width (0:
	// as uploaded). Widths are smaller variants stored beside it, each
	// named <name>-w<width>.<ext>; a picture is never enlarged.
	MaxWidth int
	Widths   []int
	// HashNames names a picture after its content (the first 16 hex digits
	// of the stored file's SHA-256) instead of at random: its address
	// changes exactly when the picture does, so it can be cached for good,
	// and saving the same picture twice makes one file.
	HashNames bool
	// Document makes the kind a PDF document instead of a picture: the
	// picture fields above do not apply; Save refuses it, SaveFile stores
	// it.
	Document bool
	// Message ids: no file, a file over MaxBytes, not a readable picture
	// (or PDF) of an accepted type, sides out of bounds.
	Missing, TooBig, Type, Size string
}

// Logos are organisations' logos: at most 800 KB, 16 to 2000 pixels a
// side, stored as PNG as uploaded, with a 96-pixel variant for cards and
// a 480-pixel one for the profile and link previews; named after their
// content.
func Logos() Kind {
	return Kind{Name: "logos", MaxBytes: 800 << 10, MinSide: 16, MaxSide: 2000, MaxPixels: 2000 * 2000,
		Widths: []int{96, 480}, HashNames: true,
		Missing: "manage.logo.missing", TooBig: "manage.logo.too_big", Type: "manage.logo.type", Size: "manage.logo.size"}
}

// MaxDocumentBytes bounds an uploaded document.
const MaxDocumentBytes = 10 << 20

// Documents are organisations' documents (annual reports, certificates,
// accounts): PDF files of at most MaxDocumentBytes, kept as uploaded.
func Documents() Kind {
	return Kind{Name: "documents", MaxBytes: MaxDocumentBytes, Document: true,
		Missing: "media.document.missing", TooBig: "media.document.too_big", Type: "media.document.type"}
}

// ArticleImages are the covers and illustrations of articles:
// photographs at most 4 MB and 24 megapixels, 200 to 8000 pixels a side,
// kept as JPEG (anything else as PNG), stored at most 1600 pixels wide
// with a 640-pixel variant for lists and cards.
func ArticleImages() Kind {
	return Kind{Name: "articles", MaxBytes: 4 << 20, MinSide: 200, MaxSide: 8000, MaxPixels: 24_000_000, KeepJPEG: true,
		MaxWidth: 1600, Widths: []int{640},
		Missing: "upload.image.missing", TooBig: "upload.image.too_big", Type: "upload.image.type", Size: "upload.image.size"}
}

// Kinds are the kinds of pictures the platform serves to anyone under
// their URL directory. Documents are not among them: who may read one is
// decided per document.
func Kinds() []Kind { return []Kind{Logos(), ArticleImages()} }

// ErrBusy means every decoding slot stayed taken while the upload waited.
var ErrBusy = &fault.Error{Kind: fault.Unavailable, ID: "upload.busy", RetryAfter: 5 * time.Second}

// Decoding slots and how long an upload waits for one.
const (
	slots    = 2
	slotWait = 5 * time.Second
)

// Store writes and finds uploaded pictures under a folder.
type Store struct {
	dir    string
	prefix string
	slots  chan struct{}
}

// New returns a store over folder dir, whose files are served under
// urlPrefix (a site path ending in "/", such as "/uploads/").
func New(dir, urlPrefix string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("uploads: no folder")
	}
	if !strings.HasPrefix(urlPrefix, "/") || !strings.HasSuffix(urlPrefix, "/") {
		return nil, fmt.Errorf("uploads: URL prefix %q: want a site path such as /uploads/", urlPrefix)
	}
	return &Store{dir: dir, prefix: urlPrefix, slots: make(chan struct{}, slots)}, nil
}

// URLDir is the path kind k's pictures are served under
// ("/uploads/logos/").
func (s *Store) URLDir(k Kind) string { return s.prefix + k.Name + "/" }

// Picture is a stored upload: its address, its size once stored, and its
// variants' addresses by width.
type Picture struct {
	URL           string
	Width, Height int
	Variants      map[int]string
	// Reused says a kind with HashNames already held this very picture:
	// nothing was written, and a caller must not remove it on failure (it
	// may be in use).
	Reused bool
}

// Save checks the picture read from r against kind k's limits, re-encodes
// it and stores it with its variants under a new name starting with
// prefix (an organisation's slug). A refusal is an Invalid error for
// field with the kind's message id; ErrBusy when no decoding slot came
// free in time.
func (s *Store) Save(ctx context.Context, k Kind, field, prefix string, r io.Reader) (Picture, error) {
	if k.Document {
		return Picture{}, fmt.Errorf("uploads: %s holds documents, not pictures", k.Name)
	}
	data, err := io.ReadAll(io.LimitReader(r, k.MaxBytes+1))
	if err != nil {
		return Picture{}, fmt.Errorf("uploads: read: %w", err)
	}
	if len(data) == 0 {
		return Picture{}, fault.InvalidField(field, k.Missing)
	}
	if int64(len(data)) > k.MaxBytes {
		return Picture{}, fault.InvalidField(field, k.TooBig)
	}
	format := ""
	switch http.DetectContentType(data) {
	case "image/png":
		format = "png"
	case "image/jpeg":
		format = "jpeg"
	case "image/gif":
		format = "gif"
	default:
		return Picture{}, fault.InvalidField(field, k.Type)
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return Picture{}, fault.InvalidField(field, k.Type)
	}
	maxPixels := k.MaxPixels
	if maxPixels == 0 {
		maxPixels = k.MaxSide * k.MaxSide
	}
	if cfg.Width < k.MinSide || cfg.Height < k.MinSide || cfg.Width > k.MaxSide || cfg.Height > k.MaxSide ||
		cfg.Width*cfg.Height > maxPixels {
		return Picture{}, fault.InvalidField(field, k.Size)
	}

	if err := s.acquire(ctx); err != nil {
		return Picture{}, err
	}
	files, pic, err := encode(k, format, data)
	<-s.slots
	if err != nil {
		if errors.Is(err, errUnreadable) {
			return Picture{}, fault.InvalidField(field, k.Type)
		}
		return Picture{}, fmt.Errorf("uploads: encode: %w", err)
	}

	b := make([]byte, 8)
	_, _ = rand.Read(b)
	if k.HashNames {
		sum := sha256.Sum256(files[0].data)
		b = sum[:8]
	}
	base := fmt.Sprintf("%s-%s", cleanPrefix(prefix), hex.EncodeToString(b))
	folder := filepath.Join(s.dir, k.Name)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return Picture{}, fmt.Errorf("uploads: %w", err)
	}
	pic.Variants = map[int]string{}
	if k.HashNames {
		if _, err := os.Stat(filepath.Join(folder, base+"."+files[0].ext)); err == nil {
			pic.Reused = true
		}
	}
	var written []string
	for _, f := range files {
		if pic.Reused {
			// The same content makes the same files: name them, write none.
			name := base + f.suffix + "." + f.ext
			if f.width == 0 {
				pic.URL = s.URLDir(k) + name
			} else {
				pic.Variants[f.width] = s.URLDir(k) + name
			}
			continue
		}
		name := base + f.suffix + "." + f.ext
		// Written under a temporary name and renamed: never a half file.
		tmp := filepath.Join(folder, "."+name+".tmp")
		err := os.WriteFile(tmp, f.data, 0o644)
		if err == nil {
			err = os.Rename(tmp, filepath.Join(folder, name))
		}
		if err != nil {
			_ = os.Remove(tmp)
			for _, w := range written {
				_ = os.Remove(w)
			}
			return Picture{}, fmt.Errorf("uploads: write %s: %w", name, err)
		}
		written = append(written, filepath.Join(folder, name))
		if f.width == 0 {
			pic.URL = s.URLDir(k) + name
		} else {
			pic.Variants[f.width] = s.URLDir(k) + name
		}
	}
	return pic, nil
}

// acquire takes a decoding slot, waiting at most slotWait.
func (s *Store) acquire(ctx context.Context) error {
	t := time.NewTimer(slotWait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}

// names are what Save names files: a prefix of lower-case letters, digits
// and dashes, 16 hex digits, maybe a variant, an extension.
var names = regexp.MustCompile(`^[a-z0-9-]{1,80}-[0-9a-f]{16}(?:-w([0-9]{2,4}))?\.(png|jpg|pdf)$`)

// valid reports whether name is one Save (or SaveFile, for a document
// kind) makes for kind k.
func (k Kind) valid(name string) bool {
	m := names.FindStringSubmatch(name)
	if m == nil {
		return false
	}
	if k.Document || m[2] == "pdf" {
		return k.Document && m[2] == "pdf" && m[1] == ""
	}
	if m[2] == "jpg" && !k.KeepJPEG {
		return false
	}
	if m[1] == "" {
		return true
	}
	w, _ := strconv.Atoi(m[1])
	return slices.Contains(k.Widths, w)
}

// Owns reports whether url is the address of a picture of kind k this
// store made (a variant's or the main one's).
func (s *Store) Owns(k Kind, url string) bool {
	name, ok := strings.CutPrefix(url, s.URLDir(k))
	return ok && k.valid(name)
}

// Exists reports whether url is a picture of kind k this store made and
// still holds.
func (s *Store) Exists(k Kind, url string) bool {
	if !s.Owns(k, url) {
		return false
	}
	_, err := os.Stat(filepath.Join(s.dir, k.Name, strings.TrimPrefix(url, s.URLDir(k))))
	return err == nil
}

// Open opens file name of kind k for serving, with its content type.
// A name Save (or SaveFile) never makes, or a missing file, is
// fault.ErrNotFound. A missing variant of a picture stored before its kind
// made that variant (logos before 96 and 480 pixels) opens the picture
// itself: the right picture, only larger.
func (s *Store) Open(k Kind, name string) (*os.File, string, error) {
	if !k.valid(name) {
		return nil, "", fault.ErrNotFound
	}
	f, err := os.Open(filepath.Join(s.dir, k.Name, name))
	if errors.Is(err, os.ErrNotExist) {
		if m := names.FindStringSubmatch(name); m != nil && m[1] != "" {
			f, err = os.Open(filepath.Join(s.dir, k.Name, strings.Replace(name, "-w"+m[1]+".", ".", 1)))
		}
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, "", fault.ErrNotFound
	}
	if err != nil {
		return nil, "", fmt.Errorf("uploads: open %s: %w", name, err)
	}
	ctype := "image/png"
	switch {
	case strings.HasSuffix(name, ".jpg"):
		ctype = "image/jpeg"
	case strings.HasSuffix(name, ".pdf"):
		ctype = "application/pdf"
	}
	return f, ctype, nil
}

// Remove deletes the picture at url and its variants. A url that is not
// one of kind k's pictures is left alone (nil), as is a file already gone.
func (s *Store) Remove(k Kind, url string) error {
	if !s.Owns(k, url) {
		return nil
	}
	name := strings.TrimPrefix(url, s.URLDir(k))
	ext := filepath.Ext(name)
	base := strings.TrimSuffix(name, ext)
	victims := []string{name}
	for _, w := range k.Widths {
		victims = append(victims, base+"-w"+strconv.Itoa(w)+ext)
	}
	var errs []error
	for _, v := range victims {
		if err := os.Remove(filepath.Join(s.dir, k.Name, v)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Variant is the address of url's variant of width w (the main picture's
// address for a width the kind does not make).
func (k Kind) Variant(url string, w int) string {
	if !slices.Contains(k.Widths, w) {
		return url
	}
	ext := filepath.Ext(url)
	return strings.TrimSuffix(url, ext) + "-w" + strconv.Itoa(w) + ext
}

var notPrefix = regexp.MustCompile(`[^a-z0-9-]+`)

// cleanPrefix keeps a file name's prefix to what names accept.
func cleanPrefix(p string) string {
	p = strings.Trim(notPrefix.ReplaceAllString(strings.ToLower(p), "-"), "-")
	if len(p) > 60 {
		p = strings.TrimRight(p[:60], "-")
	}
	if p == "" {
		p = "upload"
	}
	return p
}

// file is one encoded file to write: the main picture (width 0) or a
// variant.
type file struct {
	suffix, ext string
	width       int
	data        []byte
}

var errUnreadable = errors.New("uploads: unreadable picture")

func decodeConfig(format string, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch format {
	case "png":
		return png.DecodeConfig(r)
	case "jpeg":
		return jpeg.DecodeConfig(r)
	default:
		return gif.DecodeConfig(r)
	}
}

func decode(format string, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch format {
	case "png":
		return png.Decode(r)
	case "jpeg":
		return jpeg.Decode(r)
	default:
		return gif.Decode(r) // an animation's first frame
	}
}

// encode decodes data (of format), turns it upright, scales it to k's
// width and variants and encodes each.
func encode(k Kind, format string, data []byte) ([]file, Picture, error) {
	img, err := decode(format, data)
	if err != nil {
		return nil, Picture{}, errUnreadable
	}
	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(data)
	}
	// Scale first (cheaper on the smaller picture), so that the upright
	// picture is at most MaxWidth wide.
	if k.MaxWidth > 0 {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		if orientation >= 5 { // the sides swap
			w, h = h, w
		}
		if w > k.MaxWidth {
			nw, nh := k.MaxWidth, max(1, h*k.MaxWidth/w)
			if orientation >= 5 {
				nw, nh = nh, nw
			}
			img = scale(img, nw, nh)
		}
	}
	img = upright(img, orientation)
	ext := "png"
	if format == "jpeg" && k.KeepJPEG {
		ext = "jpg"
	}
	enc := func(m image.Image) ([]byte, error) {
		var out bytes.Buffer
		var err error
		if ext == "jpg" {
			err = jpeg.Encode(&out, m, &jpeg.Options{Quality: 85})
		} else {
			err = png.Encode(&out, m)
		}
		return out.Bytes(), err
	}
	main, err := enc(img)
	if err != nil {
		return nil, Picture{}, err
	}
	b := img.Bounds()
	files := []file{{ext: ext, data: main}}
	for _, w := range k.Widths {
		v := img
		if b.Dx() > w {
			v = scale(img, w, max(1, b.Dy()*w/b.Dx()))
		}
		data, err := enc(v)
		if err != nil {
			return nil, Picture{}, err
		}
		files = append(files, file{suffix: "-w" + strconv.Itoa(w), ext: ext, width: w, data: data})
	}
	return files, Picture{Width: b.Dx(), Height: b.Dy()}, nil
}

// scale resizes img to w × h (Catmull-Rom: sharp when shrinking).
func scale(img image.Image, w, h int) image.Image {
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.CatmullRom.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	return dst
}
