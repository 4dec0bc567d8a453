package search

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	searchdef "github.com/partnerdir/partnerdir/search"
)

func articleSlugs(r *Result) []string {
	var out []string
	for _, h := range r.Articles {
		out = append(out, h.Slug)
	}
	return out
}

func (f *fixture) articleID(t *testing.T, slug string) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `SELECT id FROM articles WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatalf("article %s: %v", slug, err)
	}
	return id
}

// publish writes and publishes an article of organisation slug through
// the news store, as its editors and staff would, and syncs it (waiting
// for Meilisearch's task).
func (f *fixture) publish(t *testing.T, slug string, fr news.Text) int64 {
	t.Helper()
	ctx := context.Background()
	sys := audit.System("test")
	saved, err := f.news.Create(ctx, sys, f.ids[slug], news.Input{FR: fr, ThemeSlugs: []string{"water-sanitation"}, Countries: []string{"NE"}})
	if err != nil {
		t.Fatal(err)
	}
	if saved, err = f.news.Submit(ctx, sys, saved.ID); err != nil {
		t.Fatal(err)
	}
	if saved.Status != news.StatusPublished {
		if saved, err = f.news.Approve(ctx, sys, saved.ID, saved.Version); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.ix.SyncDocument(ctx, Articles, saved.ID); err != nil {
		t.Fatal(err)
	}
	return saved.ID
}

func newsQuery(text string) Query { return Query{Type: TypeNews, Text: text, Highlight: true} }

// Both index definitions load from search/ and their settings reach a
// real Meilisearch; the articles index is MEILI_INDEX_articles.
func TestIndexDefinitionsLoadAndApply(t *testing.T) {
	t.Parallel()
	defs, err := LoadDefinitions(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	for _, d := range defs {
		kinds = append(kinds, d.Kind)
		if d.Settings == nil || len(d.Settings.Synonyms) == 0 || d.PrimaryKey != "id" {
			t.Errorf("%s: settings %v, primary key %q", d.Kind, d.Settings != nil, d.PrimaryKey)
		}
	}
	if !slices.Equal(kinds, []Kind{Organisations, Articles}) || defs[1].UID("t_x") != "t_x_articles" || defs[0].UID("t_x") != "t_x" {
		t.Fatalf("definitions: %v, articles uid %q", kinds, defs[1].UID("t_x"))
	}

	f := newFixture(t)
	ctx := context.Background()
	admin, err := f.meili.admin()
	if err != nil {
		t.Fatal(err)
	}
	uid := f.meili.UID(Articles)
	if uid != f.meili.Index()+"_articles" {
		t.Errorf("articles uid %q", uid)
	}
	s, err := admin.Index(uid).GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"title_fr", "title_en", "lead_fr", "lead_en", "body_fr", "body_en", "member_names", "organisation_name"} {
		if !slices.Contains(s.SearchableAttributes, a) {
			t.Errorf("articles: %s not searchable: %v", a, s.SearchableAttributes)
		}
	}
	if !slices.Contains(s.FilterableAttributes, "countries") || !slices.Contains(s.FilterableAttributes, "themes") ||
		!slices.Equal(s.SortableAttributes, []string{"published_at"}) || len(s.Synonyms) == 0 {
		t.Errorf("articles settings: filterable %v, sortable %v, %d synonyms", s.FilterableAttributes, s.SortableAttributes, len(s.Synonyms))
	}
	org, err := admin.Index(f.meili.Index()).GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(org.FilterableAttributes, "office_keys") || slices.Contains(org.SearchableAttributes, "body_fr") {
		t.Errorf("organisations settings changed: %v / %v", org.FilterableAttributes, org.SearchableAttributes)
	}
}

// "Halimatou formatoin" finds the demo communiqué: her name is one of the
// people it presents, and "formation" (misspelt) is in its French body.
// Each type counts the other's results.
func TestArticlesAreFoundWithTyposAndCounted(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := search(t, f.meili, newsQuery("Halimatou formatoin"))
	if got := articleSlugs(res); len(got) == 0 || got[0] != "we-love-ecpat" {
		t.Fatalf("Halimatou formatoin: %v", got)
	}
	h := res.Articles[0]
	if h.OrganisationSlug != "ecpat-luxembourg" || h.OrganisationName != "ECPAT Luxembourg" ||
		!h.PublishedAt.Equal(time.Date(2016, time.October, 13, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("hit: %+v", h)
	}
	title, lead, lang := h.In("en")
	if lang != "en" || segText(title) != "We love ECPAT" || !strings.Contains(segText(lead), "Halimatou") || !marked(lead, "Halimatou") {
		t.Errorf("English hit: %q %q (%s)", segText(title), segText(lead), lang)
	}
	for name, e := range engines(f) {
		res := search(t, e, newsQuery("Halimatou"))
		if !slices.Equal(articleSlugs(res), []string{"we-love-ecpat"}) || res.Total != 1 || res.Type != TypeNews {
			t.Errorf("%s: news Halimatou: %v (total %d)", name, articleSlugs(res), res.Total)
		}
		if res.Counts[TypeNews] != 1 || res.Counts[TypeOrganisations] != 1 {
			t.Errorf("%s: counts for Halimatou: %v", name, res.Counts)
		}
		orgs := search(t, e, Query{Text: "Halimatou"})
		if !slices.Equal(slugs(orgs), []string{"ecpat-luxembourg"}) || orgs.Counts[TypeNews] != 1 || orgs.Counts[TypeOrganisations] != 1 {
			t.Errorf("%s: organisations Halimatou: %v, counts %v", name, slugs(orgs), orgs.Counts)
		}
		// No words: every published article of a published organisation,
		// the latest first; the draft is not among them.
		all := search(t, e, Query{Type: TypeNews})
		want := []string{"benevoles-cours-de-francais", "rentree-des-classes-passerelles", "dix-forages-a-tillaberi", "we-love-ecpat"}
		if !slices.Equal(articleSlugs(all), want) || all.Facets[FacetCountry]["ML"] != 1 || all.Facets[FacetTheme]["human-rights-solidarity"] != 2 {
			t.Errorf("%s: all news: %v, facets %v", name, articleSlugs(all), all.Facets)
		}
		// Shared filters apply to both types' counts.
		ml := search(t, e, Query{Type: TypeNews, Country: "ML"})
		if !slices.Equal(articleSlugs(ml), []string{"we-love-ecpat"}) || ml.Counts[TypeOrganisations] != search(t, e, Query{Country: "ML"}).Total {
			t.Errorf("%s: news in Mali: %v, counts %v", name, articleSlugs(ml), ml.Counts)
		}
		// A French-only article has no English text: In falls back to French.
		fr := search(t, e, newsQuery("passerelles"))
		if len(fr.Articles) != 1 {
			t.Fatalf("%s: passerelles: %v", name, articleSlugs(fr))
		}
		if _, _, lang := fr.Articles[0].In("en"); lang != "fr" {
			t.Errorf("%s: French-only article shown in %q for an English visitor", name, lang)
		}
	}
}

func segText(s []Segment) string {
	var b strings.Builder
	for _, x := range s {
		b.WriteString(x.Text)
	}
	return b.String()
}

func marked(s []Segment, word string) bool {
	return slices.ContainsFunc(s, func(x Segment) bool { return x.Mark && x.Text == word })
}

// A document holds the article's public text only: the body as plain
// text, public people, nothing of a draft.
func TestArticleDocumentHoldsThePublicText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.articleID(t, "we-love-ecpat")
	d, ok, err := f.ix.ArticleDocument(ctx, id)
	if err != nil || !ok {
		t.Fatalf("document: %v %v", ok, err)
	}
	if !slices.Equal(d.MemberNames, []string{"Fabienne", "Boubacar", "Halimatou"}) || !slices.Equal(d.Langs, []string{"fr", "en"}) {
		t.Errorf("members %v, langs %v", d.MemberNames, d.Langs)
	}
	for _, bad := range []string{"<", "##", "](", "mailto:"} {
		if strings.Contains(d.BodyFR+d.BodyEN, bad) {
			t.Errorf("body holds markup %q", bad)
		}
	}
	if !strings.Contains(d.BodyFR, "Halimatou, gestion de projets Juriste") || !strings.Contains(d.BodyEN, "Write to c.wantz@ecpat.lu.") {
		t.Errorf("body text: %.300s", d.BodyFR)
	}
	if _, ok, _ := f.ix.ArticleDocument(ctx, f.articleID(t, "bilan-saison-mangroves")); ok {
		t.Error("a draft has a document")
	}
	// A member made private leaves the documents that present them.
	if _, err := f.pool.Exec(ctx, `UPDATE team_members SET visibility = 'private' WHERE full_name = 'Boubacar'`); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.SyncOrganisation(ctx, Articles, f.ids["ecpat-luxembourg"]); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		if res := search(t, e, newsQuery("Halimatou")); len(res.Articles) != 1 {
			t.Errorf("%s: after the edit: %v", name, articleSlugs(res))
		}
	}
	d, _, _ = f.ix.ArticleDocument(ctx, id)
	if slices.Contains(d.MemberNames, "Boubacar") {
		t.Error("a private member is in the document")
	}
}

// Publishing makes an article searchable once its task is done;
// withdrawing takes it out; an organisation suspended takes its articles
// with it, a renamed one is found under its new name.
func TestPublishWithdrawAndSuspend(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	id := f.publish(t, "sahel-eau-vive", news.Text{Title: "Une pompe solaire à Kollo", Lead: "Le village de Kollo a l'eau.",
		Body: "Les **panneaux** alimentent la pompe du forage de Kollo."})
	for name, e := range engines(f) {
		if res := search(t, e, newsQuery("Kollo")); !slices.Equal(articleSlugs(res), []string{"une-pompe-solaire-a-kollo"}) {
			t.Errorf("%s: published: %v", name, articleSlugs(res))
		}
	}
	if _, err := f.news.Withdraw(ctx, audit.System("test"), id); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.SyncDocument(ctx, Articles, id); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		if res := search(t, e, newsQuery("Kollo")); len(res.Articles) != 0 {
			t.Errorf("%s: withdrawn article still found: %v", name, articleSlugs(res))
		}
	}

	ecpat := f.ids["ecpat-luxembourg"]
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET status = 'suspended' WHERE id = $1`, ecpat); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.SyncOrganisation(ctx, Articles, ecpat); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		if res := search(t, e, newsQuery("Halimatou")); len(res.Articles) != 0 {
			t.Errorf("%s: a suspended organisation's article is still found: %v", name, articleSlugs(res))
		}
	}
	if _, err := f.pool.Exec(ctx, `UPDATE organisations SET status = 'published', name = 'Zanzibar Enfance' WHERE id = $1`, ecpat); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.SyncOrganisation(ctx, Articles, ecpat); err != nil {
		t.Fatal(err)
	}
	for name, e := range engines(f) {
		res := search(t, e, newsQuery("Zanzibar"))
		if !slices.Equal(articleSlugs(res), []string{"we-love-ecpat"}) || res.Articles[0].OrganisationName != "Zanzibar Enfance" {
			t.Errorf("%s: renamed organisation's article: %v", name, articleSlugs(res))
		}
	}
	// A deleted organisation's articles go too, though their rows are gone.
	if _, err := f.pool.Exec(ctx, `DELETE FROM organisations WHERE id = $1`, ecpat); err != nil {
		t.Fatal(err)
	}
	if err := f.ix.SyncOrganisation(ctx, Articles, ecpat); err != nil {
		t.Fatal(err)
	}
	r, err := f.ix.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a := r.Of(Articles); !a.Empty() || a.Expected != 3 || a.Indexed != 3 {
		t.Errorf("articles after the changes: %+v", a)
	}
}

