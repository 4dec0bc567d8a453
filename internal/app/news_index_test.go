package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/search"
)

// indexJobs counts the index jobs of index whose args match (an article's
// id, or an organisation's id for every document it owns).
func indexJobs(t testing.TB, a *app.App, index, arg string, id int64) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job
		WHERE kind = 'index_document' AND args->>'index' = $1 AND (args->>$2)::bigint = $3`, index, arg, id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func orgID(t testing.TB, a *app.App, slug string) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Every article write enqueues the article's index job in its own
// transaction (a write that rolls back leaves none); every directory write
// also enqueues the job of the organisation's articles.
func TestArticleAndOrganisationWritesEnqueueIndexJobs(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{})
	ctx := context.Background()
	sys := audit.System("test")
	var demoID int64
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`).Scan(&demoID); err != nil {
		t.Fatal(err)
	}
	if n := indexJobs(t, a, "articles", "id", demoID); n != 1 {
		t.Errorf("the demo article's import enqueued %d index jobs, want 1", n)
	}
	sahel := orgID(t, a, "sahel-eau-vive")
	saved, err := a.News.Create(ctx, sys, sahel, news.Input{FR: news.Text{Title: "Brouillon", Body: "Texte."}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.News.Submit(ctx, sys, saved.ID); err != nil {
		t.Fatal(err)
	}
	if n := indexJobs(t, a, "articles", "id", saved.ID); n != 2 {
		t.Errorf("create + submit enqueued %d index jobs, want 2", n)
	}
	rollback := errors.New("roll back")
	var rolled int64
	err = postgres.InTx(ctx, a.Pool, func(tx pgx.Tx) error {
		s, err := a.News.ImportTx(ctx, tx, sys, sahel, news.Import{Publish: true,
			Input: news.Input{FR: news.Text{Title: "Jamais publié", Body: "Texte."}}})
		rolled = s.ID
		if err != nil {
			return err
		}
		return rollback
	})
	if !errors.Is(err, rollback) || rolled == 0 {
		t.Fatalf("import: %v (id %d)", err, rolled)
	}
	if n := indexJobs(t, a, "articles", "id", rolled); n != 0 {
		t.Errorf("a rolled-back write left %d index jobs", n)
	}

	before := indexJobs(t, a, "articles", "organisation_id", sahel)
	if err := a.Directory.Decide(ctx, sys, sahel, directory.DecisionVerify, ""); err != nil {
		t.Fatal(err)
	}
	if n := indexJobs(t, a, "articles", "organisation_id", sahel); n != before+1 {
		t.Errorf("a directory write enqueued %d jobs for the organisation's articles, want 1", n-before)
	}
}

// The real program: a published article becomes searchable through the
// outbox and the index worker; a suspended organisation's articles leave
// the index; a withdrawn article too.
func TestPublishedArticleReachesSearchThroughTheWorker(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{Options: app.Options{SearchTimeout: 5 * time.Second, PollInterval: 100 * time.Millisecond}})
	apptest.Index(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	sys := audit.System("test")
	ecpat := orgID(t, a, "ecpat-luxembourg")
	if err := a.News.SetTrusted(ctx, sys, ecpat, true); err != nil {
		t.Fatal(err)
	}
	saved, err := a.News.Create(ctx, sys, ecpat, news.Input{EN: news.Text{Title: "Kidal outreach", Lead: "Fabienne visits Kidal.", Body: "A *first* visit."}})
	if err != nil {
		t.Fatal(err)
	}
	if saved, err = a.News.Submit(ctx, sys, saved.ID); err != nil || saved.Status != news.StatusPublished {
		t.Fatalf("submit: %v %+v", err, saved)
	}
	// found is what Meilisearch answers ("?" when it did not).
	found := func(text string) []string {
		res, err := a.Search.Search(ctx, search.Query{Type: search.TypeNews, Text: text})
		if err != nil || res.Fallback {
			return []string{"?"}
		}
		out := []string{}
		for _, h := range res.Articles {
			out = append(out, h.Slug)
		}
		return out
	}
	eventually(t, 30*time.Second, "the published article is found", func() bool {
		return slices.Equal(found("Kidal"), []string{saved.Slug})
	})
	if _, err := a.News.Withdraw(ctx, sys, saved.ID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the withdrawn article is gone", func() bool { return len(found("Kidal")) == 0 })

	if err := a.Directory.Decide(ctx, sys, ecpat, directory.DecisionSuspend, "test"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the suspended organisation's article is gone", func() bool {
		return len(found("Halimatou")) == 0
	})
}

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
