package search

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
	searchdef "github.com/partnerdir/partnerdir/search"
)

// What a page shows is all Meilisearch is asked: the organisations tab's
// four facets, the news tab's two, highlighting only for pages (the API
// reads plain texts).
func TestRequestsAskOnlyForWhatIsShown(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		q                 Query
		facets, highlight []string
	}{
		{Query{Text: "eau", Highlight: true}, []string{FacetCountry, FacetTheme, FacetSupport, FacetKind}, []string{"name", "mission_fr", "mission_en"}},
		{Query{Text: "eau"}, []string{FacetCountry, FacetTheme, FacetSupport, FacetKind}, nil},
		{Query{Type: TypeNews, Text: "eau", Highlight: true}, []string{FacetCountry, FacetTheme}, []string{"title_fr", "title_en", "lead_fr", "lead_en"}},
		{Query{Type: TypeNews, Text: "eau"}, []string{FacetCountry, FacetTheme}, nil},
	} {
		if err := tt.q.Normalize(); err != nil {
			t.Fatal(err)
		}
		req := MeiliRequest(tt.q)
		if tt.q.Type == TypeNews {
			req = ArticleRequest(tt.q)
		}
		if !slices.Equal(req.Facets, tt.facets) || !slices.Equal(req.AttributesToHighlight, tt.highlight) ||
			(tt.highlight == nil) != (req.HighlightPreTag == "") {
			t.Errorf("%+v: facets %v, highlight %v %q", tt.q, req.Facets, req.AttributesToHighlight, req.HighlightPreTag)
		}
	}
	if got := MeiliRequest(Query{Text: "  Eau   POTABLE "}).Query; got != "eau potable" {
		t.Errorf("text sent: %q, want it folded", got)
	}
}

// Through a real Meilisearch: the settings tuned for this data are
// applied, and each tab's answer carries only the facets it shows.
func TestSettingsAppliedAndOnlyShownFacets(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin, err := f.meili.admin()
	if err != nil {
		t.Fatal(err)
	}
	for _, uid := range []string{f.meili.UID(Organisations), f.meili.UID(Articles)} {
		s, err := admin.Index(uid).GetSettings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 249 countries in the reference data, fewer themes.
		if s.Faceting == nil || s.Faceting.MaxValuesPerFacet != 250 || s.Faceting.SortFacetValuesBy["*"] != "alpha" ||
			s.SearchCutoffMs != 150 || s.Pagination == nil || s.Pagination.MaxTotalHits != maxTotalHits {
			t.Errorf("%s: faceting %+v, cutoff %d, pagination %+v", uid, s.Faceting, s.SearchCutoffMs, s.Pagination)
		}
		if uid == f.meili.UID(Organisations) && (s.TypoTolerance == nil || !slices.Equal(s.TypoTolerance.DisableOnAttributes, []string{"acronym"})) {
			t.Errorf("%s: typo tolerance %+v, want none on acronyms", uid, s.TypoTolerance)
		}
	}
	orgs := search(t, f.meili, Query{Highlight: true})
	if got := slices.Sorted(maps.Keys(orgs.Facets)); !slices.Equal(got, []string{FacetCountry, FacetKind, FacetSupport, FacetTheme}) {
		t.Errorf("organisations facets: %v", got)
	}
	news := search(t, f.meili, newsQuery(""))
	if got := slices.Sorted(maps.Keys(news.Facets)); !slices.Equal(got, []string{FacetCountry, FacetTheme}) {
		t.Errorf("news facets: %v", got)
	}
	// Without highlighting the texts come back whole and unmarked.
	plain := search(t, f.meili, Query{Text: "ecpat"})
	if len(plain.Hits) == 0 || len(plain.Hits[0].NameHL) != 1 || plain.Hits[0].NameHL[0].Mark || plain.Hits[0].NameHL[0].Text != plain.Hits[0].Name {
		t.Errorf("plain hit: %+v", plain.Hits)
	}
	// A search for an acronym with a typo in it does not find another
	// acronym; the name still finds its organisation.
	if res := search(t, f.meili, Query{Text: "ecpta"}); len(res.Hits) == 0 || res.Hits[0].Slug != "ecpat-luxembourg" {
		t.Errorf("ecpta: %v", slugs(res))
	}
}

// counting counts the answer cache's lookups and the engine's answers.
type counting struct{ hits, misses, engine atomic.Int64 }

// service is a Service over f's Meilisearch with a cache, counted by c.
func (c *counting) service(f *fixture) *Service {
	return NewService(f.meili, NewFallback(f.pool), c.options())
}

