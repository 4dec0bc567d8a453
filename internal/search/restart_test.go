package search

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/meilisearch/meilisearch-go"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/testenv"
	searchdef "github.com/partnerdir/partnerdir/search"
)

// ownMeili is a Meilisearch process this test starts and stops.
type ownMeili struct {
	bin, dir, addr, key string
	cmd                 *exec.Cmd
}

func (m *ownMeili) start(t *testing.T) {
	t.Helper()
	m.cmd = exec.Command(m.bin, "--db-path", m.dir+"/data", "--dump-dir", m.dir+"/dumps", "--snapshot-dir", m.dir+"/snapshots",
		"--http-addr", m.addr, "--master-key", m.key, "--no-analytics", "--env", "development")
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start meilisearch: %v", err)
	}
	eventually(t, 20*time.Second, "meilisearch answers /health", func() bool {
		resp, err := http.Get("http://" + m.addr + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (m *ownMeili) stop() {
	if m.cmd != nil && m.cmd.Process != nil {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		m.cmd = nil
	}
}

// TestMeiliStopAndRestartConverges runs the real worker on River against a
// Meilisearch started for the test: with Meilisearch stopped, a change is
// still committed and found through the fallback; once Meilisearch is
// back, the pending index job drains and Meilisearch finds it too.
func TestMeiliStopAndRestartConverges(t *testing.T) {
	t.Parallel()
	bin := testenv.Require(t, "MEILI_BIN", "the Meilisearch program", "run make test, which provides it")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ms := &ownMeili{bin: bin, dir: t.TempDir(), addr: addr, key: "restart-test-master-key-0123456789"}
	ms.start(t)
	t.Cleanup(ms.stop)

	ctx := context.Background()
	pool := pgtest.NewPool(t)
	inserter, err := jobs.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	enqueue := func(ctx context.Context, tx pgx.Tx, id int64) error {
		_, err := inserter.InsertTx(ctx, tx, jobs.IndexDocument{Index: string(Organisations), ID: id}, nil)
		return err
	}
	dir := directory.NewStore(pool, enqueue)
	defs, err := LoadDefinitions(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	meili := NewMeili(MeiliConfig{URL: "http://" + addr, MasterKey: ms.key, Index: "organisations", Definitions: defs})
	ix := NewIndexer(pool, dir, meili, IndexerOptions{Wait: 30 * time.Second})
	workers := river.NewWorkers()
	river.AddWorker(workers, NewWorker(ix, 300*time.Millisecond))
	client, err := jobs.NewWorking(pool, jobs.Options{Workers: workers, PollInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.StopAndCancel(sctx)
	})
	svc := NewService(meili, NewFallback(pool), ServiceOptions{Timeout: 2 * time.Second, Failures: 1, Cooldown: 200 * time.Millisecond})

	// seed demo enqueues one index job per organisation, in its transaction.
	if _, err := demo.Load(ctx, pool, dir); err != nil {
		t.Fatal(err)
	}
	find := func(e Engine, text string) *Result {
		q := Query{Text: text}
		_ = q.Normalize()
		res, err := e.Search(ctx, q)
		if err != nil {
			return &Result{}
		}
		return res
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		rows, _ := pool.Query(context.Background(), `SELECT state || ' attempt ' || attempt || ' ' || COALESCE(errors[array_length(errors,1)]::text, '') FROM river_job`)
		for rows.Next() {
			var s string
			_ = rows.Scan(&s)
			t.Log(s)
		}
	})
	eventually(t, 60*time.Second, "the demo data is searchable in Meilisearch", func() bool {
		res := find(meili, "ecpta")
		return len(res.Hits) > 0 && res.Hits[0].Slug == "ecpat-luxembourg" &&
			find(meili, "").Total == 14
	})

	ms.stop()
	var id int64
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `UPDATE organisations SET name = 'Kayes Solidarité Sahel', version = version + 1
			WHERE slug = 'sahel-eau-vive' RETURNING id`).Scan(&id); err != nil {
			return err
		}
		return enqueue(ctx, tx, id)
	})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the fallback answers with the change while Meilisearch is down", func() bool {
		res, err := svc.Search(ctx, Query{Text: "Kayes"})
		return err == nil && res.Fallback && slices.Contains(slugs(res), "sahel-eau-vive")
	})
	if err := svc.Probe(ctx); err == nil {
		t.Error("probe says Meilisearch is up while it is stopped")
	}

	ms.start(t)
	eventually(t, 60*time.Second, "the index converges after Meilisearch returns", func() bool {
		res, err := svc.Search(ctx, Query{Text: "Kayes"})
		return err == nil && !res.Fallback && slices.Equal(slugs(res), []string{"sahel-eau-vive"})
	})
	r, err := ix.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Empty() {
		t.Errorf("drift after convergence: %s", fmt.Sprintf("%+v", r))
	}
}

// An index that disappears while the app runs (deleted by hand, or a
// Meilisearch that lost its data) comes back with its settings — a
// document added to a missing index would otherwise create it bare — and
// with every document, through the periodic check.
func TestDeletedIndexComesBackWithSettingsAndDocuments(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	index := f.meili.Index()
	f.meili.TakeRecreated(index) // the fixture's own set-up
	f.meili.TakeRecreated(f.meili.UID(Articles))
	admin, err := f.meili.admin()
	if err != nil {
		t.Fatal(err)
	}
	task, err := admin.DeleteIndex(ctx, index)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitTask(ctx, admin, task.TaskUID); err != nil {
		t.Fatal(err)
	}

	// An edit is synced: the index is re-created with its settings first.
	if err := f.ix.Sync(ctx, f.ids["ecpat-luxembourg"]); err != nil {
		t.Fatal(err)
	}
	settings, err := admin.Index(index).GetSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(settings.FilterableAttributes, "countries") || len(settings.Synonyms) == 0 {
		t.Fatalf("re-created index lacks its settings: filterable %v, %d synonyms", settings.FilterableAttributes, len(settings.Synonyms))
	}
	if n := indexedCount(t, admin, index); n != 1 {
		t.Fatalf("%d documents after one sync, want 1", n)
	}

	// The periodic check rebuilds the rest.
	if err := f.ix.CheckIndex(ctx); err != nil {
		t.Fatal(err)
	}
	var published int64
	if err := f.pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE status = 'published'`).Scan(&published); err != nil {
		t.Fatal(err)
	}
	if n := indexedCount(t, admin, index); n != published {
		t.Fatalf("%d documents after the check, want all %d published organisations", n, published)
	}
	if res := search(t, f.svc, Query{Text: "ecpta"}); res.Fallback || len(res.Hits) == 0 || res.Hits[0].Slug != "ecpat-luxembourg" {
		t.Errorf("after the rebuild: fallback=%v hits %v", res.Fallback, slugs(res))
	}
	// With nothing missing, a check does nothing.
	if err := f.ix.CheckIndex(ctx); err != nil || f.meili.TakeRecreated(index) {
		t.Errorf("idle check: %v", err)
	}
}

func indexedCount(t *testing.T, admin meilisearch.ServiceManager, index string) int64 {
	t.Helper()
	st, err := admin.Index(index).GetStats(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return st.NumberOfDocuments
}
