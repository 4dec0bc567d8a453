package web_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	kgzip "github.com/klauspost/compress/gzip"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// getEncoded requests path from b accepting ae (Accept-Encoding), with
// header given as name, value pairs.
func getEncoded(b *browser, method, path, ae string, header ...string) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	req.Header.Set("Accept-Encoding", ae)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// decoded is rec's body decoded from its Content-Encoding.
func decoded(t *testing.T, rec *httptest.ResponseRecorder) []byte {
	t.Helper()
	var r io.Reader
	switch enc := rec.Header().Get("Content-Encoding"); enc {
	case "":
		return rec.Body.Bytes()
	case "br":
		r = brotli.NewReader(bytes.NewReader(rec.Body.Bytes()))
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes()))
		if err != nil {
			t.Fatalf("gzip: %v", err)
		}
		r = zr
	default:
		t.Fatalf("Content-Encoding %q", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s: %v", rec.Header().Get("Content-Encoding"), err)
	}
	return b
}

// varies reports how many times Vary lists Accept-Encoding.
func varies(h http.Header) int {
	n := 0
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Accept-Encoding") {
				n++
			}
		}
	}
	return n
}

var stylesheet = regexp.MustCompile(`href="(/static/css/site\.[0-9a-f]+\.css)"`)

// TestCompressedAnswersDecodeToTheIdentityBytes: pages (kept by the page
// cache, or rendered on the fly), JSON, Atom, the sitemap and a static
// stylesheet, in brotli and gzip, decode to the very bytes of the answer
// sent as it is, under their coding's ETag, with Vary: Accept-Encoding
// once, merged with the page's own Vary.
func TestCompressedAnswersDecodeToTheIdentityBytes(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t).fixture // the page cache on
	b := f.browser(t)
	home := b.get("/")
	m := stylesheet.FindStringSubmatch(home.Body.String())
	if m == nil {
		t.Fatalf("no stylesheet on the home page")
	}
	paths := []string{
		"/organisations/ecpat-luxembourg",         // kept: the identity answer fills the cache
		"/organisations/ecpat-luxembourg?fresh=1", // compressed first, on the fly
		"/organisations",                          // a list page
		"/api/v1/organisations/ecpat-luxembourg",  // JSON, tagged
		"/news.atom",                              // Atom, tagged
		"/sitemap.xml",                            // XML, not kept
		m[1],                                      // CSS, compressed at start-up
	}
	for i, path := range paths {
		first, second := "", "br"
		if i == 1 {
			first, second = "br", ""
		}
		one := getEncoded(b, http.MethodGet, path, first)
		two := getEncoded(b, http.MethodGet, path, second)
		three := getEncoded(b, http.MethodGet, path, "gzip")
		identity := one
		if i == 1 {
			identity = two
		}
		if identity.Code != http.StatusOK || identity.Header().Get("Content-Encoding") != "" {
			t.Fatalf("%s: identity %d, Content-Encoding %q", path, identity.Code, identity.Header().Get("Content-Encoding"))
		}
		// Kept pages: the identity answer filled the cache, the
		// compressed ones are its variants.
		if i == 0 && (two.Header().Get("X-Page-Cache") != "hit" || three.Header().Get("X-Page-Cache") != "hit") {
			t.Errorf("%s: X-Page-Cache %q and %q, want hits", path, two.Header().Get("X-Page-Cache"), three.Header().Get("X-Page-Cache"))
		}
		for _, rec := range []*httptest.ResponseRecorder{one, two, three} {
			if varies(rec.Header()) != 1 {
				t.Errorf("%s (%q): Vary %q, want Accept-Encoding once", path, rec.Header().Get("Content-Encoding"), rec.Header().Values("Vary"))
			}
			enc := rec.Header().Get("Content-Encoding")
			if rec == identity {
				continue
			}
			want := "br"
			if rec == three {
				want = "gzip"
			}
			if enc != want {
				t.Errorf("%s: Content-Encoding %q, want %q", path, enc, want)
				continue
			}
			if rec.Body.Len() >= identity.Body.Len() {
				t.Errorf("%s in %s: %d bytes, identity %d", path, enc, rec.Body.Len(), identity.Body.Len())
			}
			if !bytes.Equal(decoded(t, rec), identity.Body.Bytes()) {
				t.Errorf("%s in %s does not decode to the identity answer", path, enc)
			}
			if et := identity.Header().Get("ETag"); et != "" && rec.Header().Get("ETag") != kit.EncodedETag(et, enc) {
				t.Errorf("%s in %s: ETag %q, identity's %q", path, enc, rec.Header().Get("ETag"), et)
			}
		}
	}
	// A page's own Vary stays beside Accept-Encoding.
	if v := strings.Join(getEncoded(b, http.MethodGet, "/organisations", "br").Header().Values("Vary"), ", "); !strings.Contains(v, "Accept-Language") {
		t.Errorf("Vary %q lost Accept-Language", v)
	}
}

