package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/search"
	searchdef "github.com/partnerdir/partnerdir/search"
)

// searchParts are the search engine, its fallback and the indexer, wired
// from the configuration.
type searchParts struct {
	meili   *search.Meili
	indexer *search.Indexer
	service *search.Service
}

func (a *app) search() (*searchParts, error) {
	settings, err := search.LoadSettings(searchdef.FS)
	if err != nil {
		return nil, err
	}
	m := search.NewMeili(search.MeiliConfig{
		URL: a.cfg.MeiliURL, MasterKey: a.cfg.MeiliMasterKey, Index: a.cfg.MeiliIndex,
		Settings: settings, Logger: a.log,
	})
	return &searchParts{
		meili:   m,
		indexer: search.NewIndexer(a.pool, a.directory, m, search.IndexerOptions{Logger: a.log}),
		service: search.NewService(m, search.NewFallback(a.pool), search.ServiceOptions{Logger: a.log}),
	}, nil
}

// searchReindex is "search reindex".
func searchReindex(*flag.FlagSet) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, _ []string) error {
		return withSearch(ctx, e, func(s *searchParts) error { return reindex(ctx, e, s) })
	}
}

// searchVerify is "search verify [--repair]".
func searchVerify(fs *flag.FlagSet) func(context.Context, env, []string) error {
	repair := fs.Bool("repair", false, "re-sync the organisations that drifted")
	return func(ctx context.Context, e env, _ []string) error {
		return withSearch(ctx, e, func(s *searchParts) error { return verify(ctx, e, s, *repair) })
	}
}

// withSearch opens the app and its search parts for one command.
func withSearch(ctx context.Context, e env, do func(*searchParts) error) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.close()
	s, err := a.search()
	if err != nil {
		return err
	}
	return do(s)
}

// reindex rebuilds the index, with progress on stderr and the result on
// stdout.
func reindex(ctx context.Context, e env, s *searchParts) error {
	st, err := s.indexer.Reindex(ctx, progress(e.stderr, "indexing"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reindex: %d documents indexed and swapped in as %q in %s (%d changed during the rebuild, re-synced)\n",
		st.Documents, s.meili.Index(), st.Duration.Round(time.Millisecond), st.CaughtUp)
	return nil
}

func verify(ctx context.Context, e env, s *searchParts, repair bool) error {
	r, err := s.indexer.Verify(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "database: %d published organisations; meilisearch: %d documents; fallback: %d rows\n",
		r.Expected, r.Indexed, r.FallbackRows)
	for _, d := range []struct {
		name  string
		drift search.Drift
	}{{"meilisearch", r.Meili}, {"fallback", r.Fallback}} {
		if d.drift.Empty() {
			fmt.Fprintf(e.stdout, "%s: in step\n", d.name)
			continue
		}
		fmt.Fprintf(e.stdout, "%s: %d missing %v, %d extra %v, %d stale %v\n", d.name,
			len(d.drift.Missing), head(d.drift.Missing), len(d.drift.Extra), head(d.drift.Extra), len(d.drift.Stale), head(d.drift.Stale))
	}
	if r.Meili.Empty() && r.Fallback.Empty() {
		return nil
	}
	if !repair {
		return fmt.Errorf("search: the index has drifted; run partnerdir search verify --repair")
	}
	n, err := s.indexer.Repair(ctx, r)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "repaired: %d organisations re-synced\n", n)
	return nil
}

// head shortens a long id list for display.
func head(ids []int64) []int64 {
	if len(ids) > 10 {
		return ids[:10]
	}
	return ids
}
