package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/newsletter"
)

// newsDigest is "news digest [--now]".
func newsDigest(fs *flag.FlagSet) func(context.Context, env, []string) error {
	now := fs.Bool("now", false, "queue the digests here and now, new subscribers of the current\n"+
		"period included, and say how many")
	return func(ctx context.Context, e env, _ []string) error {
		a, err := open(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		at := time.Now()
		if !*now {
			res, err := a.Jobs.Insert(ctx, jobs.SendDigests{}, nil)
			if err != nil {
				return fmt.Errorf("news digest: queue the job: %w", err)
			}
			if res.UniqueSkippedAsDuplicate {
				fmt.Fprintln(e.stdout, "news digest: a digest job was already queued this hour; the workers of partnerdir serve run it")
				return nil
			}
			fmt.Fprintf(e.stdout, "news digest: job queued for period %s; the workers of partnerdir serve run it\n",
				a.Newsletter.Schedule().Period(at))
			return nil
		}
		sent, err := a.Newsletter.SendDigests(ctx, newsletter.Run{At: at, Early: true})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "news digest: period %s: %s queued, %s up to %s; the workers of partnerdir serve deliver them\n",
			sent.Period, howMany(sent.Digests, "digest", "digests"), howMany(sent.Articles, "new article", "new articles"),
			sent.Cutoff.UTC().Format(time.RFC3339))
		return nil
	}
}
