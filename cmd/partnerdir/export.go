package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/hsds"
)

// exportBatch is how many profiles the export reads at a time: memory
// holds one batch.
const exportBatch = 500

// exportHSDS is "export hsds --out DIR".
func exportHSDS(fs *flag.FlagSet) func(context.Context, env, []string) error {
	out := fs.String("out", "", "the folder to write (required)")
	return func(ctx context.Context, e env, _ []string) error {
		if *out == "" {
			return usagef("--out is required")
		}
		a, err := open(ctx, e)
		if err != nil {
			return err
		}
		defer a.Close()
		start := time.Now()
		n, err := hsds.WriteExport(ctx, *out, func(ctx context.Context, fn func(*directory.Profile) error) error {
			return a.Directory.EachProfile(ctx, exportBatch, fn)
		}, start)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "export hsds: %s written to %s in %s\n", howMany(n, "organisation", "organisations"), *out, time.Since(start).Round(time.Millisecond))
		return nil
	}
}
