package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
)

// BenchmarkPublicPages measures a whole request through the engine —
// routing, middleware, the store's queries and rendering — for the pages
// the directory benchmark loads (see BENCHMARKS.md).
func BenchmarkPublicPages(b *testing.B) {
	h := newTestServer(b)
	for _, path := range []string{"/healthz", "/organisations", "/organisations/ecpat-luxembourg", "/"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, rec.Code)
				}
			}
		})
	}
}

// BenchmarkCachedPages compares a page served from the page cache, through
// the whole engine (routing, middleware, the cache's lookup: no query),
// with a bare handler writing the same bytes: the limit a cached page can
// approach. Run briefly:
//
//	go test -run '^$' -bench CachedPages -benchtime 2000x ./internal/web/
func BenchmarkCachedPages(b *testing.B) {
	a := apptest.New(b, apptest.Setup{Env: map[string]string{"PAGE_CACHE_BYTES": "8MiB"}})
	h := engine(a)
	var article string
	if err := a.Pool.QueryRow(context.Background(),
		`SELECT slug FROM articles WHERE status = 'published' ORDER BY published_at DESC LIMIT 1`).Scan(&article); err != nil {
		b.Fatal(err)
	}
	for _, path := range []string{"/organisations/ecpat-luxembourg", "/organisations", "/news/" + article} {
		get := func() *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				b.Fatalf("%s: %d", path, rec.Code)
			}
			return rec
		}
		get()
		page := get()
		if page.Header().Get("X-Page-Cache") != "hit" {
			b.Fatalf("%s: X-Page-Cache %q, want hit", path, page.Header().Get("X-Page-Cache"))
		}
		body, contentType := page.Body.Bytes(), page.Header().Get("Content-Type")
		b.Run("cached"+path, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if rec := get(); rec.Header().Get("X-Page-Cache") != "hit" {
					b.Fatalf("%s: not a hit", path)
				}
			}
		})
		bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", contentType)
			_, _ = w.Write(body)
		})
		b.Run("bare"+path, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				rec := httptest.NewRecorder()
				bare.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			}
		})
	}
}
