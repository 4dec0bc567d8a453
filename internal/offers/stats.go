package offers

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// Stats are the dashboard's figures.
type Stats struct {
	// Weeks are the offers received per week, oldest first, for the last
	// 12 weeks (weeks start on Monday).
	Weeks []WeekCount
	// Kinds are the offers per kind of support over the same weeks.
	Kinds []KindCount
	// OpenByAge buckets the open offers (new, in review, forwarded) by age.
	OpenByAge []AgeBucket
	// MedianFirstResponse is the median time from arrival to the first
	// status change, over the offers that had one; 0 when none had.
	MedianFirstResponse time.Duration
	// Responded counts the offers the median is computed over.
	Responded int
}

// WeekCount is the number of offers received in the week starting Start.
type WeekCount struct {
	Start time.Time
	Count int
}

// KindCount is the number of offers of one kind.
type KindCount struct {
	Kind  directory.SupportKind
	Count int
}

// AgeBucket counts open offers whose age is in [MinDays, MaxDays) (MaxDays
// 0: no upper bound).
type AgeBucket struct {
	MinDays, MaxDays int
	Count            int
}

// Stats computes the dashboard's figures in one round trip.
func (s *Store) Stats(ctx context.Context) (*Stats, error) {
	st := &Stats{}
	now := s.now()
	b := &pgx.Batch{}
	b.Queue(`
		SELECT w::date, count(f.id)::int
		FROM generate_series(date_trunc('week', $1::timestamptz) - interval '11 weeks', date_trunc('week', $1::timestamptz), interval '1 week') w
		LEFT JOIN offers f ON f.created_at >= w AND f.created_at < w + interval '1 week'
		GROUP BY w ORDER BY w`, now).Query(func(rows pgx.Rows) error {
		var err error
		st.Weeks, err = pgx.CollectRows(rows, pgx.RowToStructByPos[WeekCount])
		return err
	})
	b.Queue(`
		SELECT support_kind, count(*)::int FROM offers
		WHERE created_at >= date_trunc('week', $1::timestamptz) - interval '11 weeks'
		GROUP BY support_kind`, now).Query(func(rows pgx.Rows) error {
		counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[KindCount])
		byKind := map[directory.SupportKind]int{}
		for _, c := range counts {
			byKind[c.Kind] = c.Count
		}
		for _, k := range directory.SupportKinds() {
			st.Kinds = append(st.Kinds, KindCount{Kind: k, Count: byKind[k]})
		}
		return err
	})
	st.OpenByAge = []AgeBucket{{0, 2, 0}, {2, 5, 0}, {5, 10, 0}, {10, 30, 0}, {30, 0, 0}}
	// Bucketed in SQL: one row back, however many offers are open.
	b.Queue(`
		SELECT count(*) FILTER (WHERE created_at > $1::timestamptz - interval '2 days'),
			count(*) FILTER (WHERE created_at <= $1::timestamptz - interval '2 days' AND created_at > $1::timestamptz - interval '5 days'),
			count(*) FILTER (WHERE created_at <= $1::timestamptz - interval '5 days' AND created_at > $1::timestamptz - interval '10 days'),
			count(*) FILTER (WHERE created_at <= $1::timestamptz - interval '10 days' AND created_at > $1::timestamptz - interval '30 days'),
			count(*) FILTER (WHERE created_at <= $1::timestamptz - interval '30 days')
		FROM offers WHERE status IN ('new', 'in_review', 'forwarded')`, now).QueryRow(func(row pgx.Row) error {
		return row.Scan(&st.OpenByAge[0].Count, &st.OpenByAge[1].Count, &st.OpenByAge[2].Count, &st.OpenByAge[3].Count, &st.OpenByAge[4].Count)
	})
	b.Queue(`
		SELECT COALESCE(extract(epoch FROM percentile_cont(0.5) WITHIN GROUP (ORDER BY first_response_at - created_at)), 0)::float8,
			count(*)::int
		FROM offers WHERE first_response_at IS NOT NULL`).QueryRow(func(row pgx.Row) error {
		var secs float64
		err := row.Scan(&secs, &st.Responded)
		st.MedianFirstResponse = time.Duration(secs * float64(time.Second))
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("offers: stats: %w", err)
	}
	return st, nil
}
