package search

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/testenv"
	searchdef "github.com/partnerdir/partnerdir/search"
)

// meiliEnv returns the test Meilisearch, skipping (or failing under CI)
// when none is configured.
func meiliEnv(t *testing.T) (url, key string) {
	t.Helper()
	return testenv.Require(t, "MEILI_URL", "Meilisearch", "run make test to provide Meilisearch"), os.Getenv("MEILI_MASTER_KEY")
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// fixture is a migrated database with the demo data, a per-test index
// holding it, and the engines over both.
type fixture struct {
	pool  *pgxpool.Pool
	dir   *directory.Store
	news  *news.Store
	meili *Meili
	ix    *Indexer
	svc   *Service
	ids   map[string]int64 // organisation id by slug
}

func newMeiliFor(t *testing.T, url, key, index string) *Meili {
	t.Helper()
	defs, err := LoadDefinitions(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMeili(MeiliConfig{URL: url, MasterKey: key, Index: index, Definitions: defs, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() {
		ctx := context.Background()
		master := meilisearch.New(os.Getenv("MEILI_URL"), meilisearch.WithAPIKey(key))
		if res, err := master.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000}); err == nil {
			for _, i := range res.Results {
				if i.UID == index || len(i.UID) > len(index) && i.UID[:len(index)+1] == index+"_" {
					_, _ = master.DeleteIndex(ctx, i.UID)
				}
			}
		}
		DeleteKeys(ctx, os.Getenv("MEILI_URL"), key, index)
	})
	return m
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	url, key := meiliEnv(t)
	ctx := context.Background()
	f := &fixture{pool: pgtest.NewPool(t)}
	f.dir = directory.NewStore(f.pool, nil)
	if _, err := demo.Load(ctx, f.pool, f.dir); err != nil {
		t.Fatal(err)
	}
	f.news = news.NewStore(f.pool, nil)
	if _, err := demo.LoadNews(ctx, f.pool, f.news); err != nil {
		t.Fatal(err)
	}
	f.meili = newMeiliFor(t, url, key, randomName("t_"))
	f.ix = NewIndexer(f.pool, f.dir, f.meili, IndexerOptions{})
	f.svc = NewService(f.meili, NewFallback(f.pool), ServiceOptions{Timeout: 10 * time.Second})
	if _, err := f.ix.Reindex(ctx, nil); err != nil {
		t.Fatalf("reindex: %v", err)
	}
	rows, _ := f.pool.Query(ctx, `SELECT slug, id FROM organisations`)
	f.ids = map[string]int64{}
	var slug string
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&slug, &id}, func() error { f.ids[slug] = id; return nil }); err != nil {
		t.Fatal(err)
	}
	return f
}

// search runs q on engine e, failing t on error.
func search(t *testing.T, e Engine, q Query) *Result {
	t.Helper()
	if err := q.Normalize(); err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return res
}

func slugs(r *Result) []string {
	var out []string
	for _, h := range r.Hits {
		out = append(out, h.Slug)
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
