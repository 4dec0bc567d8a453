package demo_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// syntheticState describes every synthetic organisation of seed 7 and what
// hangs off it, in slug order, so two databases can be compared.
const syntheticState = `
	SELECT string_agg(format('%s|%s|%s|%s|%s|%s|o=%s|m=%s|p=%s|c=%s|t=%s', o.slug, o.name, o.iati_type, o.status,
		o.description_en, o.email,
		(SELECT string_agg(f.name || '@' || f.city || ',' || f.country_code, ';' ORDER BY f.position) FROM offices f WHERE f.organisation_id = o.id),
		(SELECT string_agg(m.full_name || ',' || m.visibility, ';' ORDER BY m.position) FROM team_members m WHERE m.organisation_id = o.id),
		(SELECT string_agg(p.slug || ',' || p.title, ';' ORDER BY p.position) FROM projects p WHERE p.organisation_id = o.id),
		(SELECT string_agg(c.email, ';') FROM contact_points c WHERE c.organisation_id = o.id),
		(SELECT string_agg(t.slug, ';' ORDER BY t.slug) FROM organisation_themes ot JOIN themes t ON t.id = ot.theme_id WHERE ot.organisation_id = o.id)),
		E'\n' ORDER BY length(o.slug), o.slug)
	FROM organisations o WHERE o.slug LIKE 'syn-7-%'`

func loadSynthetic(t *testing.T, pool *pgxpool.Pool, store *directory.Store, n int) demo.SyntheticResult {
	t.Helper()
	res, err := demo.LoadSynthetic(context.Background(), pool, store, demo.SyntheticOptions{Orgs: n, Seed: 7})
	if err != nil {
		t.Fatalf("load %d synthetic organisations: %v", n, err)
	}
	return res
}

