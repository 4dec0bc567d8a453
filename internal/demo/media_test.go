package demo

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestMinimalPDFIsWellFormed checks the hand-written PDF as far as a
// reader would: the header, every cross-reference offset pointing at its
// object, startxref at the table, the stream's length, the end marker.
func TestMinimalPDFIsWellFormed(t *testing.T) {
	pdf := minimalPDF("Rapport annuel 2024 — Écoles (fictives)", []string{"Une ligne", "A line with a \\ and (parentheses)"})
	if !bytes.HasPrefix(pdf, []byte("%PDF-1.4\n")) || !bytes.HasSuffix(pdf, []byte("%%EOF\n")) {
		t.Fatalf("header or end marker missing:\n%q", pdf)
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n$`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(pdf[xref:], []byte("xref\n0 7\n0000000000 65535 f \n")) {
		t.Fatalf("startxref %d does not point at the table: %q", xref, pdf[xref:min(len(pdf), xref+40)])
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n \n`).FindAllSubmatch(pdf[xref:], -1)
	if len(entries) != 6 {
		t.Fatalf("%d objects in the table, want 6", len(entries))
	}
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := strconv.Itoa(i+1) + " 0 obj\n"; !bytes.HasPrefix(pdf[off:], []byte(want)) {
			t.Errorf("object %d: offset %d points at %q", i+1, off, pdf[off:min(len(pdf), off+12)])
		}
	}
	s := regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)endstream`).FindSubmatch(pdf)
	if s == nil {
		t.Fatal("no content stream")
	}
	if n, _ := strconv.Atoi(string(s[1])); n != len(s[2]) {
		t.Errorf("stream length %d, its content is %d bytes", n, len(s[2]))
	}
	// Accents in Windows-1252, delimiters escaped.
	for _, want := range []string{"(Rapport annuel 2024 \x97 \xc9coles \\(fictives\\)) Tj", `a \\ and \(parentheses\)`} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("content lacks %q", want)
		}
	}
}

func TestDrawnLogosAreDistinctPictures(t *testing.T) {
	seen := map[string]string{}
	for _, o := range Organisations()[1:] {
		b := drawLogo(o.Slug)
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != 256 || cfg.Height != 256 {
			t.Fatalf("%s: %v %dx%d", o.Slug, err, cfg.Width, cfg.Height)
		}
		if other, ok := seen[string(b)]; ok {
			t.Errorf("%s draws the same logo as %s", o.Slug, other)
		}
		seen[string(b)] = o.Slug
	}
	if !bytes.Equal(drawLogo("sahel-eau-vive"), drawLogo("sahel-eau-vive")) {
		t.Error("a second seed draws another logo")
	}
}

// TestLoadMediaGivesFictionalOrganisationsLogosAndReports: after a seed,
// every fictional profile has a logo and a public annual report, ECPAT
// Luxembourg neither (nor identifiers); a second seed adds nothing.
func TestLoadMediaGivesFictionalOrganisationsLogosAndReports(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := directory.NewStore(pool, nil)
	if _, err := Load(ctx, pool, store); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := LoadMedia(ctx, store, dir)
	if err != nil {
		t.Fatal(err)
	}
	n := len(Organisations()) - 1
	if res.Logos != n || res.Documents != n {
		t.Fatalf("first seed: %+v, want %d of each", res, n)
	}
	for _, o := range Organisations() {
		p, err := store.Profile(ctx, o.Slug, directory.ProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if o.Slug == Real {
			if p.LogoPath != "" || len(p.Documents) != 0 || len(p.Identifiers) != 0 {
				t.Errorf("ECPAT Luxembourg got a logo %q, %d documents, identifiers %v", p.LogoPath, len(p.Documents), p.Identifiers)
			}
			continue
		}
		if !strings.HasPrefix(p.LogoPath, "/uploads/logos/"+o.Slug+"-") {
			t.Errorf("%s: logo %q", o.Slug, p.LogoPath)
		}
		for _, w := range []string{"", "-w96", "-w480"} {
			name := strings.TrimSuffix(strings.TrimPrefix(p.LogoPath, "/uploads/logos/"), ".png") + w + ".png"
			if _, err := os.Stat(filepath.Join(dir, "logos", name)); err != nil {
				t.Errorf("%s: %v", o.Slug, err)
			}
		}
		if len(p.Documents) != 1 || p.Documents[0].Kind != directory.DocumentAnnualReport || !p.Documents[0].Public || p.Documents[0].Year != reportYear {
			t.Fatalf("%s: documents %+v", o.Slug, p.Documents)
		}
		f, err := os.ReadFile(filepath.Join(dir, "documents", p.Documents[0].FileName))
		if err != nil || !bytes.HasPrefix(f, []byte("%PDF-")) || int64(len(f)) != p.Documents[0].Size {
			t.Errorf("%s: report file: %v (%d bytes)", o.Slug, err, len(f))
		}
	}
	p, _ := store.Profile(ctx, "partage-luxembourg-afrique", directory.ProfileOptions{})
	if len(p.Identifiers) != 1 || p.Identifiers[0].Scheme != "LU-RCS" {
		t.Errorf("a Luxembourg demo organisation's identifiers: %v", p.Identifiers)
	}
	again, err := LoadMedia(ctx, store, dir)
	if err != nil || again.Logos != 0 || again.Documents != 0 {
		t.Errorf("second seed: %+v, %v", again, err)
	}
}