// TestSmallAndCompressedBodiesAreSentAsTheyAre: a body under 1 KiB, a PNG
// logo and a PDF report go out as they are; only the compressible one
// says Vary: Accept-Encoding.
func TestSmallAndCompressedBodiesAreSentAsTheyAre(t *testing.T) {
	t.Parallel()
	f := newFixture(apptest.New(t, apptest.Setup{Media: true}))
	b := f.browser(t)
	profile := b.get("/organisations/sahel-eau-vive").Body.String()
	doc := regexp.MustCompile(`href="(/organisations/sahel-eau-vive/documents/[0-9]+)"`).FindStringSubmatch(profile)
	logo := regexp.MustCompile(`src="(/uploads/logos/[a-z0-9-]+\.png)"`).FindStringSubmatch(profile)
	if doc == nil || logo == nil {
		t.Fatalf("the profile lacks its report or logo")
	}
	for _, c := range []struct {
		path, ctype string
		vary        bool
	}{
		{"/robots.txt", "text/plain", true},
		{"/healthz", "application/json", true},
		{logo[1], "image/png", false},
		{doc[1], "application/pdf", false},
	} {
		plain := getEncoded(b, http.MethodGet, c.path, "")
		rec := getEncoded(b, http.MethodGet, c.path, "br, gzip")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), c.ctype) {
			t.Fatalf("%s: %d %q", c.path, rec.Code, rec.Header().Get("Content-Type"))
		}
		if enc := rec.Header().Get("Content-Encoding"); enc != "" || !bytes.Equal(rec.Body.Bytes(), plain.Body.Bytes()) {
			t.Errorf("%s: Content-Encoding %q, %d bytes (identity %d)", c.path, enc, rec.Body.Len(), plain.Body.Len())
		}
		if c.vary && rec.Body.Len() >= kit.MinCompressBytes {
			t.Errorf("%s: %d bytes, not a small body", c.path, rec.Body.Len())
		}
		if want := map[bool]int{true: 1, false: 0}[c.vary]; varies(rec.Header()) != want {
			t.Errorf("%s: Vary %q, want Accept-Encoding %d times", c.path, rec.Header().Values("Vary"), want)
		}
	}
}

