package directory_test

import (
	"context"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// The list total and the facet counts are cached, but a write through the
// store shows in them at once.
func TestCountsFollowWritesThroughTheStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, store := demotest.Load(t)
	orgs := demo.Organisations()
	// counts reads the list total and the facet count of ML, as a visitor
	// of the list page sees them.
	counts := func() (total, ml int) {
		t.Helper()
		l, err := store.List(ctx, directory.ListFilter{})
		if err != nil {
			t.Fatal(err)
		}
		cs, err := store.CountryCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			if c.Key == "ML" {
				ml = c.Count
				break
			}
		}
		return l.Total, ml
	}
	before, mlBefore := counts()

	n := orgs[len(orgs)-1]
	n.Slug, n.Name, n.Countries = "cache-test", "Cache Test", []string{"ML"}
	if _, err := store.Create(ctx, audit.System("test"), n); err != nil {
		t.Fatal(err)
	}
	after, mlAfter := counts()
	if after != before+1 || mlAfter != mlBefore+1 {
		t.Fatalf("after a create: total %d -> %d, ML %d -> %d; want both +1", before, after, mlBefore, mlAfter)
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
	bulk, _ := counts()
	if want := after + 1; bulk != want && demo.SyntheticOrganisation(9, 1).Status == directory.StatusPublished {
		t.Fatalf("after a bulk load: total %d, want %d", bulk, want)
	}
}
