package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Visitors see which organisations are verified (with the date) on the
// cards of lists and search results, and can keep only those, with
// Meilisearch and with its PostgreSQL fallback; a bad value names the
// parameter.
func TestVerifiedOrganisationsAreMarkedAndFiltered(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, false, nil)
	ctx := context.Background()
	var verified, all int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE last_verified_on > current_date - interval '24 months'), count(*)
		FROM organisations WHERE status = 'published'`).Scan(&verified, &all); err != nil {
		t.Fatal(err)
	}
	if verified == 0 || verified == all {
		t.Fatalf("the demo has %d verified organisations of %d: the filter would prove nothing", verified, all)
	}
	mark := "Vérifiée le 2 novembre 2026"
	count := func(n int) string {
		if n == 1 {
			return "1 organisation"
		}
		return fmt.Sprintf("%d organisations", n)
	}

	code, body := s.get(t, "/organisations")
	if code != http.StatusOK || !strings.Contains(body, `class="card-verified"`) || !strings.Contains(body, mark) || !strings.Contains(body, `name="verified" value="1"`) {
		t.Errorf("/organisations: %d, no verified mark with its date on ECPAT's card, or no filter", code)
	}
	code, body = s.get(t, "/organisations?verified=1")
	if code != http.StatusOK || !strings.Contains(body, count(verified)) || strings.Count(body, `class="card-verified"`) != verified ||
		strings.Count(body, `<article class="card">`) != verified || !strings.Contains(body, `name="verified" value="1" checked`) {
		t.Errorf("/organisations?verified=1: %d, want %s, each marked", code, count(verified))
	}

	fallback := newSearchServer(t, true, nil)
	for name, srv := range map[string]*searchServer{"meilisearch": s, "fallback": fallback} {
		code, body := srv.get(t, "/search?q=ecpat")
		if code != http.StatusOK || !strings.Contains(body, mark) || !strings.Contains(body, `href="/search?q=ecpat&amp;verified=1"`) {
			t.Errorf("%s: /search?q=ecpat: %d, no verified mark or no link to keep the verified ones", name, code)
		}
		code, body = srv.get(t, "/search?verified=1")
		if code != http.StatusOK || strings.Count(body, `class="card-verified"`) != verified || strings.Count(body, `<article class="card">`) != verified {
			t.Errorf("%s: /search?verified=1: %d, want the %d verified organisations, each marked", name, code, verified)
		}
		if !strings.Contains(body, `name="verified" value="1"`) || !strings.Contains(body, "Organisations vérifiées seulement ✕") {
			t.Errorf("%s: the verified filter is not shown as active", name)
		}
	}

	// Expired: not shown, not counted. The index holds the day of the
	// verification as it was; the cut-off is the search's.
	var id int64
	if err := s.pool.QueryRow(ctx, `UPDATE organisations SET last_verified_on = current_date - interval '25 months'
		WHERE slug = 'ecpat-luxembourg' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := s.indexer.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, body := s.get(t, "/search?verified=1"); strings.Contains(body, "/organisations/ecpat-luxembourg\"") {
		t.Error("an expired verification is still found by verified=1")
	}
	if _, body := s.get(t, "/search?q=ecpat"); strings.Contains(body, `class="card-verified"`) {
		t.Error("an expired verification is still marked in the results")
	}

	for _, bad := range []string{"/organisations?verified=yes", "/search?verified=2", "/organisations?verified=1&verified=1"} {
		code, body := s.get(t, bad)
		if code != http.StatusBadRequest || !strings.Contains(body, "verified") {
			t.Errorf("%s: %d, want 400 naming the parameter", bad, code)
		}
	}
}
