package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/search"
)

// searchReindex is "search reindex".
func searchReindex(*flag.FlagSet) func(context.Context, env, []string) error {
	return func(ctx context.Context, e env, _ []string) error {
		return withSearch(ctx, e, func(a *app.App) error { return reindex(ctx, e, a) })
	}
}

// searchVerify is "search verify [--repair]".
func searchVerify(fs *flag.FlagSet) func(context.Context, env, []string) error {
	repair := fs.Bool("repair", false, "re-sync the organisations and articles that drifted")
	return func(ctx context.Context, e env, _ []string) error {
		return withSearch(ctx, e, func(a *app.App) error { return verify(ctx, e, a, *repair) })
	}
}

// withSearch builds the program for one search command.
func withSearch(ctx context.Context, e env, do func(*app.App) error) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	return do(a)
}

// reindex rebuilds every index, with progress on stderr and the result on
// stdout.
func reindex(ctx context.Context, e env, a *app.App) error {
	for _, kind := range a.Meili.Kinds() {
		st, err := a.Indexer.ReindexKind(ctx, kind, progress(e.stderr, "indexing "+string(kind)))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "reindex: %d %s indexed and swapped in as %q in %s (%d changed during the rebuild, re-synced)\n",
			st.Documents, kind, a.Meili.UID(kind), st.Duration.Round(time.Millisecond), st.CaughtUp)
	}
	return nil
}

// verify compares every index with the database and, with repair, syncs
// what drifted.
func verify(ctx context.Context, e env, a *app.App, repair bool) error {
	rs, err := a.Indexer.Verify(ctx)
	if err != nil {
		return err
	}
	for _, r := range rs {
		fmt.Fprintf(e.stdout, "%s: database: %d to index; meilisearch (%s): %d documents; fallback: %d rows\n",
			r.Kind, r.Expected, r.UID, r.Indexed, r.FallbackRows)
		for _, d := range []struct {
			name  string
			drift search.Drift
		}{{"meilisearch", r.Meili}, {"fallback", r.Fallback}} {
			if d.drift.Empty() {
				fmt.Fprintf(e.stdout, "%s %s: in step\n", r.Kind, d.name)
				continue
			}
			fmt.Fprintf(e.stdout, "%s %s: %d missing %v, %d extra %v, %d stale %v\n", r.Kind, d.name,
				len(d.drift.Missing), head(d.drift.Missing), len(d.drift.Extra), head(d.drift.Extra), len(d.drift.Stale), head(d.drift.Stale))
		}
	}
	if rs.Empty() {
		return nil
	}
	if !repair {
		return fmt.Errorf("search: the index has drifted; run partnerdir search verify --repair")
	}
	n, err := a.Indexer.Repair(ctx, rs)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "repaired: %d organisations and %d articles re-synced\n", n[search.Organisations], n[search.Articles])
	return nil
}

// head shortens a long id list for display.
func head(ids []int64) []int64 {
	if len(ids) > 10 {
		return ids[:10]
	}
	return ids
}