// verify finds a missing and a stale article document, repair fixes
// them; reindex rebuilds both indexes into fresh ones and swaps them in.
func TestVerifyRepairAndReindexArticles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	admin, err := f.meili.admin()
	if err != nil {
		t.Fatal(err)
	}
	uid := f.meili.UID(Articles)
	ecpat, sahel := f.articleID(t, "we-love-ecpat"), f.articleID(t, "dix-forages-a-tillaberi")
	task, err := admin.Index(uid).DeleteDocument(ctx, strconv.FormatInt(ecpat, 10), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitTask(ctx, admin, task.TaskUID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.pool.Exec(ctx, `UPDATE search_articles SET digest = 'old' WHERE article_id = $1`, sahel); err != nil {
		t.Fatal(err)
	}
	r, err := f.ix.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := r.Of(Articles)
	if !slices.Equal(a.Meili.Missing, []int64{ecpat}) || !slices.Equal(a.Fallback.Stale, []int64{sahel}) ||
		len(a.Meili.Stale)+len(a.Meili.Extra)+len(a.Fallback.Missing)+len(a.Fallback.Extra) != 0 || !r.Of(Organisations).Empty() {
		t.Fatalf("verify: %+v", a)
	}
	n, err := f.ix.Repair(ctx, r)
	if err != nil || n[Articles] != 2 || n[Organisations] != 0 {
		t.Fatalf("repair: %v %v", n, err)
	}
	if r, err := f.ix.Verify(ctx); err != nil || !r.Empty() {
		t.Fatalf("after repair: %v %+v", err, r.Of(Articles))
	}

	// A stray document only a rebuild from scratch drops.
	task, err = admin.Index(uid).AddDocuments(ctx, []map[string]any{{"id": 999999, "title_fr": "Égaré"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitTask(ctx, admin, task.TaskUID); err != nil {
		t.Fatal(err)
	}
	st, err := f.ix.Reindex(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Indexes) != 2 || st.Indexes[0].Kind != Organisations || st.Indexes[1].Kind != Articles ||
		st.Indexes[1].Documents != 4 || st.Indexes[1].UID != uid || st.Documents != st.Indexes[0].Documents+4 {
		t.Errorf("reindex: %+v", st)
	}
	if r, err := f.ix.Verify(ctx); err != nil || !r.Empty() || r.Of(Articles).Indexed != 4 {
		t.Errorf("after reindex: %v %+v", err, r.Of(Articles))
	}
	list, err := admin.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range list.Results {
		if strings.HasPrefix(i.UID, f.meili.Index()+"_") && i.UID != uid {
			t.Errorf("rebuild index %s left behind", i.UID)
		}
	}
	if res := search(t, f.meili, newsQuery("Égaré")); len(res.Articles) != 0 {
		t.Error("the stray document survived the rebuild")
	}
}

// With Meilisearch unreachable the PostgreSQL fallback finds articles too,
// with the same slots and deadline as for organisations.
func TestFallbackFindsArticlesWhenMeiliIsDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	down := NewMeili(MeiliConfig{URL: "http://127.0.0.1:1", MasterKey: "unused-master-key", Index: "nothing"})
	svc := NewService(down, NewFallback(f.pool), ServiceOptions{Timeout: 200 * time.Millisecond})
	for _, q := range []string{"Halimatou", "halimatou formation", "Halimatu", "mallette", "Halimatou formatoin"} {
		res, err := svc.Search(ctx, newsQuery(q))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Fallback || !slices.Contains(articleSlugs(res), "we-love-ecpat") || res.Counts[TypeNews] != res.Total {
			t.Errorf("%q: fallback=%v %v counts %v", q, res.Fallback, articleSlugs(res), res.Counts)
		}
	}
}

// The type of results and the filters and orders each type takes are
// checked before any engine runs.
func TestQueryTypeValidation(t *testing.T) {
	for _, c := range []struct {
		q            Query
		field, value string
	}{
		{Query{Type: "blog"}, "type", "blog"},
		{Query{Type: "News"}, "type", "News"},
		{Query{Type: TypeNews, Support: "volunteering"}, "support", "volunteering"},
		{Query{Type: TypeNews, Kind: "national-ngo"}, "kind", "national-ngo"},
		{Query{Type: TypeNews, Office: "ML:regional"}, "office", "ML:regional"},
		{Query{Type: TypeNews, Sort: SortName}, "sort", ""},
		{Query{Sort: SortDate}, "sort", ""},
	} {
		err := c.q.Normalize()
		if fault.FieldsOf(err)[c.field] == "" || fault.ValueOf(err) != c.value {
			t.Errorf("%+v: %v (value %q), want field %s refused", c.q, err, fault.ValueOf(err), c.field)
		}
	}
	for _, q := range []Query{{}, {Type: TypeNews, Sort: SortDate, Country: "ML", Theme: "education"}, {Type: TypeOrganisations, Sort: SortName}} {
		if err := q.Normalize(); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
	}
	if q := (Query{}); q.Normalize() == nil && q.Type != TypeOrganisations {
		t.Errorf("default type %q", q.Type)
	}
}
