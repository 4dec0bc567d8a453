package directory_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// roundTrips counts what a pool sends PostgreSQL: each query on its own,
// and each batch once (its queries go together).
type roundTrips struct{ queries, batches atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.queries.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.batches.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func (r *roundTrips) reset()       { r.queries.Store(0); r.batches.Store(0) }
func (r *roundTrips) total() int64 { return r.queries.Load() + r.batches.Load() }

// A profile, everything on its page, is read in one round trip, by slug
// as by id; an unknown or unpublished one is still not found.
func TestProfileIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(pgtest.NewDB(t))
	if err != nil {
		t.Fatal(err)
	}
	trace := &roundTrips{}
	cfg.ConnConfig.Tracer = trace
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := directory.NewStore(pool, nil)
	if _, err := demo.Load(ctx, pool, store); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE organisations SET status = 'suspended' WHERE slug = 'sahel-eau-vive'`); err != nil {
		t.Fatal(err)
	}

	trace.reset()
	p, err := store.Profile(ctx, "ecpat-luxembourg", directory.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := trace.total(); n != 1 {
		t.Errorf("profile by slug: %d round trips (%d queries, %d batches), want 1", n, trace.queries.Load(), trace.batches.Load())
	}
	if len(p.Offices) == 0 || len(p.Members) == 0 || len(p.Projects) == 0 || p.Name == "" {
		t.Fatalf("ECPAT's profile: %d offices, %d members, %d projects, name %q", len(p.Offices), len(p.Members), len(p.Projects), p.Name)
	}
	trace.reset()
	byID, err := store.ProfileByID(ctx, p.ID, directory.ProfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := trace.total(); n != 1 {
		t.Errorf("profile by id: %d round trips, want 1", n)
	}
	if byID.Slug != p.Slug || len(byID.Offices) != len(p.Offices) || len(byID.Members) != len(p.Members) ||
		len(byID.Projects) != len(p.Projects) || len(byID.Documents) != len(p.Documents) {
		t.Errorf("by id: %s with %d/%d/%d/%d, by slug: %s with %d/%d/%d/%d", byID.Slug, len(byID.Offices), len(byID.Members),
			len(byID.Projects), len(byID.Documents), p.Slug, len(p.Offices), len(p.Members), len(p.Projects), len(p.Documents))
	}

	for _, slug := range []string{"no-such-organisation", "sahel-eau-vive"} {
		if _, err := store.Profile(ctx, slug, directory.ProfileOptions{}); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("profile %s: err = %v, want not found", slug, err)
		}
	}
	if s, err := store.Profile(ctx, "sahel-eau-vive", directory.ProfileOptions{Unpublished: true}); err != nil || len(s.Offices) == 0 {
		t.Errorf("suspended profile for its managers: %v", err)
	}
}
