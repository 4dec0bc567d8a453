package uploads

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// bomb is a small PNG whose header claims w × h pixels: decoding it would
// take w × h × 4 bytes of memory.
func bomb(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := picture(t, "png", 16, 16)
	// IHDR's data starts at byte 16: width, height, then its CRC at 29.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != int(w) {
		t.Fatalf("the bomb's header does not read: %v", err)
	}
	return b
}

func TestLogoRefusesBombsAndNonPicturesBeforeDecoding(t *testing.T) {
	s := newStore(t)
	k := Logos()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"bomb 100000 × 100000": {bomb(t, 100000, 100000), k.Size},
		"bomb 1999 × 30000":    {bomb(t, 1999, 30000), k.Size},
		"html named .png":      {[]byte("<!doctype html><html><script>alert(1)</script>"), k.Type},
		"pdf":                  {minimalTestPDF(), k.Type},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.Save(context.Background(), k, "logo", "ecpat", bytes.NewReader(tc.data))
			if got := fault.FieldsOf(err)["logo"]; got != tc.want {
				t.Errorf("error %v, want %s at logo", err, tc.want)
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, k.Name)); len(entries) != 0 {
		t.Errorf("refused logos left %d files", len(entries))
	}
}

func TestLogoVariantsAndContentNames(t *testing.T) {
	s := newStore(t)
	k := Logos()
	ctx := context.Background()
	pic, err := s.Save(ctx, k, "logo", "sahel-eau-vive", bytes.NewReader(picture(t, "png", 1000, 500)))
	if err != nil {
		t.Fatal(err)
	}
	for w, want := range map[int]int{96: 48, 480: 240} {
		u := pic.Variants[w]
		if u != k.Variant(pic.URL, w) {
			t.Fatalf("variant %d: %q", w, u)
		}
		f, ctype, err := s.Open(k, strings.TrimPrefix(u, s.URLDir(k)))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || ctype != "image/png" || cfg.Width != w || cfg.Height != want {
			t.Errorf("variant %d: %v %s %d × %d", w, err, ctype, cfg.Width, cfg.Height)
		}
	}
	// The name is the stored picture's digest: the same picture again is
	// the same address and nothing is written.
	main, _ := os.ReadFile(filepath.Join(s.dir, k.Name, strings.TrimPrefix(pic.URL, s.URLDir(k))))
	sum := sha256.Sum256(main)
	if !strings.Contains(pic.URL, "-"+hex.EncodeToString(sum[:8])+".png") {
		t.Errorf("%s is not named after its content %x", pic.URL, sum[:8])
	}
	again, err := s.Save(ctx, k, "logo", "sahel-eau-vive", bytes.NewReader(picture(t, "png", 1000, 500)))
	if err != nil || again.URL != pic.URL || !again.Reused || pic.Reused {
		t.Errorf("same picture again: %+v %v (first %+v)", again, err, pic)
	}
	other, err := s.Save(ctx, k, "logo", "sahel-eau-vive", bytes.NewReader(picture(t, "png", 200, 200)))
	if err != nil || other.URL == pic.URL || other.Reused {
		t.Errorf("another picture: %+v %v", other, err)
	}
	// A logo stored before the variants existed: its variants' addresses
	// serve the logo itself.
	old := "sahel-eau-vive-0123456789abcdef.png"
	if err := os.WriteFile(filepath.Join(s.dir, k.Name, old), main, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, err := s.Open(k, "sahel-eau-vive-0123456789abcdef-w96.png")
	if err != nil {
		t.Fatalf("old logo's variant: %v", err)
	}
	f.Close()
	if _, _, err := s.Open(k, "sahel-eau-vive-0123456789abcdef-w200.png"); fault.KindOf(err) != fault.NotFound {
		t.Errorf("a width logos never make: %v", err)
	}
}

// minimalTestPDF is a tiny well-formed PDF.
func minimalTestPDF() []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// countingReader counts what is read from it and never ends.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	copy(p, bytes.Repeat([]byte("%PDF-"), len(p)/5+1))
	c.n += int64(len(p))
	return len(p), nil
}

func TestSaveFileRefusesWhatIsNotAPDF(t *testing.T) {
	s := newStore(t)
	k := Documents()
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":            {nil, k.Missing},
		"html named .pdf":  {[]byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), k.Type},
		"pdf after spaces": {append([]byte("  "), minimalTestPDF()...), k.Type},
		"truncated pdf":    {minimalTestPDF()[:30], k.Type},
		"a png":            {picture(t, "png", 20, 20), k.Type},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := s.SaveFile(k, "file", "ecpat", bytes.NewReader(tc.data))
			if got := fault.FieldsOf(err)["file"]; got != tc.want {
				t.Errorf("error %v, want %s at file", err, tc.want)
			}
		})
	}
	// 50 MB: refused after the limit and one byte, never read to its end.
	r := &countingReader{}
	_, err := s.SaveFile(k, "file", "ecpat", io.LimitReader(r, 50<<20))
	if got := fault.FieldsOf(err)["file"]; got != k.TooBig {
		t.Errorf("50 MB: %v", err)
	}
	if r.n > k.MaxBytes+64<<10 {
		t.Errorf("read %d bytes of a 50 MB upload, limit %d", r.n, k.MaxBytes)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.dir, k.Name)); len(entries) != 0 {
		t.Errorf("refused documents left %d files", len(entries))
	}
	if _, err := s.Save(context.Background(), k, "file", "ecpat", bytes.NewReader(minimalTestPDF())); err == nil {
		t.Error("Save stored a document as a picture")
	}
}

func TestSaveFileKeepsThePDFUnderARandomName(t *testing.T) {
	s := newStore(t)
	k := Documents()
	pdf := minimalTestPDF()
	f, err := s.SaveFile(k, "file", "ECPAT Luxembourg", bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	if !strings.HasPrefix(f.Name, "ecpat-luxembourg-") || !strings.HasSuffix(f.Name, ".pdf") || f.Size != int64(len(pdf)) ||
		f.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored %+v", f)
	}
	g, _ := s.SaveFile(k, "file", "ECPAT Luxembourg", bytes.NewReader(pdf))
	if g.Name == f.Name {
		t.Error("two uploads share a name")
	}
	file, ctype, err := s.OpenFile(k, f.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(file)
	file.Close()
	if ctype != "application/pdf" || !bytes.Equal(got, pdf) {
		t.Errorf("opened %s %q", ctype, got)
	}
	// Documents are never served with the pictures.
	if slices.ContainsFunc(Kinds(), func(x Kind) bool { return x.Document }) {
		t.Error("documents are among the publicly served kinds")
	}
	for _, bad := range []string{"../logos/x.pdf", "ecpat-luxembourg-0123.pdf", strings.TrimSuffix(f.Name, ".pdf") + ".png"} {
		if _, _, err := s.OpenFile(k, bad); fault.KindOf(err) != fault.NotFound {
			t.Errorf("%s: %v", bad, err)
		}
	}
	if _, _, err := s.Open(Logos(), f.Name); fault.KindOf(err) != fault.NotFound {
		t.Errorf("a document opened as a logo: %v", err)
	}
	if err := s.RemoveFile(k, f.Name); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenFile(k, f.Name); fault.KindOf(err) != fault.NotFound {
		t.Errorf("after RemoveFile: %v", err)
	}
}