// TestAcceptEncodingNegotiation: q-values, "*", identity and unknown
// codings choose the answer's coding; br wins a tie.
func TestAcceptEncodingNegotiation(t *testing.T) {
	t.Parallel()
	f := newFixture(apptest.New(t, apptest.Setup{}))
	b := f.browser(t)
	for _, c := range []struct{ ae, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"br", "br"},
		{"gzip, deflate, br", "br"},
		{"BR;Q=1", "br"},
		{"x-gzip", "gzip"},
		{"br;q=0.5, gzip", "gzip"},
		{"gzip;q=0.8, br;q=0.8", "br"},
		{"br;q=0, gzip;q=0", ""},
		{"br;q=0, gzip;q=0.1", "gzip"},
		{"*", "br"},
		{"gzip;q=0.2, *", "br"},
		{"*;q=0", ""},
		{"br;q=0, *;q=0.5", "gzip"},
		{"identity;q=0", ""},
		{"identity, gzip;q=0.5", ""},
		{"identity;q=0.1, gzip;q=0.5", "gzip"},
		{"deflate, compress", ""},
		{"gzip;q=nonsense, br;q=0.1", "br"},
	} {
		rec := getEncoded(b, http.MethodGet, "/organisations", c.ae)
		if got := rec.Header().Get("Content-Encoding"); rec.Code != http.StatusOK || got != c.want {
			t.Errorf("Accept-Encoding %q: %d, Content-Encoding %q, want %q", c.ae, rec.Code, got, c.want)
		}
		if varies(rec.Header()) != 1 {
			t.Errorf("Accept-Encoding %q: Vary %q", c.ae, rec.Header().Values("Vary"))
		}
	}
}

// TestEncodedETagGives304: the tag of a compressed answer sent back in
// If-None-Match gives a 304 carrying that tag: a kept feed and JSON list
// (compressed once), the HSDS list (not kept: compressed on the fly), a
// static file, and a signed-in user's JSON (padded gzip).
func TestEncodedETagGives304(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t).fixture // the page cache on
	b := f.browser(t)
	css := stylesheet.FindStringSubmatch(b.get("/").Body.String())
	if css == nil {
		t.Fatal("no stylesheet")
	}
	signedIn := f.browser(t)
	f.user(t, "reader@example.org", "", "", "")
	signedIn.login("reader@example.org")
	for _, c := range []struct {
		b    *browser
		path string
		encs []string
	}{
		{b, "/news.atom", []string{"br", "gzip"}},
		{b, "/api/v1/organisations", []string{"br", "gzip"}},
		{b, "/api/hsds/organizations", []string{"br", "gzip"}},
		{b, css[1], []string{"br", "gzip"}},
		{signedIn, "/api/v1/organisations", []string{"gzip"}},
	} {
		b, path := c.b, c.path
		for _, enc := range c.encs {
			rec := getEncoded(b, http.MethodGet, path, enc)
			etag := rec.Header().Get("ETag")
			if rec.Header().Get("Content-Encoding") != enc || !strings.HasSuffix(etag, "-"+enc+`"`) {
				t.Fatalf("%s: Content-Encoding %q, ETag %q", path, rec.Header().Get("Content-Encoding"), etag)
			}
			again := getEncoded(b, http.MethodGet, path, enc, "If-None-Match", etag)
			if again.Code != http.StatusNotModified || again.Body.Len() != 0 || again.Header().Get("ETag") != etag {
				t.Errorf("%s in %s with If-None-Match %s: %d, ETag %q, %d bytes", path, enc, etag, again.Code, again.Header().Get("ETag"), again.Body.Len())
			}
			if varies(again.Header()) != 1 {
				t.Errorf("%s in %s: 304's Vary %q", path, enc, again.Header().Values("Vary"))
			}
		}
	}
}

