package main

import (
	"context"
	"fmt"

	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

func migrate(ctx context.Context, e env) error {
	if len(e.args) != 1 {
		return errUsage
	}
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
	switch e.args[0] {
	case "up":
		return m.Up(ctx, e.stdout)
	case "down":
		return m.Down(ctx, e.stdout)
	case "status":
		return m.Status(ctx, e.stdout)
	}
	return fmt.Errorf("unknown migrate command %q: use up, down or status", e.args[0])
}
