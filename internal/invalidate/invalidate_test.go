package invalidate_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/invalidate"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 5 s: %s", what)
		}
	}
}

// TestListenerFollowsWritesAndStops: a write to a public table moves the
// generation (once for a transaction's many statements), an idle
// connection survives its keep-alive checks, and Run ends with its
// context, not live.
func TestListenerFollowsWritesAndStops(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDB(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var notified, followed atomic.Int64
	l, err := invalidate.New(url, invalidate.Options{KeepAlive: 20 * time.Millisecond,
		Notified: func(n int) { notified.Add(int64(n)) }})
	if err != nil {
		t.Fatal(err)
	}
	l.Follow(func() { followed.Add(1) })
	if l.Live() {
		t.Fatal("live before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); l.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, "the listener is live", l.Live)
	var name string
	if err := pool.QueryRow(ctx, `SELECT application_name FROM pg_stat_activity WHERE application_name LIKE 'partnerdir%' AND datname = current_database()`).Scan(&name); err != nil || name != invalidate.DefaultName {
		t.Fatalf("listener connection: %q, %v; want application_name %q", name, err, invalidate.DefaultName)
	}

	time.Sleep(100 * time.Millisecond) // several keep-alive checks
	if !l.Live() {
		t.Fatal("the idle listener stopped being live after its keep-alive checks")
	}
	gen, calls := l.Generation(), followed.Load()
	// One transaction of many statements: one notification.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := tx.Exec(ctx, `UPDATE themes SET position = position`); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the generation moves after a write", func() bool { return l.Generation() != gen })
	if got := l.Generation() - gen; got != 1 {
		t.Errorf("the generation moved by %d for one transaction, want 1", got)
	}
	if followed.Load() != calls+1 || notified.Load() != 1 {
		t.Errorf("followers called %d times, %d notifications counted; want 1 and 1", followed.Load()-calls, notified.Load())
	}

	// A table no public page reads notifies nobody.
	gen = l.Generation()
	if _, err := pool.Exec(ctx, `UPDATE users SET updated_at = now()`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE countries SET name_en = name_en WHERE code = 'ML'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the generation moves after the countries' write", func() bool { return l.Generation() != gen })
	if notified.Load() != 2 {
		t.Errorf("%d notifications after a users and a countries write, want 2 (the users' one is not public)", notified.Load())
	}

	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5 s of its context's end")
	}
	if l.Live() {
		t.Error("live after Run returned")
	}
}
