package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/search"
)

// searchCommand runs `partnerdir search reindex|verify [--repair]`.
func searchCommand(ctx context.Context, e env) error {
	if len(e.args) == 0 {
		return errUsage
	}
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()
	switch {
	case e.args[0] == "reindex" && len(e.args) == 1:
		return reindex(ctx, e, a)
	case e.args[0] == "verify" && len(e.args) == 1:
		return verify(ctx, e, a, false)
	case e.args[0] == "verify" && len(e.args) == 2 && e.args[1] == "--repair":
		return verify(ctx, e, a, true)
	}
	return fmt.Errorf("unknown search command %q: use reindex or verify [--repair]", e.args)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func reindex(ctx context.Context, e env, a *app.App) error {
	var progress func(done, total int)
	if isTerminal(e.stdout) {
		var bar *progressbar.ProgressBar
		progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(e.stdout),
					progressbar.OptionSetDescription("indexing"), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}
	} else {
		last := time.Time{}
		progress = func(done, total int) {
			if done == total || time.Since(last) >= 2*time.Second {
				fmt.Fprintf(e.stdout, "indexed %d/%d\n", done, total)
				last = time.Now()
			}
		}
	}
	st, err := a.Indexer.Reindex(ctx, progress)
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
