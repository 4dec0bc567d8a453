package web_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/web/api"
)

// TestAPIAnswersHEADLikeGET: every GET route under /api/v1 and /api/hsds
// has its HEAD, which answers what GET answers — the status, ETag,
// Cache-Control, Content-Type, CORS headers, a 304 for a matching
// If-None-Match, a problem's status for a bad request — without a body;
// the 405 and the preflight name HEAD among the methods.
func TestAPIAnswersHEADLikeGET(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	var gets, heads []string
	for _, r := range h.Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") && !strings.HasPrefix(r.Path, "/api/hsds/") {
			continue
		}
		switch r.Method {
		case http.MethodGet:
			gets = append(gets, r.Path)
		case http.MethodHead:
			heads = append(heads, r.Path)
		}
	}
	slices.Sort(gets)
	slices.Sort(heads)
	if len(gets) < 10 || !slices.Equal(gets, heads) {
		t.Errorf("GET routes %v\nHEAD routes %v", gets, heads)
	}

	ecpat := getJSON(t, h, "/api/v1/organisations/ecpat-luxembourg", &struct{}{})
	head := func(path string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(http.MethodHead, path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	paths := []string{"/api/v1/openapi.json", "/api/v1/organisations", "/api/v1/organisations?country=ML",
		"/api/v1/organisations/ecpat-luxembourg", "/api/v1/organisations/nobody", "/api/v1/organisations?limit=100000",
		"/api/v1/countries", "/api/v1/themes", "/api/v1/articles", "/api/hsds/organizations",
		"/api/hsds/organizations/not-a-uuid", "/api/hsds/organizations/" + hsds.OrganizationID(999999)}
	for _, path := range paths {
		g, hd := get(t, h, path), head(path)
		if hd.Code != g.Code || hd.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d with %d bytes; GET: %d", path, hd.Code, hd.Body.Len(), g.Code)
		}
		for _, name := range []string{"Content-Type", "ETag", "Cache-Control", "Access-Control-Allow-Origin"} {
			if hd.Header().Get(name) != g.Header().Get(name) {
				t.Errorf("HEAD %s: %s %q, GET's %q", path, name, hd.Header().Get(name), g.Header().Get(name))
			}
		}
	}
	if etag := ecpat.Header().Get("ETag"); etag == "" {
		t.Error("ECPAT's answer has no ETag")
	} else if rec := head("/api/v1/organisations/ecpat-luxembourg", "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("HEAD with the ETag: %d, %d bytes; want 304", rec.Code, rec.Body.Len())
	}

	req := httptest.NewRequest(http.MethodPost, "/api/v1/themes", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != api.Methods {
		t.Errorf("POST: %d, Allow %q; want 405 naming %s", rec.Code, rec.Header().Get("Allow"), api.Methods)
	}
	req = httptest.NewRequest(http.MethodOptions, "/api/v1/themes", nil)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "HEAD") {
		t.Errorf("preflight: %d, %q", rec.Code, rec.Header().Get("Access-Control-Allow-Methods"))
	}
}
