package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

type quietMeter struct{}

func (quietMeter) Request(string, string, int, time.Duration) {}
func (quietMeter) PageCacheLookup(bool)                       {}

// TestCachedPageHitCompressesNothing: the page cache keeps a page with
// its brotli and gzip variants, computed once when it is kept; a hit
// sends those very bytes and compresses nothing (the count of answers
// compressed on the fly stays at the miss's one).
func TestCachedPageHitCompressesNothing(t *testing.T) {
	comp, err := newCompressor()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Kit: &kit.Kit{}, compression: comp, meter: quietMeter{}, pages: newPageCache(1<<20, func() uint64 { return 1 }, func() bool { return true })}
	body := bytes.Repeat([]byte("<p>Une page publique, pour tout le monde.</p>\n"), 100)
	renders := 0
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(s.compress)
	r.GET("/page", s.cachePage, func(c *gin.Context) {
		renders++
		kit.WriteTagged(c, http.StatusOK, "text/html; charset=utf-8", "public, max-age=60", body)
	})
	get := func(ae string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/page", nil)
		req.Header.Set("Accept-Encoding", ae)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		return rec
	}
	if miss := get("br"); miss.Header().Get("X-Page-Cache") != "miss" || miss.Header().Get("Content-Encoding") != "br" {
		t.Fatalf("first request: %v", miss.Header())
	}
	if n := comp.onFly.Load(); n != 1 {
		t.Fatalf("the miss compressed %d answers on the fly, want 1", n)
	}
	if pages, _ := s.pages.held(); pages != 1 {
		t.Fatal("the page was not kept")
	}
	kept, ok := s.pages.get(" /page") // no language: the key's is empty
	if !ok {
		t.Fatal("the kept page is not found under its key")
	}
	if len(kept.Brotli) == 0 || len(kept.Gzip) == 0 || !bytes.Equal(kept.Body, body) {
		t.Fatalf("kept without its variants: br %d, gzip %d bytes", len(kept.Brotli), len(kept.Gzip))
	}
	for range 3 {
		for enc, want := range map[string][]byte{"br": kept.Brotli, "gzip": kept.Gzip, "": body} {
			rec := get(enc)
			if rec.Header().Get("X-Page-Cache") != "hit" || rec.Header().Get("Content-Encoding") != enc || !bytes.Equal(rec.Body.Bytes(), want) {
				t.Errorf("hit in %q: %s, Content-Encoding %q, %d bytes, want the kept %d", enc,
					rec.Header().Get("X-Page-Cache"), rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(want))
			}
			if rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("hit in %q: Vary %q", enc, rec.Header().Get("Vary"))
			}
		}
	}
	if n := comp.onFly.Load(); n != 1 || renders != 1 {
		t.Errorf("after the hits: %d answers compressed on the fly, %d renders; want 1 and 1", n, renders)
	}
	if pages, b := s.pages.held(); pages != 1 || b < int64(len(body)+len(kept.Brotli)+len(kept.Gzip)) || b != kept.size {
		t.Errorf("held: %d pages, %d bytes (the page counts %d); want the body and its variants counted", pages, b, kept.size)
	}
}
