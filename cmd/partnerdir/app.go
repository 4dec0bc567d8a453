package main

import (
	"context"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/config"
)

// open loads the configuration and builds the program (internal/app, the
// one wiring), logging to the command's standard error.
func open(ctx context.Context, e env) (*app.App, error) {
	cfg, err := config.Load(e.getenv)
	if err != nil {
		return nil, err
	}
	return app.Build(ctx, cfg, app.Options{Logger: newLogger(e.stderr, cfg.Production())})
}
