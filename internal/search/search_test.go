package search

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

func engines(f *fixture) map[string]Engine {
	return map[string]Engine{"meilisearch": f.meili, "fallback": NewFallback(f.pool)}
}

func TestFindsMisspeltNamesAndCities(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for name, e := range engines(f) {
		for _, q := range []string{"ecpta", "Bamko", "ECPAT", "bamako"} {
			res := search(t, e, Query{Text: q})
			if len(res.Hits) == 0 || res.Hits[0].Slug != "ecpat-luxembourg" {
				t.Errorf("%s: %q: want ecpat-luxembourg first, got %v", name, q, slugs(res))
			}
		}
	}
	res := search(t, f.meili, Query{Text: "ecpta", Highlight: true})
	var marked []string
	for _, s := range res.Hits[0].NameHL {
		if s.Mark {
			marked = append(marked, s.Text)
		}
	}
	if !slices.Contains(marked, "ECPAT") {
		t.Errorf("highlight of ecpta in %q: marked %v", res.Hits[0].Name, marked)
	}
}

// newOrg creates a small published organisation and syncs it.
func newOrg(t *testing.T, f *fixture, slug, name, mission string) int64 {
	t.Helper()
	ctx := context.Background()
	id, err := f.dir.Create(ctx, audit.System("test"), &directory.NewOrganisation{
		Organisation: directory.Organisation{Slug: slug, Name: name, Kind: directory.KindNational,
			Mission: directory.Localized{FR: mission}, Status: directory.StatusPublished, Countries: []string{"BF"},
			Email: "secret@" + slug + ".example.org", Phone: "+226 555 0101"},
		Offices: []directory.Office{{Name: "Siège", Kind: directory.OfficeHeadquarters, City: "Koudougou", Country: "BF",
			Email: "office@" + slug + ".example.org", Phone: "+226 555 0102"}},
		Members: []directory.NewMember{
			{Office: "Siège", Member: directory.Member{FullName: "Awa Publique", RoleTitle: "Directrice", Public: true}},
			{Office: "Siège", Member: directory.Member{FullName: "Cachée Privée", RoleTitle: "Comptable", Email: "cachee@" + slug + ".example.org"}},
		},
		Contacts: []directory.NewContact{{ContactPoint: directory.ContactPoint{Name: name, Email: "offres@" + slug + ".example.org", RoleCode: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.ix.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEditIsSearchableAndDeletionDisappears(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := newOrg(t, f, "asso-rurale", "Association Rurale du Boulkiemdé", "Soutenir le développement rural des villages")
	for name, e := range engines(f) {
		if res := search(t, e, Query{Text: "developpement"}); !slices.Contains(slugs(res), "asso-rurale") {
			t.Errorf("%s: developpement: got %v", name, slugs(res))
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET name = 'Zorgho Alphabétisation', version = version + 1 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		if res := search(t, e, Query{Text: "zorgho"}); !slices.Equal(slugs(res), []string{"asso-rurale"}) {
			t.Errorf("%s: edited name: got %v", name, slugs(res))
		}
		if res := search(t, e, Query{Text: "Boulkiemdé"}); len(res.Hits) != 0 {
			t.Errorf("%s: old name still found: %v", name, slugs(res))
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET status = 'suspended' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		if res := search(t, e, Query{Text: "zorgho"}); len(res.Hits) != 0 {
			t.Errorf("%s: suspended organisation still found: %v", name, slugs(res))
		}
	}
	if _, err := f.pool.Exec(ctx, `DELETE FROM organisations WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.Sync(ctx, id); err != nil {
		t.Fatalf("sync of a deleted organisation: %v", err)
	}
	r, err := f.ix.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if o := r.Of(Organisations); !r.Empty() || o.Indexed != o.Expected {
		t.Errorf("drift after edits: %+v", r)
	}
}

func TestCountryFilterAndFacetCounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// Organisations with an office or activity in Mali, from the database.
	page, err := f.dir.List(ctx, directory.ListFilter{Country: "ML", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range page.Cards {
		want = append(want, c.Slug)
	}
	slices.Sort(want)
	if len(want) < 2 || !slices.Contains(want, "ecpat-luxembourg") {
		t.Fatalf("demo data: organisations in ML: %v", want)
	}
	results := map[string]*Result{}
	for name, e := range engines(f) {
		res := search(t, e, Query{Country: "ML", PerPage: 50})
		got := slugs(res)
		slices.Sort(got)
		if !slices.Equal(got, want) || res.Total != len(want) {
			t.Errorf("%s: country ML: got %d %v, want %v", name, res.Total, got, want)
		}
		if res.Facets[FacetCountry]["ML"] != len(want) {
			t.Errorf("%s: facet countries[ML] = %d, want %d", name, res.Facets[FacetCountry]["ML"], len(want))
		}
		// Every facet count equals the number of hits having the value.
		counts := map[string]map[string]int{FacetCountry: {}, FacetTheme: {}, FacetKind: {}}
		for _, h := range res.Hits {
			for _, c := range h.Countries {
				counts[FacetCountry][c]++
			}
			for _, th := range h.Themes {
				counts[FacetTheme][th]++
			}
			counts[FacetKind][h.Kind]++
		}
		for _, facet := range []string{FacetCountry, FacetTheme, FacetKind} {
			if !maps.Equal(counts[facet], res.Facets[facet]) {
				t.Errorf("%s: facet %s = %v, want %v", name, facet, res.Facets[facet], counts[facet])
			}
		}
		results[name] = res
		// A second filter narrows further.
		res2 := search(t, e, Query{Country: "ML", Theme: "child-protection", Text: "enfants"})
		for _, h := range res2.Hits {
			if !slices.Contains(h.Countries, "ML") || !slices.Contains(h.Themes, "child-protection") {
				t.Errorf("%s: hit %s outside the filters", name, h.Slug)
			}
		}
		// One office must be both in Mali and regional.
		res3 := search(t, e, Query{Office: "ML:regional"})
		if !slices.Contains(slugs(res3), "ecpat-luxembourg") {
			t.Errorf("%s: office ML:regional: %v", name, slugs(res3))
		}
		if res4 := search(t, e, Query{Office: "LU:regional"}); slices.Contains(slugs(res4), "ecpat-luxembourg") {
			t.Errorf("%s: office LU:regional matched ECPAT's two different offices", name)
		}
	}
	if !maps.EqualFunc(results["meilisearch"].Facets, results["fallback"].Facets, maps.Equal) {
		t.Errorf("facets differ:\nmeilisearch %v\nfallback    %v", results["meilisearch"].Facets, results["fallback"].Facets)
	}
}

func TestFilterInjectionChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const injected = `ML" OR kind = "x`
	q := Query{Country: injected}
	if err := q.Normalize(); fault.FieldsOf(err)["country"] == "" {
		t.Errorf("Normalize accepted country %q: %v", injected, err)
	}
	if _, err := f.svc.Search(context.Background(), Query{Country: injected}); fault.FieldsOf(err)["country"] == "" {
		t.Errorf("service accepted country %q: %v", injected, err)
	}
	// Even past validation, the value stays one quoted literal.
	for name, e := range engines(f) {
		for _, v := range []string{injected, `ML\" OR kind = \"x`, `ML' OR 1=1 --`} {
			res, err := e.Search(context.Background(), Query{Country: v, Theme: v, Page: 1, PerPage: 20, Sort: SortRelevance})
			if err == nil && res.Total != 0 {
				t.Errorf("%s: country %q widened the results to %d", name, v, res.Total)
			}
		}
	}
	if got := quote(injected); got != `"ML\" OR kind = \"x"` {
		t.Errorf("quote = %s", got)
	}
}

func TestNothingPrivateInTheIndex(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	newOrg(t, f, "asso-privee", "Association Témoin", "Une mission publique")
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET status = 'draft' WHERE slug = 'cooperative-karite-solidaire'`); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.Sync(ctx, f.ids["cooperative-karite-solidaire"]); err != nil {
		t.Fatal(err)
	}
	url, key := meiliEnv(t)
	master := meilisearch.New(url, meilisearch.WithAPIKey(key))
	var res meilisearch.DocumentsResult
	if err := master.Index(f.meili.Index()).GetDocuments(ctx, &meilisearch.DocumentsQuery{Limit: 1000}, &res); err != nil {
		t.Fatal(err)
	}
	stored, _ := json.Marshal(res.Results)
	rows, _ := f.pool.Query(ctx, `SELECT document::text || names || tsv::text FROM search_documents`)
	for rows.Next() {
		var s string
		_ = rows.Scan(&s)
		stored = append(stored, s...)
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	text := string(stored)
	if !strings.Contains(text, "Awa Publique") || !strings.Contains(text, "Fabienne") {
		t.Fatal("public members missing: the check below would prove nothing")
	}
	for _, secret := range []string{"@", "Cachée", "Private Person", "555 01", "Comptable", "Coopérative Karité", "cooperative-karite"} {
		if strings.Contains(text, secret) {
			t.Errorf("the index holds private data %q", secret)
		}
	}
}

func TestFallbackAnswersWhenMeiliIsUnreachable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	down := NewMeili(MeiliConfig{URL: "http://127.0.0.1:1", MasterKey: "unused-master-key", Index: "nothing"})
	if err := down.Setup(ctx); err == nil {
		t.Fatal("setup against a closed port succeeded")
	}
	svc := NewService(down, NewFallback(f.pool), ServiceOptions{Timeout: 200 * time.Millisecond, Failures: 2, Cooldown: time.Minute})
	res, err := svc.Search(ctx, Query{Text: "Bamako"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Fallback || len(res.Hits) == 0 || res.Hits[0].Slug != "ecpat-luxembourg" {
		t.Errorf("fallback=%v hits %v", res.Fallback, slugs(res))
	}
	if svc.Probe(ctx) == nil {
		t.Error("probe says Meilisearch is fine")
	}

	// A Meilisearch that is set up but then fails opens the breaker.
	broken := NewMeili(f.meili.cfg)
	brokenClients := *f.meili.clients.Load()
	brokenClients.search = meilisearch.New("http://127.0.0.1:1", meilisearch.DisableRetries())
	broken.clients.Store(&brokenClients)
	svc = NewService(broken, NewFallback(f.pool), ServiceOptions{Timeout: 200 * time.Millisecond, Failures: 2, Cooldown: time.Minute})
	for i := 0; i < 3; i++ {
		if res, err := svc.Search(ctx, Query{Text: "ecpta"}); err != nil || !res.Fallback {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if !svc.br.open() || svc.Probe(ctx) == nil {
		t.Error("breaker did not open after repeated failures")
	}

	// PostgreSQL failing too: an error, never an empty answer.
	badPool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:1/none?connect_timeout=1")
	if err != nil {
		t.Fatal(err)
	}
	defer badPool.Close()
	svc = NewService(down, NewFallback(badPool), ServiceOptions{Timeout: 200 * time.Millisecond})
	if _, err := svc.Search(ctx, Query{Text: "Bamako"}); !errors.Is(err, ErrUnavailable) {
		t.Errorf("both down: %v, want ErrUnavailable", err)
	}
}

func TestFallbackBoundsItsConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	fb := NewFallback(f.pool)
	for range fallbackSlots {
		fb.slots <- struct{}{} // every slot busy
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := fb.Search(ctx, Query{Text: "Bamako", Page: 1, PerPage: 10}); err == nil || !strings.Contains(err.Error(), "slot") {
		t.Fatalf("search with every slot busy: %v, want a wait for a slot that ends with the request", err)
	}
	<-fb.slots // one slot frees up
	res, err := fb.Search(context.Background(), Query{Text: "Bamako", Page: 1, PerPage: 10})
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Slug != "ecpat-luxembourg" {
		t.Fatalf("search with a free slot: %v %v", err, res)
	}
	if len(fb.slots) != fallbackSlots-1 {
		t.Errorf("%d slots busy after the search, want %d: the slot was not given back", len(fb.slots), fallbackSlots-1)
	}
}

func TestSegmentsAndBreaker(t *testing.T) {
	got := segments("a " + markStart + "<b>" + markEnd + " c")
	want := []Segment{{"a ", false}, {"<b>", true}, {" c", false}}
	if !slices.Equal(got, want) {
		t.Errorf("segments = %v", got)
	}
	now := time.Unix(0, 0)
	b := newBreaker(2, time.Second)
	b.now = func() time.Time { return now }
	b.done(false)
	if !b.allow() {
		t.Fatal("opened after one failure")
	}
	b.done(false)
	if b.allow() {
		t.Fatal("still closed after two failures")
	}
	now = now.Add(2 * time.Second)
	if !b.allow() || b.allow() {
		t.Fatal("half-open must let exactly one trial through")
	}
	b.done(true)
	if !b.allow() || b.open() {
		t.Fatal("a successful trial must close it")
	}
}

// TestDocumentsMatchTheProfile checks the bulk document query against the
// profile the public page shows.
func TestDocumentsMatchTheProfile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	names, err := f.ix.namer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"ecpat-luxembourg", "enfance-et-avenir-international"} {
		p, err := f.dir.Profile(ctx, slug, directory.ProfileOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := BuildDocument(p, names)
		got, ok, err := f.ix.Document(ctx, p.ID)
		if err != nil || !ok {
			t.Fatalf("%s: %v %v", slug, ok, err)
		}
		if got.Digest != want.Digest {
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(want)
			t.Errorf("%s: document differs from the profile:\n%s\n%s", slug, a, b)
		}
	}
}

// TestFoldIsSafeConcurrently guards the fallback's accent folding, which
// every concurrent fallback search runs.
func TestFoldIsSafeConcurrently(t *testing.T) {
	t.Parallel()
	done := make(chan bool)
	for i := 0; i < 8; i++ {
		go func() {
			ok := true
			for j := 0; j < 2000; j++ {
				ok = ok && fold("Développement ÉCOLE") == "developpement ecole"
			}
			done <- ok
		}()
	}
	for i := 0; i < 8; i++ {
		if !<-done {
			t.Error("fold gave a wrong result under concurrency")
		}
	}
}

// A rebuild rewrites the fallback rows that drifted and leaves current
// ones alone (their text vectors are most of its work in PostgreSQL).
func TestReindexRewritesOnlyDriftedFallbackRows(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	ecpat, other := f.ids["ecpat-luxembourg"], int64(0)
	for slug, id := range f.ids {
		if slug != "ecpat-luxembourg" {
			other = id
			break
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE search_documents SET names = 'nothing', digest = 'stale' WHERE organisation_id = $1`, ecpat); err != nil {
		t.Fatal(err)
	}
	var before string
	if err := f.pool.QueryRow(ctx, `SELECT xmin::text FROM search_documents WHERE organisation_id = $1`, other).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.Reindex(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var names, after string
	if err := f.pool.QueryRow(ctx, `SELECT names FROM search_documents WHERE organisation_id = $1`, ecpat).Scan(&names); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(names, "ecpat") {
		t.Errorf("drifted fallback row not rewritten: names %q", names)
	}
	if err := f.pool.QueryRow(ctx, `SELECT xmin::text FROM search_documents WHERE organisation_id = $1`, other).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("a current fallback row was rewritten (xmin %s → %s)", before, after)
	}
}

// Compressed responses cost 40 ms a query on kept-alive connections
// (Meilisearch writes their headers and body separately; see HTTPClient):
// the app never asks for them.
func TestMeiliClientAsksForNoCompression(t *testing.T) {
	var mu sync.Mutex
	var encodings []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		encodings = append(encodings, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"available"}`))
	}))
	defer srv.Close()
	m := NewMeili(MeiliConfig{URL: srv.URL, Index: "x", Definitions: []*Definition{{Kind: Organisations}}})
	if err := m.Setup(context.Background()); err != nil { // reads the index
		t.Fatal(err)
	}
	for range 2 {
		if err := m.Probe(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range encodings {
		if strings.Contains(e, "gzip") {
			t.Errorf("request asked for %q", e)
		}
	}
	if len(encodings) != 3 {
		t.Errorf("%d requests seen, want 3", len(encodings))
	}
}