func (c *counting) options() ServiceOptions {
	return ServiceOptions{Timeout: 10 * time.Second, CacheBytes: 4 << 20,
		CacheLookup: func(hit bool) {
			if hit {
				c.hits.Add(1)
			} else {
				c.misses.Add(1)
			}
		},
		Observe: func(o Outcome) {
			if o.Source == SourceEngine {
				c.engine.Add(1)
			}
		}}
}

func (c *counting) String() string {
	return fmt.Sprintf("%d hits, %d misses, %d engine answers", c.hits.Load(), c.misses.Load(), c.engine.Load())
}

func TestAnswerCacheHitsAndStaysFresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var n counting
	svc := n.service(f)
	find := func(q Query) *Result {
		t.Helper()
		res, err := svc.SearchAnonymous(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		return res
	}

	// The same words, however typed: one question to Meilisearch.
	first := find(Query{Text: "ecpat", Highlight: true})
	if again := find(Query{Text: "  ECPAT ", Highlight: true}); again != first || n.hits.Load() != 1 || n.engine.Load() != 1 {
		t.Fatalf("repeated query: same answer %v; %s", again == first, &n)
	}
	// Anything else that changes the answer is asked again, never mixed up.
	distinct := []Query{
		{Text: "ecpat"}, // the API's plain texts
		{Text: "ecpat", Highlight: true, Country: "LU"},
		{Text: "ecpat", Highlight: true, Country: "ML"},
		{Text: "ecpat", Highlight: true, Sort: SortName},
		{Text: "ecpat", Highlight: true, Page: 2},
		{Type: TypeNews, Text: "ecpat", Highlight: true},
		{Text: "ecpat luxembourg", Highlight: true},
	}
	seen := map[*Result]bool{first: true}
	for _, q := range distinct {
		res := find(q)
		if seen[res] {
			t.Errorf("%+v: answered with another query's answer", q)
		}
		seen[res] = true
	}
	if n.hits.Load() != 1 || n.engine.Load() != int64(1+len(distinct)) {
		t.Errorf("distinct queries: %s", &n)
	}
	for _, q := range []Query{{Text: "ecpat", Highlight: true, Country: "LU"}, {Country: "ML", Highlight: true}} {
		for _, h := range find(q).Hits {
			if !slices.Contains(h.Countries, q.Country) {
				t.Errorf("%+v: %s works in %v", q, h.Slug, h.Countries)
			}
		}
	}

	// A change applied through the index worker (what the outbox's job
	// runs): the next search asks Meilisearch again and sees it.
	id := f.ids["ecpat-luxembourg"]
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET name = 'ECPAT Lëtzebuerg', version = version + 1 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	w := NewWorker(f.ix, 0)
	if err := w.Work(ctx, &river.Job[jobs.IndexDocument]{Args: jobs.IndexDocument{Index: string(Organisations), ID: id}}); err != nil {
		t.Fatal(err)
	}
	engine := n.engine.Load()
	if res := find(Query{Text: "ecpat", Highlight: true}); len(res.Hits) == 0 || res.Hits[0].Name != "ECPAT Lëtzebuerg" || n.engine.Load() != engine+1 {
		t.Errorf("after the change: %v; %s", slugs(res), &n)
	}
	// A change to the other index (the news tab's count) too.
	if _, err := f.pool.Exec(ctx, `UPDATE articles SET status = 'withdrawn' WHERE organisation_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := w.Work(ctx, &river.Job[jobs.IndexDocument]{Args: jobs.IndexDocument{Index: string(Articles), OrganisationID: id}}); err != nil {
		t.Fatal(err)
	}
	if res := find(Query{Text: "ecpat", Highlight: true}); res.Counts[TypeNews] != 0 {
		t.Errorf("news count after the articles were withdrawn: %d", res.Counts[TypeNews])
	}

	// Invalidate empties it.
	engine = n.engine.Load()
	svc.Invalidate()
	find(Query{Text: "ecpat", Highlight: true})
	if n.engine.Load() != engine+1 {
		t.Errorf("after Invalidate: %s", &n)
	}
}

// Another process applying a change (its own Meili, the same index) makes
// this one's cached answers unreachable within generationCheck; so does a
// rebuild's swap.
func TestAnswerCacheSeesAnotherProcessChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var n counting
	svc := n.service(f)
	url, key := meiliEnv(t)
	defs, err := LoadDefinitions(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	other := NewMeili(MeiliConfig{URL: url, MasterKey: key, Index: f.meili.Index(), Definitions: defs})
	if err := other.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	otherIx := NewIndexer(f.pool, f.dir, other, IndexerOptions{})
	q := Query{Text: "sahel", Highlight: true}
	if _, err := svc.SearchAnonymous(ctx, q); err != nil {
		t.Fatal(err)
	}
	id := f.ids["sahel-eau-vive"]
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET name = 'Sahel Eau Claire', version = version + 1 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := otherIx.Sync(ctx, id); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	eventually(t, 5*time.Second, "the other process's change seen", func() bool {
		res, err := svc.SearchAnonymous(ctx, q)
		return err == nil && slices.ContainsFunc(res.Hits, func(h Hit) bool { return h.Name == "Sahel Eau Claire" })
	})
	if d := time.Since(start); d > 2*generationCheck {
		t.Errorf("seen after %s, want within about %s", d, generationCheck)
	}
	before, err := other.Generation(ctx, Organisations)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ix.ReindexKind(ctx, Organisations, nil); err != nil {
		t.Fatal(err)
	}
	fresh := NewMeili(MeiliConfig{URL: url, MasterKey: key, Index: f.meili.Index(), Definitions: defs})
	if err := fresh.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	if after, err := fresh.Generation(ctx, Organisations); err != nil || after == before {
		t.Errorf("generation after a rebuild: %q (%v), before %q", after, err, before)
	}
}

// The fallback's answers are not kept: once Meilisearch answers again,
// visitors get its answers at once.
func TestAnswerCacheKeepsNoFallbackAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var n counting
	down := NewMeili(MeiliConfig{URL: "http://127.0.0.1:1", Index: f.meili.Index()})
	svc := NewService(down, NewFallback(f.pool), n.options())
	for range 2 {
		res, err := svc.SearchAnonymous(context.Background(), Query{Text: "ecpat", Highlight: true})
		if err != nil || !res.Fallback {
			t.Fatalf("fallback: %v %v", res, err)
		}
	}
	if held, _ := svc.CacheHeld(); held != 0 || n.hits.Load() != 0 {
		t.Errorf("fallback answers kept: %d held; %s", held, &n)
	}
}

// Whatever is put, the cache holds at most its bytes, keeps the most
// recently used, refuses an answer over an eighth of its budget, and
// serves nothing past its TTL.
func TestAnswerCacheBoundedInBytes(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	answer := func(hits int) *Result {
		res := &Result{Type: TypeOrganisations, Facets: map[string]map[string]int{FacetCountry: {}}, Counts: map[string]int{TypeNews: 1}}
		for i := range hits {
			name := strings.Repeat("n", 10+r.IntN(200))
			res.Hits = append(res.Hits, Hit{Slug: fmt.Sprint("s", i), Name: name, NameHL: []Segment{{Text: name, Mark: true}},
				Themes: []string{"education"}, Countries: []string{"ML"}})
			res.Facets[FacetCountry][fmt.Sprint("C", i)] = i
		}
		return res
	}
	if small, big := answer(1).size(), answer(20).size(); small >= big || big < 20*200 {
		t.Fatalf("size estimates: 1 hit %d, 20 hits %d", small, big)
	}
	for _, max := range []int64{16 << 10, 64 << 10, 256 << 10} {
		c := newAnswerCache(max, time.Minute)
		for i := range 500 {
			key, res := fmt.Sprint("k", r.IntN(120)), answer(r.IntN(40))
			c.put(key, c.generation(), res)
			if _, b := c.held(); b > max || b < 0 {
				t.Fatalf("max %d: %d bytes held after put %d", max, b, i)
			}
			// The answer just put is the most recent one: kept unless too big.
			if _, ok := c.get(key); ok != (entrySize(key, res) <= max/8) {
				t.Fatalf("max %d: answer of %d bytes kept: %v", max, entrySize(key, res), ok)
			}
		}
	}
	c := newAnswerCache(16<<10, time.Minute)
	c.put("big", c.generation(), answer(40))
	if _, ok := c.get("big"); ok {
		t.Error("an answer over an eighth of the budget was kept")
	}
	c.put("old", c.generation(), answer(1))
	if _, ok := c.get("old"); !ok {
		t.Fatal("a small answer was not kept")
	}
	ttl := c.ttl
	c.ttl = 0 // every answer is now past it
	if _, ok := c.get("old"); ok {
		t.Error("an answer past its TTL was served")
	}
	c.ttl = ttl
	gen := c.generation()
	c.invalidate()
	c.put("late", gen, answer(1)) // computed before the invalidation
	if _, ok := c.get("late"); ok {
		t.Error("an answer computed before Invalidate was kept")
	}
}
