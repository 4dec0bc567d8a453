package postgres

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/partnerdir/partnerdir/migrations"
)

// Migrator applies the schema: Partnerdir's own numbered migrations (goose,
// embedded) and the job queue's tables (River's migrator).
type Migrator struct {
	pool  *pgxpool.Pool
	goose *goose.Provider
	river *rivermigrate.Migrator[pgx.Tx]
}

// NewMigrator prepares both migration sets for pool.
func NewMigrator(pool *pgxpool.Pool) (*Migrator, error) {
	db := stdlib.OpenDBFromPool(pool)
	gp, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("postgres: load migrations: %w", err)
	}
	rm, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return nil, fmt.Errorf("postgres: job queue migrations: %w", err)
	}
	return &Migrator{pool: pool, goose: gp, river: rm}, nil
}

// Up applies every pending migration and reports each to w.
func (m *Migrator) Up(ctx context.Context, w io.Writer) error {
	res, err := m.river.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("postgres: migrate job queue: %w", err)
	}
	for _, v := range res.Versions {
		fmt.Fprintf(w, "applied job queue migration %03d %s\n", v.Version, v.Name)
	}
	results, err := m.goose.Up(ctx)
	for _, r := range results {
		fmt.Fprintf(w, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
	}
	if err != nil {
		return fmt.Errorf("postgres: migrate up: %w", err)
	}
	if len(results) == 0 {
		fmt.Fprintln(w, "schema is up to date")
	}
	return nil
}

// Down rolls back the most recent Partnerdir migration (the job queue's
// tables stay: they hold work in flight).
func (m *Migrator) Down(ctx context.Context, w io.Writer) error {
	r, err := m.goose.Down(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate down: %w", err)
	}
	fmt.Fprintf(w, "rolled back %s\n", r.Source.Path)
	return nil
}

// Status writes one line per migration with its state.
func (m *Migrator) Status(ctx context.Context, w io.Writer) error {
	st, err := m.goose.Status(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migration status: %w", err)
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "%-40s %s\n", s.Source.Path, when)
	}
	rv, err := m.river.ExistingVersions(ctx)
	if err != nil {
		return fmt.Errorf("postgres: job queue status: %w", err)
	}
	fmt.Fprintf(w, "job queue: %d of %d migrations applied\n", len(rv), len(m.river.AllVersions()))
	return nil
}

// Pending reports whether a migration of either set is not applied yet.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	pending, err := m.goose.HasPending(ctx)
	if err != nil || pending {
		return pending, err
	}
	rv, err := m.river.ExistingVersions(ctx)
	if err != nil {
		return false, err
	}
	return len(rv) < len(m.river.AllVersions()), nil
}
