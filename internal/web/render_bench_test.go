package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
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
