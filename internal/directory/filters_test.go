package directory_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// referenceList is what a filtered list means, asked of the tables the
// organisation's filter arrays summarise (the queries List ran before
// 00029): its slugs in list order.
func referenceList(t *testing.T, pool *pgxpool.Pool, store *directory.Store, f directory.ListFilter) []string {
	t.Helper()
	q := `SELECT o.slug FROM organisations o WHERE o.status = 'published'
		AND (@theme = '' OR EXISTS (SELECT 1 FROM organisation_themes ot JOIN themes t ON t.id = ot.theme_id
			WHERE ot.organisation_id = o.id AND t.slug = @theme))
		AND (@country = '' OR EXISTS (SELECT 1 FROM organisation_countries oc WHERE oc.organisation_id = o.id AND oc.country_code = @country)
			OR EXISTS (SELECT 1 FROM offices f WHERE f.organisation_id = o.id AND f.country_code = @country))
		AND (@kind = 0 OR o.iati_type = @kind)
		AND (@support = '' OR EXISTS (SELECT 1 FROM projects p WHERE p.organisation_id = o.id AND p.support_sought @> ARRAY[@support]::text[]))
		AND (NOT @verified OR o.last_verified_on > @verified_after)
		ORDER BY o.name, o.id`
	rows, _ := pool.Query(context.Background(), q, pgx.NamedArgs{"theme": f.Theme, "country": f.Country, "kind": int16(f.Kind),
		"support": string(f.Support), "verified": f.Verified, "verified_after": store.VerifiedAfter()})
	slugs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return slugs
}

// walk reads every page of the list with f, forward, and returns its slugs
// and the total the first page gave.
func walk(t *testing.T, store *directory.Store, f directory.ListFilter) ([]string, int) {
	t.Helper()
	f.Limit = 7
	var slugs []string
	p, err := store.List(context.Background(), f)
	total := p.Total
	for ; err == nil; p, err = store.List(context.Background(), f) {
		for _, c := range p.Cards {
			slugs = append(slugs, c.Slug)
		}
		if p.Next == "" {
			return slugs, total
		}
		f.After = p.Next
	}
	t.Fatalf("list %+v: %v", f, err)
	return nil, 0
}

// checkFilters compares every combination of filters with the reference,
// for a store that walks the name index and one that sorts the matches.
func checkFilters(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	stores := map[string]*directory.Store{
		"walking": directory.NewStore(pool, nil, directory.WithSortBelow(0)),
		"sorting": directory.NewStore(pool, nil, directory.WithSortBelow(1_000_000)),
	}
	themes := []string{"", demo.Themes[0].Slug, demo.Themes[1].Slug, demo.Themes[len(demo.Themes)-1].Slug, "no-such-theme"}
	countries := []string{"", "FR", "ML", "LU", "SN", "ZW"}
	kinds := []directory.Kind{0, directory.KindNational, directory.KindInternational}
	supports := []directory.SupportKind{"", directory.SupportDonation, directory.SupportSkills}
	nonEmpty := 0
	for _, theme := range themes {
		for _, country := range countries {
			for _, kind := range kinds {
				for _, support := range supports {
					for _, verified := range []bool{false, true} {
						f := directory.ListFilter{Theme: theme, Country: country, Kind: kind, Support: support, Verified: verified}
						want := referenceList(t, pool, stores["walking"], f)
						if len(want) > 0 {
							nonEmpty++
						}
						for name, store := range stores {
							got, total := walk(t, store, f)
							if !slices.Equal(got, want) || total != len(want) {
								t.Fatalf("%s list %+v: total %d, %d organisations %v;\nwant %d: %v", name, f, total, len(got), got, len(want), want)
							}
						}
					}
				}
			}
		}
	}
	// The fixture must make the comparison say something.
	if nonEmpty < 100 {
		t.Fatalf("only %d combinations of filters list anything", nonEmpty)
	}

	// The country facet counts each organisation once per country, from
	// its countries and its offices.
	rows, _ := pool.Query(context.Background(), `
		SELECT code, count(DISTINCT organisation_id)::int FROM (
			SELECT country_code AS code, organisation_id FROM organisation_countries
			UNION ALL
			SELECT country_code, organisation_id FROM offices
		) c
		JOIN organisations o ON o.id = c.organisation_id AND o.status = 'published'
		GROUP BY code ORDER BY 2 DESC, 1`)
	want, err := pgx.CollectRows(rows, pgx.RowToStructByPos[directory.Count])
	if err != nil {
		t.Fatal(err)
	}
	got, err := stores["walking"].CountryCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("country counts = %v, want %v", got, want)
	}
}

// The theme, country and support filters read the organisation's own
// arrays (00029): lists and counts give exactly the organisations the child
// tables say, for every combination of filters, also after those tables
// change by any route (insert, update, delete, a row moved to another
// organisation).
func TestFilteredListsMatchTheChildTables(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := demotest.Load(t)
	var orgs []*directory.NewOrganisation
	for i := 1; i <= 300; i++ {
		orgs = append(orgs, demo.SyntheticOrganisation(7, i))
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateManyTx(ctx, tx, orgs); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkFilters(t, pool)

	// Change the child tables behind the store's back, as a merge, an
	// import or a manager's edit would.
	for _, q := range []string{
		// a theme replaced by another, and one removed
		`UPDATE organisation_themes SET theme_id = (SELECT id FROM themes ORDER BY position LIMIT 1)
			WHERE (organisation_id, theme_id) IN (SELECT organisation_id, min(theme_id) FROM organisation_themes
				WHERE organisation_id IN (SELECT id FROM organisations ORDER BY id LIMIT 40) GROUP BY 1)
			AND NOT EXISTS (SELECT 1 FROM organisation_themes x WHERE x.organisation_id = organisation_themes.organisation_id
				AND x.theme_id = (SELECT id FROM themes ORDER BY position LIMIT 1))`,
		`DELETE FROM organisation_themes WHERE organisation_id IN (SELECT id FROM organisations ORDER BY id DESC LIMIT 30)`,
		// countries worked in, and offices: added, moved abroad, closed
		`INSERT INTO organisation_countries (organisation_id, country_code)
			SELECT id, 'ZW' FROM organisations ORDER BY id LIMIT 25 ON CONFLICT DO NOTHING`,
		`DELETE FROM organisation_countries WHERE country_code = 'ML'`,
		`UPDATE offices SET country_code = 'SN' WHERE country_code = 'FR' AND id % 2 = 0`,
		`DELETE FROM offices WHERE country_code = 'LU' AND kind <> 'headquarters'`,
		// support sought by projects: changed, and a project moved to
		// another organisation
		`UPDATE projects SET support_sought = ARRAY['skills'] WHERE id % 3 = 0`,
		`UPDATE projects SET support_sought = '{}' WHERE id % 3 = 1`,
		`UPDATE projects SET organisation_id = (SELECT id FROM organisations WHERE slug = 'ecpat-luxembourg'), lead_office_id = NULL, slug = slug || '-moved-' || id
			WHERE id IN (SELECT id FROM projects WHERE support_sought @> ARRAY['skills'] ORDER BY id LIMIT 5)`,
		`DELETE FROM projects WHERE id % 5 = 0`,
	} {
		if _, err := pool.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	checkFilters(t, pool)
}