func TestSyntheticOrganisationsAreCompleteAndProfilesRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := demotest.Load(t)
	var calls, lastDone int
	res, err := demo.LoadSynthetic(ctx, pool, store, demo.SyntheticOptions{Orgs: 200, Seed: 7,
		Progress: func(done, total int) { calls, lastDone = calls+1, done }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 200 || res.Present != 0 || calls == 0 || lastDone != 200 {
		t.Fatalf("result %+v, %d progress calls ending at %d; want 200 created and progress to 200", res, calls, lastDone)
	}

	// The shape the generator promises, checked on the rows themselves.
	var orgs, kinds, published, privateMembers, badShape, badContact, demoOrgs int
	err = pool.QueryRow(ctx, `
		SELECT count(*), count(DISTINCT iati_type), count(*) FILTER (WHERE status = 'published'),
			(SELECT count(*) FROM team_members m JOIN organisations o2 ON o2.id = m.organisation_id
				WHERE o2.slug LIKE 'syn-7-%' AND m.visibility = 'private'),
			count(*) FILTER (WHERE
				(SELECT count(*) FROM offices f WHERE f.organisation_id = o.id) NOT BETWEEN 0 AND 4
				OR (SELECT count(*) FROM team_members m WHERE m.organisation_id = o.id) NOT BETWEEN 1 AND 6
				OR (SELECT count(*) FROM projects p WHERE p.organisation_id = o.id) NOT BETWEEN 0 AND 5),
			count(*) FILTER (WHERE (SELECT count(*) FROM contact_points c WHERE c.organisation_id = o.id) <> 1
				OR NOT EXISTS (SELECT 1 FROM contact_points c WHERE c.id = o.default_contact_id
					AND c.organisation_id = o.id AND c.email LIKE '%@%example.org')),
			(SELECT count(*) FROM organisations WHERE slug NOT LIKE 'syn-%')
		FROM organisations o WHERE o.slug LIKE 'syn-7-%'`).
		Scan(&orgs, &kinds, &published, &privateMembers, &badShape, &badContact, &demoOrgs)
	if err != nil {
		t.Fatal(err)
	}
	if orgs != 200 || kinds < 4 || published < 180 || privateMembers == 0 || badShape != 0 || badContact != 0 || demoOrgs < 12 {
		t.Fatalf("%d orgs, %d kinds, %d published, %d private members, %d badly shaped, %d without one example.org default contact, %d demo orgs",
			orgs, kinds, published, privateMembers, badShape, badContact, demoOrgs)
	}

	// The public profile of a synthetic organisation with offices and
	// projects reads like any other.
	var slug string
	var offices, publicMembers, projects int
	err = pool.QueryRow(ctx, `
		SELECT o.slug, (SELECT count(*) FROM offices WHERE organisation_id = o.id),
			(SELECT count(*) FROM team_members WHERE organisation_id = o.id AND visibility = 'public'),
			(SELECT count(*) FROM projects WHERE organisation_id = o.id)
		FROM organisations o
		WHERE o.slug LIKE 'syn-7-%' AND o.status = 'published'
			AND EXISTS (SELECT 1 FROM offices WHERE organisation_id = o.id)
			AND EXISTS (SELECT 1 FROM projects WHERE organisation_id = o.id)
		ORDER BY o.id LIMIT 1`).Scan(&slug, &offices, &publicMembers, &projects)
	if err != nil {
		t.Fatal(err)
	}
	p, err := store.Profile(ctx, slug, directory.ProfileOptions{})
	if err != nil {
		t.Fatalf("profile %s: %v", slug, err)
	}
	if len(p.Offices) != offices || len(p.Members) != publicMembers || len(p.Projects) != projects ||
		len(p.Themes) == 0 || len(p.Countries) == 0 || !strings.Contains(p.Description.EN, "Fictional") {
		t.Fatalf("profile %s: %d offices, %d members, %d projects, themes %v, countries %v, %q; want %d, %d, %d",
			slug, len(p.Offices), len(p.Members), len(p.Projects), p.Themes, p.Countries, p.Description.EN, offices, publicMembers, projects)
	}
	if p.Offices[0].Kind != directory.OfficeHeadquarters {
		t.Errorf("first office of %s is a %s, want the headquarters", slug, p.Offices[0].Kind)
	}

	// They are listed with the demo organisations.
	page, err := store.List(ctx, directory.ListFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != published+demoOrgs {
		t.Errorf("list total %d, want %d synthetic + %d demo", page.Total, published, demoOrgs)
	}
}

func TestSyntheticIsDeterministicAndTopsUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Database A: demo data first, then the synthetic data.
	poolA, storeA := demotest.Load(t)
	loadSynthetic(t, poolA, storeA, 200)
	// Database B: the other way round, which also proves the identities'
	// sequences stay ahead of the ids the bulk load wrote.
	poolB := pgtest.NewPool(t)
	storeB := directory.NewStore(poolB, nil)
	loadSynthetic(t, poolB, storeB, 200)
	if _, err := demo.Load(ctx, poolB, storeB); err != nil {
		t.Fatalf("demo data after synthetic data: %v", err)
	}
	var a, b string
	if err := poolA.QueryRow(ctx, syntheticState).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if err := poolB.QueryRow(ctx, syntheticState).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if a != b || strings.Count(a, "\n") != 199 {
		t.Fatalf("same seed, different data:\nA: %.300s\nB: %.300s", a, b)
	}

	// The same command again changes nothing; a larger --orgs adds only
	// the missing organisations, identical to a fresh load of that size.
	if res := loadSynthetic(t, poolA, storeA, 200); res.Created != 0 || res.Present != 200 {
		t.Fatalf("second run: %+v, want nothing created", res)
	}
	if res := loadSynthetic(t, poolA, storeA, 230); res.Created != 30 || res.Present != 200 {
		t.Fatalf("top-up: %+v, want 30 created", res)
	}
	if err := poolA.QueryRow(ctx, syntheticState).Scan(&a); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(a, b+"\n") || strings.Count(a, "\n") != 229 {
		t.Fatalf("top-up changed the first 200 organisations or did not add 30")
	}
	var audits int
	if err := poolA.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE action = 'organisation.bulk_create'`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 2 {
		t.Errorf("%d bulk audit entries, want one per load that wrote", audits)
	}

	// A gap (an interrupted load, a deleted row) is filled with the same
	// organisation as before.
	if _, err := poolA.Exec(ctx, `DELETE FROM organisations WHERE slug = 'syn-7-3'`); err != nil {
		t.Fatal(err)
	}
	if err := poolA.QueryRow(ctx, syntheticState).Scan(&b); err != nil {
		t.Fatal(err)
	}
	if res := loadSynthetic(t, poolA, storeA, 230); res.Created != 1 || res.Present != 229 {
		t.Fatalf("gap: %+v, want 1 created", res)
	}
	var refilled string
	if err := poolA.QueryRow(ctx, syntheticState).Scan(&refilled); err != nil {
		t.Fatal(err)
	}
	if refilled != a || b == a {
		t.Fatal("the refilled organisation differs from the deleted one")
	}
}

func TestSyntheticOrganisationDependsOnlyOnSeedAndIndex(t *testing.T) {
	t.Parallel()
	a, b := demo.SyntheticOrganisation(3, 42), demo.SyntheticOrganisation(3, 42)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("organisation 42 of seed 3 differs between two calls")
	}
	if a.Slug != "syn-3-42" || !strings.HasSuffix(a.Contacts[0].Email, "@syn-3-42.example.org") {
		t.Fatalf("slug %q, default contact %q", a.Slug, a.Contacts[0].Email)
	}
	if c := demo.SyntheticOrganisation(4, 42); reflect.DeepEqual(a.Organisation, c.Organisation) {
		t.Fatal("seeds 3 and 4 gave the same organisation 42")
	}
}

func TestSyntheticArticles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := demotest.Load(t)
	articles := news.NewStore(pool, nil)
	res, err := demo.LoadSynthetic(ctx, pool, store, demo.SyntheticOptions{Orgs: 30, Seed: 7, News: articles})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created != 30 || res.Articles != 30*demo.SyntheticArticlesPerOrganisation {
		t.Fatalf("result %+v", res)
	}
	var total, published, noText, badSlug, foreignLinks, withProject int
	err = pool.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE a.status = 'published'),
			count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM article_translations t WHERE t.article_id = a.id)),
			count(*) FILTER (WHERE a.slug !~ ('^' || o.slug || '-[1-3]$')),
			(SELECT count(*) FROM article_projects x JOIN projects p ON p.id = x.project_id JOIN articles b ON b.id = x.article_id
				WHERE p.organisation_id <> b.organisation_id),
			count(*) FILTER (WHERE EXISTS (SELECT 1 FROM article_projects x WHERE x.article_id = a.id))
		FROM articles a JOIN organisations o ON o.id = a.organisation_id WHERE o.slug LIKE 'syn-7-%'`).
		Scan(&total, &published, &noText, &badSlug, &foreignLinks, &withProject)
	if err != nil {
		t.Fatal(err)
	}
	if total != 90 || published < 70 || published == total || noText != 0 || badSlug != 0 || foreignLinks != 0 || withProject == 0 {
		t.Errorf("%d articles, %d published, %d without text, %d bad slugs, %d foreign links, %d with a project",
			total, published, noText, badSlug, foreignLinks, withProject)
	}
	// Rendered like any article, so pages serve them as they are.
	var slug string
	if err := pool.QueryRow(ctx, `SELECT a.slug FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE o.slug LIKE 'syn-7-%' AND a.status = 'published' AND o.status = 'published' ORDER BY a.id LIMIT 1`).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	a, err := articles.BySlug(ctx, slug)
	if err != nil || !strings.Contains(a.Translations[0].BodyHTML, "<em>") {
		t.Errorf("synthetic article %s: %v %+v", slug, err, a)
	}
	again, err := demo.LoadSynthetic(ctx, pool, store, demo.SyntheticOptions{Orgs: 30, Seed: 7, News: articles})
	if err != nil || again.Created != 0 || again.Articles != 0 {
		t.Errorf("second load: %+v, %v", again, err)
	}
	o := demo.SyntheticOrganisation(7, 3)
	if !reflect.DeepEqual(demo.SyntheticArticles(7, 3, o), demo.SyntheticArticles(7, 3, o)) {
		t.Error("the same organisation's articles differ between two calls")
	}
}
