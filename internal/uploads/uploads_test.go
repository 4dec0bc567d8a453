package uploads

import (
	"bytes"
	"context"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/fault"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(t.TempDir(), "/uploads/")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// picture is a w × h picture, red on its left half, encoded as format.
func picture(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.RGBA{B: 200, A: 255}
			if x < w/2 {
				c = color.RGBA{R: 220, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&b, img)
	case "gif":
		err = gif.Encode(&b, img, nil)
	default:
		err = jpeg.Encode(&b, img, &jpeg.Options{Quality: 90})
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withOrientation inserts an EXIF block saying orientation o after the
// JPEG's start marker.
func withOrientation(jpg []byte, o uint16) []byte {
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08")
	tiff = append(tiff, 0, 1)                         // one entry
	tiff = append(tiff, 0x01, 0x12, 0, 3, 0, 0, 0, 1) // orientation, SHORT, count 1
	tiff = binary.BigEndian.AppendUint16(tiff, o)
	tiff = append(tiff, 0, 0, 0, 0, 0, 0) // value padding, next IFD
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1}
	app1 = binary.BigEndian.AppendUint16(app1, uint16(len(seg)+2))
	app1 = append(app1, seg...)
	return append(append(append([]byte{}, jpg[:2]...), app1...), jpg[2:]...)
}

func TestSaveRefusesWhatIsNotAnAcceptablePicture(t *testing.T) {
	s := newStore(t)
	k := ArticleImages()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":         {nil, k.Missing},
		"script":        {[]byte("<script>alert(1)</script>"), k.Type},
		"svg":           {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), k.Type},
		"truncated png": {picture(t, "png", 300, 300)[:40], k.Type},
		"too big":       {bytes.Repeat([]byte{0xFF, 0xD8, 0xFF}, int(k.MaxBytes)), k.TooBig},
		"too small":     {picture(t, "png", 150, 400), k.Size},
		"too wide":      {picture(t, "png", 8200, 200), k.Size},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Save(context.Background(), k, "cover_file", "ecpat", bytes.NewReader(tc.data))
			if got := fault.FieldsOf(err)["cover_file"]; got != tc.want {
				t.Errorf("error %v, want %s at cover_file", err, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, k.Name)); len(entries) != 0 {
		t.Errorf("refused uploads left %d files", len(entries))
	}
}

func TestSaveReencodesScalesAndMakesVariants(t *testing.T) {
	s := newStore(t)
	k := ArticleImages()
	pic, err := s.Save(context.Background(), k, "image", "ECPAT Luxembourg!", bytes.NewReader(picture(t, "jpeg", 2400, 1200)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(pic.URL, "/uploads/articles/ecpat-luxembourg-") || !strings.HasSuffix(pic.URL, ".jpg") {
		t.Errorf("URL %s", pic.URL)
	}
	if pic.Width != 1600 || pic.Height != 800 {
		t.Errorf("stored %d × %d, want 1600 × 800", pic.Width, pic.Height)
	}
	if v := pic.Variants[640]; v != k.Variant(pic.URL, 640) {
		t.Errorf("variant %q, want %q", v, k.Variant(pic.URL, 640))
	}
	for url, w := range map[string]int{pic.URL: 1600, pic.Variants[640]: 640} {
		name := strings.TrimPrefix(url, s.URLDir(k))
		f, ctype, err := s.Open(k, name)
		if err != nil {
			t.Fatal(err)
		}
		img, format, err := image.Decode(f)
		f.Close()
		if err != nil || format != "jpeg" || ctype != "image/jpeg" || img.Bounds().Dx() != w {
			t.Errorf("%s: %v %s %s %v", name, err, format, ctype, img.Bounds())
		}
	}
	// A PNG stays a PNG; a small one is not enlarged.
	pic, err = s.Save(context.Background(), k, "image", "x", bytes.NewReader(picture(t, "png", 500, 300)))
	if err != nil || !strings.HasSuffix(pic.URL, ".png") || pic.Width != 500 {
		t.Errorf("png: %+v %v", pic, err)
	}
	// Logos are PNG whatever was uploaded, as uploaded, with their two
	// variants (TestLogoVariantsAndContentNames).
	logo, err := s.Save(context.Background(), Logos(), "logo", "ecpat-luxembourg", bytes.NewReader(picture(t, "gif", 120, 60)))
	if err != nil || !strings.HasPrefix(logo.URL, "/uploads/logos/ecpat-luxembourg-") || !strings.HasSuffix(logo.URL, ".png") ||
		logo.Width != 120 || len(logo.Variants) != 2 {
		t.Errorf("logo: %+v %v", logo, err)
	}

	if err := s.Remove(k, pic.URL); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{pic.URL, pic.Variants[640]} {
		if _, _, err := s.Open(k, strings.TrimPrefix(u, s.URLDir(k))); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s after Remove: %v", u, err)
		}
	}
}

func TestSaveTurnsPhotosUpright(t *testing.T) {
	s := newStore(t)
	k := ArticleImages()
	// A 400 × 300 picture, red on the left, that the camera says is
	// turned a quarter anticlockwise (6): upright it is 300 × 400, red on
	// top.
	pic, err := s.Save(context.Background(), k, "image", "x", bytes.NewReader(withOrientation(picture(t, "jpeg", 400, 300), 6)))
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := s.Open(k, strings.TrimPrefix(pic.URL, s.URLDir(k)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 300 || b.Dy() != 400 {
		t.Fatalf("upright picture is %v, want 300 × 400", b)
	}
	top, bottom := img.At(150, 20), img.At(150, 380)
	if r, _, _, _ := top.RGBA(); r < 0x9000 {
		t.Errorf("top is %v, want red", top)
	}
	if r, _, _, _ := bottom.RGBA(); r > 0x6000 {
		t.Errorf("bottom is %v, want blue", bottom)
	}
	for o := uint16(1); o <= 8; o++ {
		if got := exifOrientation(withOrientation(picture(t, "jpeg", 20, 10), o)); got != int(o) {
			t.Errorf("orientation %d read as %d", o, got)
		}
	}
	if got := exifOrientation([]byte("\xFF\xD8\xFF\xE1\x00")); got != 1 {
		t.Errorf("a truncated block reads as %d", got)
	}
}

func TestOpenServesOnlyNamesSaveMakes(t *testing.T) {
	s := newStore(t)
	for _, name := range []string{"../../etc/passwd", "x.svg", ".ecpat-0123456789abcdef.png.tmp", "ecpat-0123456789abcdef.jpg",
		"ecpat-0123456789abcdef-w640.png", "ECPAT-0123456789abcdef.png", "ecpat-0123456789abcdef.png"} {
		if _, _, err := s.Open(Logos(), name); fault.KindOf(err) != fault.NotFound {
			t.Errorf("logo %q: %v", name, err)
		}
	}
	if !ArticleImages().valid("ecpat-0123456789abcdef-w640.jpg") || ArticleImages().valid("ecpat-0123456789abcdef-w641.jpg") {
		t.Error("variants: only the kind's widths are names")
	}
	if s.Owns(Logos(), "/uploads/articles/ecpat-0123456789abcdef.png") || !s.Owns(Logos(), "/uploads/logos/ecpat-0123456789abcdef.png") {
		t.Error("Owns mixes kinds")
	}
}

func TestSaveWaitsForASlotThenIsBusy(t *testing.T) {
	s := newStore(t)
	for range slots {
		s.slots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Save(ctx, Logos(), "logo", "x", bytes.NewReader(picture(t, "png", 40, 40))); err == nil {
		t.Error("saved without a slot")
	}
	<-s.slots
	if _, err := s.Save(context.Background(), Logos(), "logo", "x", io.LimitReader(bytes.NewReader(picture(t, "png", 40, 40)), 1<<20)); err != nil {
		t.Errorf("with a slot free: %v", err)
	}
}
