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
	repair := fs.Bool("repair", false, "re-sync the organisations that drifted")
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

// reindex rebuilds the index, with progress on stderr and the result on
// stdout.
func reindex(ctx context.Context, e env, a *app.App) error {
	st, err := a.Indexer.Reindex(ctx, progress(e.stderr, "indexing"))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "reindex: %d documents indexed and swapped in as %q in %s (%d changed during the rebuild, re-synced)\n",
		st.Documents, a.Meili.Index(), st.Duration.Round(time.Millisecond), st.CaughtUp)
	return nil
}

func verify(ctx context.Context, e env, a *app.App, repair bool) error {
	r, err := a.Indexer.Verify(ctx)
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
	n, err := a.Indexer.Repair(ctx, r)
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