// TestHeadAndPrivateAnswers: HEAD sends no body and says nothing about a
// coding; the search page (it echoes the query) and a signed-in user's
// pages get padded gzip, never brotli; an anonymous form carrying the
// session's token is not compressed.
func TestHeadAndPrivateAnswers(t *testing.T) {
	t.Parallel()
	f := newFixture(apptest.New(t, apptest.Setup{}))
	b := f.browser(t)
	for _, path := range []string{"/api/v1/organisations", "/api/v1/organisations"} { // a miss, then a hit
		rec := getEncoded(b, http.MethodHead, path, "br, gzip")
		if rec.Code != http.StatusOK || rec.Body.Len() != 0 || rec.Header().Get("Content-Encoding") != "" || varies(rec.Header()) != 1 {
			t.Errorf("HEAD %s: %d, %d bytes, Content-Encoding %q, Vary %q", path, rec.Code, rec.Body.Len(),
				rec.Header().Get("Content-Encoding"), rec.Header().Values("Vary"))
		}
	}

	plain := getEncoded(b, http.MethodGet, "/search?q=eau", "")
	rec := getEncoded(b, http.MethodGet, "/search?q=eau", "br, gzip")
	if rec.Header().Get("Content-Encoding") != "gzip" || !bytes.Equal(decoded(t, rec), plain.Body.Bytes()) || varies(rec.Header()) != 1 {
		t.Errorf("/search: Content-Encoding %q, Vary %q, or not the identity bytes", rec.Header().Get("Content-Encoding"), rec.Header().Values("Vary"))
	}
	// gzhttp's padding: a comment of random length in the gzip header.
	if zr, err := gzip.NewReader(bytes.NewReader(rec.Body.Bytes())); err != nil || zr.Comment == "" {
		t.Errorf("/search: no padding in the gzip header (%v)", err)
	}

	login := getEncoded(b, http.MethodGet, "/login", "br, gzip")
	if login.Code != http.StatusOK || login.Header().Get("Content-Encoding") != "" || login.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("/login: %d, Content-Encoding %q, Cache-Control %q", login.Code, login.Header().Get("Content-Encoding"), login.Header().Get("Cache-Control"))
	}

	f.user(t, "reader@example.org", "", "", "")
	b.login("reader@example.org")
	acc := getEncoded(b, http.MethodGet, "/organisations", "br, gzip")
	if acc.Header().Get("Content-Encoding") != "gzip" || acc.Header().Get("Cache-Control") != "no-store" || varies(acc.Header()) != 1 {
		t.Errorf("signed in: Content-Encoding %q, Cache-Control %q, Vary %q", acc.Header().Get("Content-Encoding"),
			acc.Header().Get("Cache-Control"), acc.Header().Values("Vary"))
	}
	if body := decoded(t, acc); !bytes.Contains(body, []byte("<h1>Organisations partenaires</h1>")) {
		t.Error("the signed-in page does not decode to the list page")
	}
}

// BenchmarkCompression compresses a real profile page (ECPAT
// Luxembourg's, as served) at brotli and gzip levels, reporting the
// compressed bytes beside ns/op: the figures the levels in kit and
// compress.go were chosen from (go test -run '^$' -bench Compression
// -benchtime 200x ./internal/web/).
func BenchmarkCompression(b *testing.B) {
	h := newTestServer(b)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/organisations/ecpat-luxembourg", nil))
	if rec.Code != http.StatusOK {
		b.Fatalf("profile: %d", rec.Code)
	}
	page := rec.Body.Bytes()
	b.Logf("profile page: %d bytes", len(page))
	for _, c := range []struct {
		enc    string
		levels []int
	}{
		{kit.EncodingBrotli, []int{1, 3, 4, 5, 6, 8, 11}},
		{kit.EncodingGzip, []int{1, 3, 5, 6, 9}},
	} {
		for _, level := range c.levels {
			// new: a fresh encoder each time (kit.Compress, a page kept);
			// reused: one encoder Reset (the middleware's pool).
			b.Run(fmt.Sprintf("%s-%d-new", c.enc, level), func(b *testing.B) {
				n := 0
				for b.Loop() {
					n = len(kit.Compress(c.enc, level, page))
				}
				b.ReportMetric(float64(n), "bytes")
				b.ReportMetric(float64(len(page))/float64(n), "ratio")
			})
			b.Run(fmt.Sprintf("%s-%d-reused", c.enc, level), func(b *testing.B) {
				var buf bytes.Buffer
				var w interface {
					io.WriteCloser
					Reset(io.Writer)
				}
				if c.enc == kit.EncodingBrotli {
					w = brotli.NewWriterLevel(&buf, level)
				} else {
					w, _ = kgzip.NewWriterLevel(&buf, level)
				}
				for b.Loop() {
					buf.Reset()
					w.Reset(&buf)
					_, _ = w.Write(page)
					_ = w.Close()
				}
				b.ReportMetric(float64(buf.Len()), "bytes")
			})
		}
	}
}
