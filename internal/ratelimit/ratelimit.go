// Package ratelimit owns the rate_limits table: fixed-window counters
// that every instance of the program shares through PostgreSQL. A Limit
// records an attempt and decides whether it is allowed in one statement
// (INSERT … ON CONFLICT … RETURNING), before the work it protects — a
// password hash, a code check, an offer — so of N parallel attempts
// exactly Max get through, never N: there is no count-then-record gap.
//
// Keys are a limit's name and its subject, which callers make a keyed
// pseudonym (internal/pseudonym) of any address or email: the table holds
// nothing personal in clear.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what a limit runs its statements on. On the pool the attempt
// counts at once, for every instance. In the caller's transaction it is
// taken back if the transaction rolls back (a refused offer stores
// nothing, not even its attempt), and the key's row stays locked until
// the transaction ends, so attempts on one key queue up behind it.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Limit allows at most Max attempts per Window for each subject. Name
// sets its keys apart from other limits' ("login:account"). Max ≤ 0 or
// Window ≤ 0 turns the limit off.
type Limit struct {
	Name   string
	Max    int
	Window time.Duration
}

// Decision is the outcome of Take.
type Decision struct {
	Allowed bool
	// Hits is the number of attempts counted in the window, this one
	// included (refused attempts count too).
	Hits int
	// RetryAfter is how long until the window ends: at least a second,
	// at most the window. Set only when the attempt was refused.
	RetryAfter time.Duration
	// windowStart identifies the window the attempt was counted in (for
	// Refund).
	windowStart time.Time
}

// Off reports whether l limits nothing.
func (l Limit) Off() bool { return l.Max <= 0 || l.Window <= 0 }

func (l Limit) key(subject string) string { return l.Name + ":" + subject }

// take counts one attempt: a window older than Window starts again at 1.
// The row is locked from the conflict to the end of the statement (or of
// the caller's transaction), so concurrent attempts are counted one after
// the other and each sees the others' hits.
const take = `
	INSERT INTO rate_limits AS r (key, window_start, hits) VALUES ($1, statement_timestamp(), 1)
	ON CONFLICT (key) DO UPDATE SET
		hits = CASE WHEN r.window_start <= statement_timestamp() - make_interval(secs => $2) THEN 1
			ELSE LEAST(r.hits, 2147483646) + 1 END,
		window_start = CASE WHEN r.window_start <= statement_timestamp() - make_interval(secs => $2) THEN statement_timestamp()
			ELSE r.window_start END
	RETURNING hits, window_start,
		extract(epoch FROM r.window_start + make_interval(secs => $2) - statement_timestamp())::float8`

// Take records one attempt of subject and decides, in the same statement,
// whether it is within the limit: allowed while the window's hits,
// this attempt included, are at most Max. Every attempt counts, refused
// ones too. An empty subject (no client address known) and an Off limit
// are always allowed, and nothing is recorded.
func (l Limit) Take(ctx context.Context, q Querier, subject string) (Decision, error) {
	if l.Off() || subject == "" {
		return Decision{Allowed: true}, nil
	}
	var d Decision
	var left float64
	if err := q.QueryRow(ctx, take, l.key(subject), l.Window.Seconds()).Scan(&d.Hits, &d.windowStart, &left); err != nil {
		return Decision{}, fmt.Errorf("ratelimit: take %s: %w", l.Name, err)
	}
	d.Allowed = d.Hits <= l.Max
	if !d.Allowed {
		d.RetryAfter = min(max(time.Duration(math.Ceil(left))*time.Second, time.Second), l.Window)
	}
	return d, nil
}

// Reset forgets subject's attempts (a successful login clears the
// account's counter).
func (l Limit) Reset(ctx context.Context, q Querier, subject string) error {
	if l.Off() || subject == "" {
		return nil
	}
	if _, err := q.Exec(ctx, `DELETE FROM rate_limits WHERE key = $1`, l.key(subject)); err != nil {
		return fmt.Errorf("ratelimit: reset %s: %w", l.Name, err)
	}
	return nil
}

// Refund takes back the attempt d counted, when the work it guarded did
// not happen (the server was too busy) or should not count (a success
// from a client address). It changes nothing once that window has ended.
func (l Limit) Refund(ctx context.Context, q Querier, subject string, d Decision) error {
	if l.Off() || subject == "" || d.windowStart.IsZero() {
		return nil
	}
	if _, err := q.Exec(ctx, `UPDATE rate_limits SET hits = hits - 1 WHERE key = $1 AND window_start = $2 AND hits > 0`,
		l.key(subject), d.windowStart); err != nil {
		return fmt.Errorf("ratelimit: refund %s: %w", l.Name, err)
	}
	return nil
}

// Purge deletes the counters whose window started before before (older
// than every limit's window: such a counter would start again at the next
// attempt anyway), at most batch rows per statement, skipping rows another
// transaction holds, and returns how many it deleted.
func Purge(ctx context.Context, q Querier, before time.Time, batch int) (int, error) {
	total := 0
	for {
		tag, err := q.Exec(ctx, `
			DELETE FROM rate_limits WHERE key IN (
				SELECT key FROM rate_limits WHERE window_start < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, batch)
		if err != nil {
			return total, fmt.Errorf("ratelimit: purge: %w", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < batch {
			return total, nil
		}
	}
}
