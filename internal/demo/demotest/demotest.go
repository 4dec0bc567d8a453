// Package demotest gives a test a database of its own holding the demo
// data.
package demotest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// Load returns a fresh database (see pgtest.NewPool) with the demo data
// loaded and a directory store over it with no change hook; it fails t if
// the data do not load.
func Load(t testing.TB) (*pgxpool.Pool, *directory.Store) {
	t.Helper()
	pool := pgtest.NewPool(t)
	store := directory.NewStore(pool, nil)
	if _, err := demo.Load(context.Background(), pool, store); err != nil {
		t.Fatal(err)
	}
	return pool, store
}
