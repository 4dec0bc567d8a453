package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

func (s *searchServer) get(t *testing.T, target string, header ...string) (int, string) {
	t.Helper()
	rec := get(t, s.h, target, header...)
	return rec.Code, rec.Body.String()
}

func TestSearchPage(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, false, nil)
	ctx := context.Background()

	code, body := s.get(t, "/search?q=ecpta")
	if code != http.StatusOK || !strings.Contains(body, `<a href="/organisations/ecpat-luxembourg"><mark>ECPAT</mark> Luxembourg</a>`) {
		t.Errorf("q=ecpta: %d, ECPAT Luxembourg not first and highlighted", code)
	}
	if strings.Contains(body, "mode réduit") {
		t.Error("fallback notice while Meilisearch is up")
	}
	first := strings.Index(body, `class="card-title"`)
	if first < 0 || !strings.Contains(body[first:first+120], "ecpat-luxembourg") {
		t.Error("q=ecpta: ECPAT Luxembourg is not the first result")
	}

	code, body = s.get(t, "/search?country=ML")
	for _, want := range []string{`aria-current="true" class="on">Mali <span class="count">5</span>`, "5 organisations",
		`href="/search?country=ML&amp;theme=child-protection"`, `aria-label="Retirer le filtre Mali"`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("country=ML: %d, missing %q", code, want)
		}
	}

	code, body = s.get(t, "/search?q=zzzzqqqxx")
	if code != http.StatusOK || !strings.Contains(body, "Aucune organisation ne correspond à « zzzzqqqxx »") {
		t.Errorf("empty state: %d", code)
	}

	code, body = s.get(t, "/search?q=bamako", "X-Partial", "results")
	if code != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, "ecpat-luxembourg") {
		t.Errorf("partial results: %d %.200s", code, body)
	}

	for _, bad := range []string{
		"/search?country=" + url.QueryEscape(`ML" OR kind = "x`), "/search?country=XX", "/search?theme=nope",
		"/search?support=money", "/search?kind=club", "/search?sort=random", "/search?page=0", "/search?page=x",
		"/search?page=9999", "/search?q=a&q=b", "/search?office=ML:palace", "/search?q=" + strings.Repeat("a", 201),
	} {
		if code, _ := s.get(t, bad); code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", bad, code)
		}
	}

	// Indexed text reaches the page escaped, highlighted or not.
	var id int64
	if err := s.pool.QueryRow(ctx, `UPDATE organisations SET name = '<b>Sahel</b> Eau <script>x</script>' WHERE slug = 'sahel-eau-vive' RETURNING id`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if err := s.indexer.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, body = s.get(t, "/search?q=sahel")
	if strings.Contains(body, "<b>Sahel") || strings.Contains(body, "<script>x") ||
		!strings.Contains(body, "&lt;b&gt;") || !strings.Contains(body, "<mark>Sahel</mark>") {
		t.Errorf("markup in indexed text not escaped")
	}

	// Pagination: 14 organisations, 20 per page: one page; 5 per page is
	// not a parameter, so page 2 is simply empty but valid.
	if code, _ := s.get(t, "/search?page=2"); code != http.StatusOK {
		t.Errorf("page 2: %d", code)
	}
	code, body = s.get(t, "/search?sort=name")
	if code != http.StatusOK || strings.Index(body, "accueil-sans-frontieres-luxembourg") > strings.Index(body, "urgence-haiti-solidarite") {
		t.Errorf("sort=name: %d, not in name order", code)
	}
}

func TestSearchFallsBackThen503(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, true, nil)
	code, body := s.get(t, "/search?q=Bamako")
	if code != http.StatusOK || !strings.Contains(body, "mode réduit") || !strings.Contains(body, "ecpat-luxembourg") {
		t.Errorf("Meilisearch down: %d, want the fallback's results with a notice", code)
	}
	code, body = s.get(t, "/readyz")
	if code != http.StatusOK || !strings.Contains(body, `"meilisearch":{"state":"degraded"`) || !strings.Contains(body, `"status":"degraded"`) {
		t.Errorf("readyz with Meilisearch down: %d %s", code, body)
	}

	bad, err := pgxpool.New(context.Background(), "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(bad.Close)
	s = newSearchServer(t, true, bad)
	code, body = s.get(t, "/search?q=Bamako")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "La recherche est momentanément indisponible") {
		t.Errorf("both down: %d, want 503 with a clear message", code)
	}
}
