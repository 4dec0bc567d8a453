package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/partnerdir/partnerdir/internal/demo"
)

// seedSynthetic loads generated organisations for benchmarks:
// seed synthetic --orgs N [--seed S].
func seedSynthetic(ctx context.Context, e env) error {
	fs := flag.NewFlagSet("seed synthetic", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	orgs := fs.Int("orgs", 0, "how many organisations the seed should have (required)")
	seed := fs.Uint64("seed", 1, "the seed; the same seed always gives the same organisations")
	if err := fs.Parse(e.args[1:]); err != nil {
		return errUsage
	}
	if *orgs <= 0 || fs.NArg() > 0 {
		return fmt.Errorf("seed synthetic: give --orgs N with N > 0 (and optionally --seed S)")
	}
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()

	started := time.Now()
	res, err := demo.LoadSynthetic(ctx, a.Pool, a.Directory, demo.SyntheticOptions{
		Orgs: *orgs, Seed: *seed, Progress: progress(e.stdout, "synthetic organisations"),
	})
	if err != nil {
		return err
	}
	prefix := demo.SyntheticSlugPrefix(*seed)
	if res.Created == 0 {
		fmt.Fprintf(e.stdout, "synthetic data: seed %d already has %d organisations (%s*); nothing to do\n", *seed, res.Present, prefix)
		return nil
	}
	fmt.Fprintf(e.stdout, "synthetic data: %d organisations created in %s (seed %d, slugs %s%d to %s%d; %d were already present)\n",
		res.Created, time.Since(started).Round(10*time.Millisecond), *seed, prefix, res.Present+1, prefix, res.Present+res.Created, res.Present)
	fmt.Fprintln(e.stdout, "search: no index jobs were enqueued for them; run 'partnerdir search reindex' to make them searchable")
	return nil
}

// progress reports done/total as a bar on a terminal, and as a plain line
// every few seconds (and at the end) otherwise.
func progress(w io.Writer, what string) func(done, total int) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		return func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("orgs"),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
			}
			_ = bar.Set(done)
		}
	}
	var last time.Time
	return func(done, total int) {
		if done == total || time.Since(last) >= 2*time.Second {
			last = time.Now()
			fmt.Fprintf(w, "%s: %d/%d\n", what, done, total)
		}
	}
}
