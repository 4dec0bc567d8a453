package directory_test

import (
	"context"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// The list total and the facet counts are cached, but a write through the
// store shows in them at once.
func TestCountsFollowWritesThroughTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := directory.NewStore(pool, nil)
	orgs := demo.Organisations()
	if _, err := demo.Load(ctx, pool, store); err != nil {
		t.Fatal(err)
	}
	before, err := store.List(ctx, directory.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	countries, err := store.CountryCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ml := func(cs []directory.Count) int {
		for _, c := range cs {
			if c.Key == "ML" {
				return c.Count
			}
		}
		return 0
	}

	n := orgs[len(orgs)-1]
	n.Slug, n.Name, n.Countries = "cache-test", "Cache Test", []string{"ML"}
	if _, err := store.Create(ctx, audit.System("test"), n); err != nil {
		t.Fatal(err)
	}
	after, err := store.List(ctx, directory.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	countriesAfter, err := store.CountryCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Total != before.Total+1 || ml(countriesAfter) != ml(countries)+1 {
		t.Fatalf("after a create: total %d -> %d, ML %d -> %d; want both +1",
			before.Total, after.Total, ml(countries), ml(countriesAfter))
	}

	// A bulk load through the store also shows at once.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateManyTx(ctx, tx, []*directory.NewOrganisation{demo.SyntheticOrganisation(9, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	bulk, err := store.List(ctx, directory.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if want := after.Total + 1; bulk.Total != want && demo.SyntheticOrganisation(9, 1).Status == directory.StatusPublished {
		t.Fatalf("after a bulk load: total %d, want %d", bulk.Total, want)
	}
}
