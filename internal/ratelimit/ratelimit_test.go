package ratelimit_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

var ctx = context.Background()

func hits(t *testing.T, pool *pgxpool.Pool, key string) int {
	t.Helper()
	var n int
	err := pool.QueryRow(ctx, `SELECT hits FROM rate_limits WHERE key = $1`, key).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// take is Take that fails t on an error.
func take(t *testing.T, l ratelimit.Limit, q ratelimit.Querier, subject string) ratelimit.Decision {
	t.Helper()
	d, err := l.Take(ctx, q, subject)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Fifty attempts at once on one key with a limit of five: exactly five
// are allowed, whatever the interleaving, because each attempt is counted
// and decided in the same statement.
func TestTakeHoldsExactlyUnderABurst(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	l := ratelimit.Limit{Name: "test", Max: 5, Window: time.Hour}
	const n = 50
	var allowed, refused atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			<-start
			d, err := l.Take(ctx, pool, "subject")
			switch {
			case err != nil:
				errs <- err
			case d.Allowed:
				allowed.Add(1)
			default:
				refused.Add(1)
				if d.RetryAfter < time.Second || d.RetryAfter > time.Hour {
					errs <- errors.New("refused with a retry delay outside [1 s, 1 h]: " + d.RetryAfter.String())
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if allowed.Load() != 5 || refused.Load() != n-5 {
		t.Fatalf("%d allowed and %d refused of %d parallel attempts, want 5 and %d", allowed.Load(), refused.Load(), n, n-5)
	}
	if got := hits(t, pool, "test:subject"); got != n {
		t.Errorf("%d hits recorded, want every attempt (%d)", got, n)
	}
	// Another subject, and the same subject under another limit, are
	// counted apart.
	if d := take(t, l, pool, "other"); !d.Allowed || d.Hits != 1 {
		t.Errorf("another subject: %+v, want allowed with 1 hit", d)
	}
	if d := take(t, ratelimit.Limit{Name: "other", Max: 1, Window: time.Hour}, pool, "subject"); !d.Allowed {
		t.Errorf("the same subject under another limit: %+v, want allowed", d)
	}
}

func TestWindowResetRefundAndPurge(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	l := ratelimit.Limit{Name: "w", Max: 2, Window: 10 * time.Minute}
	take(t, l, pool, "s")
	take(t, l, pool, "s")
	d := take(t, l, pool, "s")
	if d.Allowed || d.Hits != 3 {
		t.Fatalf("third attempt: %+v, want refused with 3 hits", d)
	}
	if d.RetryAfter < 9*time.Minute || d.RetryAfter > 10*time.Minute {
		t.Errorf("retry after %v, want about the 10-minute window", d.RetryAfter)
	}

	// Once the window has ended, counting starts again at 1.
	if _, err := pool.Exec(ctx, `UPDATE rate_limits SET window_start = window_start - interval '10 minutes 1 second' WHERE key = 'w:s'`); err != nil {
		t.Fatal(err)
	}
	d = take(t, l, pool, "s")
	if !d.Allowed || d.Hits != 1 {
		t.Fatalf("after the window: %+v, want allowed with 1 hit", d)
	}

	// A refund gives the attempt back, in its own window only.
	if err := l.Refund(ctx, pool, "s", d); err != nil {
		t.Fatal(err)
	}
	if got := hits(t, pool, "w:s"); got != 0 {
		t.Errorf("%d hits after the refund, want 0", got)
	}
	d = take(t, l, pool, "s")
	if _, err := pool.Exec(ctx, `UPDATE rate_limits SET window_start = window_start - interval '1 second' WHERE key = 'w:s'`); err != nil {
		t.Fatal(err)
	}
	if err := l.Refund(ctx, pool, "s", d); err != nil {
		t.Fatal(err)
	}
	if got := hits(t, pool, "w:s"); got != 1 {
		t.Errorf("a refund changed another window: %d hits, want 1", got)
	}

	// Reset forgets the subject.
	take(t, l, pool, "s")
	take(t, l, pool, "s")
	if err := l.Reset(ctx, pool, "s"); err != nil {
		t.Fatal(err)
	}
	if d := take(t, l, pool, "s"); !d.Allowed || d.Hits != 1 {
		t.Errorf("after Reset: %+v, want allowed with 1 hit", d)
	}

	// Purge deletes only counters whose window began long ago.
	take(t, l, pool, "old")
	if _, err := pool.Exec(ctx, `UPDATE rate_limits SET window_start = now() - interval '2 days' WHERE key = 'w:old'`); err != nil {
		t.Fatal(err)
	}
	if n, err := ratelimit.Purge(ctx, pool, time.Now().Add(-24*time.Hour), 1); err != nil || n != 1 {
		t.Errorf("Purge: %d rows, %v; want the one old counter", n, err)
	}
	if hits(t, pool, "w:s") != 1 {
		t.Error("Purge deleted a current counter")
	}
}

func TestOffLimitsAndUnknownSubjectsRecordNothing(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	for _, l := range []ratelimit.Limit{{Name: "off", Max: 0, Window: time.Hour}, {Name: "off", Max: 3}} {
		for range 5 {
			if d := take(t, l, pool, "s"); !d.Allowed {
				t.Errorf("limit %+v refused an attempt", l)
			}
		}
	}
	if d := take(t, ratelimit.Limit{Name: "on", Max: 1, Window: time.Hour}, pool, ""); !d.Allowed {
		t.Error("an empty subject was refused")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM rate_limits`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows recorded (%v), want none", n, err)
	}
}

// Taken inside a transaction, an attempt is taken back with it: a refused
// action that rolls back leaves no trace.
func TestTakeInATransactionRollsBack(t *testing.T) {
	t.Parallel()
	pool := pgtest.NewPool(t)
	l := ratelimit.Limit{Name: "tx", Max: 1, Window: time.Hour}
	errRollback := errors.New("roll back")
	err := postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		if d := take(t, l, tx, "s"); !d.Allowed {
			t.Errorf("first attempt refused")
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if got := hits(t, pool, "tx:s"); got != 0 {
		t.Errorf("%d hits after the rollback, want 0", got)
	}
	if d := take(t, l, pool, "s"); !d.Allowed {
		t.Error("the rolled-back attempt still counted")
	}
}
