package kit_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/locale"
	"github.com/partnerdir/partnerdir/internal/web/kit"
	webfiles "github.com/partnerdir/partnerdir/web"
)

func newKit(t *testing.T) *kit.Kit {
	t.Helper()
	tr, err := locale.New(webfiles.FS)
	if err != nil {
		t.Fatal(err)
	}
	k, err := kit.New(kit.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), BaseURL: "http://x.test",
		Locale: tr, Files: webfiles.FS, ReviewQueue: func(context.Context) (int, error) { return 0, nil }})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestFailJSONAnswersAProblemDocument: every kind of error becomes an RFC
// 9457 document with the status of its kind, a refused parameter is named
// with its reason in English, and an unexpected error says nothing of its
// cause.
func TestFailJSONAnswersAProblemDocument(t *testing.T) {
	k := newKit(t)
	cases := []struct {
		name      string
		err       error
		status    int
		typ       string
		param     string
		reason    string
		hidden    string
		retryWant bool
	}{
		{"invalid", fault.InvalidValue("country", "param.err.unknown_country", "XX"), 400, "invalid-input", "country", "unknown country code XX", "", false},
		{"not found", fault.New(fault.NotFound, ""), 404, "not-found", "", "", "", false},
		{"rate limited", fault.New(fault.RateLimited, ""), 429, "rate-limited", "", "", "", true},
		{"internal", errors.New("pq: password authentication failed for secret-user"), 500, "internal", "", "", "secret-user", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(rec)
			c.Request = httptest.NewRequest(http.MethodGet, "/api/v1/organisations?country=XX", nil)
			k.FailJSON(c, tc.err)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != kit.ProblemJSON {
				t.Fatalf("Content-Type %q", ct)
			}
			if got := rec.Header().Get("Retry-After") != ""; got != tc.retryWant {
				t.Fatalf("Retry-After present %v, want %v", got, tc.retryWant)
			}
			var p kit.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Status != tc.status || p.Type != kit.ProblemType+tc.typ || p.Title == "" || p.Instance != "/api/v1/organisations" {
				t.Fatalf("problem %+v", p)
			}
			if tc.param != "" && (len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tc.param || p.InvalidParams[0].Reason != tc.reason) {
				t.Fatalf("invalid params %+v", p.InvalidParams)
			}
			if tc.hidden != "" && strings.Contains(rec.Body.String(), tc.hidden) {
				t.Fatalf("the problem tells the cause: %s", rec.Body.String())
			}
		})
	}
}
