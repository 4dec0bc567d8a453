package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/demo"
)

// seedSynthetic loads generated organisations for benchmarks:
// seed synthetic --orgs N [--seed S]. Progress goes to stderr, what was
// done to stdout.
func seedSynthetic(fs *flag.FlagSet) func(context.Context, env, []string) error {
	orgs := fs.Int("orgs", 0, "how many organisations the seed should have (required, more than 0)")
	seed := fs.Uint64("seed", 1, "the seed; the same seed always gives the same organisations")
	return func(ctx context.Context, e env, _ []string) error {
		if *orgs <= 0 {
			return usagef("give --orgs N with N > 0")
		}
		return loadSynthetic(ctx, e, *orgs, *seed)
	}
}

func loadSynthetic(ctx context.Context, e env, orgs int, seed uint64) error {
	a, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer a.Close()

	started := time.Now()
	res, err := demo.LoadSynthetic(ctx, a.Pool, a.Directory, demo.SyntheticOptions{
		Orgs: orgs, Seed: seed, Progress: progress(e.stderr, "synthetic organisations"), News: a.News,
	})
	if err != nil {
		return err
	}
	prefix := demo.SyntheticSlugPrefix(seed)
	if res.Created == 0 {
		fmt.Fprintf(e.stdout, "synthetic data: seed %d already has %d organisations (%s*); nothing to do\n", seed, res.Present, prefix)
		return nil
	}
	fmt.Fprintf(e.stdout, "synthetic data: %d organisations created in %s (seed %d, slugs %s%d to %s%d; %d were already present)\n",
		res.Created, time.Since(started).Round(10*time.Millisecond), seed, prefix, res.Present+1, prefix, res.Present+res.Created, res.Present)
	fmt.Fprintf(e.stdout, "synthetic news: %d articles created with them\n", res.Articles)
	fmt.Fprintln(e.stderr, "search: no index jobs were enqueued for them; run 'partnerdir search reindex' to make them searchable")
	return nil
}
