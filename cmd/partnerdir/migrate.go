package main

import (
	"context"
	"flag"

	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// migrate is "migrate up", "migrate down" or "migrate status".
func migrate(op string) func(*flag.FlagSet) func(context.Context, env, []string) error {
	return noFlags(func(ctx context.Context, e env) error {
		cfg, err := config.Load(e.getenv)
		if err != nil {
			return err
		}
		pool, err := postgres.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		defer pool.Close()
		m, err := postgres.NewMigrator(pool)
		if err != nil {
			return err
		}
		switch op {
		case "up":
			return m.Up(ctx, e.stdout)
		case "down":
			return m.Down(ctx, e.stdout)
		}
		return m.Status(ctx, e.stdout)
	})
}
