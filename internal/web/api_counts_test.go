package web_test

import (
	"context"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/web/api"
)

// TestAPIArticlesTotalIsTheCachedCount: /api/v1/articles's total is the
// news store's cached count (internal/memo), as /news's is, not a count
// per request: an article withdrawn behind the store's back leaves the
// list of a new request (a new address: not the page cache) without it
// and the total as it was counted, until a write moves the cache's
// generation. (A change made with triggers on notifies the listener,
// which recomputes the counts: TestTwoInstancesInvalidateEachOther.)
func TestAPIArticlesTotalIsTheCachedCount(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{})
	h := engine(a)
	var first api.ArticleList
	getJSON(t, h, "/api/v1/articles?limit=1", &first)
	if first.Total < 2 || len(first.Data) != 1 {
		t.Fatalf("total %d, %d listed; want at least two demo articles", first.Total, len(first.Data))
	}
	// Behind the store's back and unheard: with triggers off, the change
	// notifies no listener.
	ctx := context.Background()
	tx, err := a.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE articles SET status = 'withdrawn' WHERE slug = $1`, first.Data[0].Slug); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var second api.ArticleList
	getJSON(t, h, "/api/v1/articles?limit=2", &second)
	if len(second.Data) == 0 || second.Data[0].Slug == first.Data[0].Slug || second.Total != first.Total {
		t.Errorf("after a change behind the store's back: %+v; want another article first and the cached total %d", second, first.Total)
	}
	a.News.OrganisationChanged() // what a write does: the counts are computed again
	var third api.ArticleList
	getJSON(t, h, "/api/v1/articles?limit=3", &third)
	if third.Total != first.Total-1 {
		t.Errorf("after the generation moved: total %d, want %d", third.Total, first.Total-1)
	}
}
