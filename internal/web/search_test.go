package web

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/search"
	searchdef "github.com/partnerdir/partnerdir/search"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// searchServer is the real engine over the demo data, with search served
// from a per-test Meilisearch index (or from nowhere, when meiliURL is a
// closed port).
type searchServer struct {
	h       http.Handler
	pool    *pgxpool.Pool
	indexer *search.Indexer
}

func newSearchServer(t *testing.T, meiliDown bool, fallbackPool *pgxpool.Pool) *searchServer {
	t.Helper()
	meiliURL, key := os.Getenv("MEILI_URL"), os.Getenv("MEILI_MASTER_KEY")
	if meiliURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MEILI_URL is not set: Meilisearch is required under CI")
		}
		t.Skip("MEILI_URL is not set; run make test")
	}
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := directory.NewStore(pool, nil)
	if _, err := demo.Load(ctx, pool, store); err != nil {
		t.Fatal(err)
	}
	settings, err := search.LoadSettings(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	index := "w_" + hex.EncodeToString(b)
	t.Cleanup(func() {
		master := meilisearch.New(meiliURL, meilisearch.WithAPIKey(key))
		if res, err := master.ListIndexes(context.Background(), &meilisearch.IndexesQuery{Limit: 1000}); err == nil {
			for _, i := range res.Results {
				if i.UID == index || strings.HasPrefix(i.UID, index+"_") {
					_, _ = master.DeleteIndex(context.Background(), i.UID)
				}
			}
		}
		search.DeleteKeys(context.Background(), meiliURL, key, index)
	})
	m := search.NewMeili(search.MeiliConfig{URL: meiliURL, MasterKey: key, Index: index, Settings: settings})
	ix := search.NewIndexer(pool, store, m, search.IndexerOptions{})
	if _, err := ix.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	engine := m
	if meiliDown {
		engine = search.NewMeili(search.MeiliConfig{URL: "http://127.0.0.1:1", MasterKey: "unused", Index: index})
	}
	if fallbackPool == nil {
		fallbackPool = pool
	}
	svc := search.NewService(engine, search.NewFallback(fallbackPool), search.ServiceOptions{Timeout: 5 * time.Second})
	base, _ := url.Parse("http://partners.test")
	s, err := New(ctx, Deps{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:   base,
		Directory: store,
		Files:     webfiles.FS,
		Search:    svc,
		Checks: []Check{
			{Name: "postgres", Required: true, Probe: pool.Ping},
			{Name: "meilisearch", Probe: svc.Probe},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &searchServer{h: s.Handler(), pool: pool, indexer: ix}
}

func (s *searchServer) get(t *testing.T, target string, header ...string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
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
