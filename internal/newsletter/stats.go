package newsletter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Stats are the newsletter's figures for staff: subscriptions by status,
// and the delivery of the last period's digests as the outbox records it.
type Stats struct {
	Confirmed, Pending, Unsubscribed int
	// Last is the latest period that had digests, nil before the first.
	Last *DigestStats
}

// DigestStats are the digests of one period and their mails' states.
type DigestStats struct {
	Period string
	// First and Latest are when its first and latest digest were queued.
	First, Latest time.Time
	Digests       int
	// Queued, Sent and Failed count the digests' mails by status; a mail
	// emptied by retention keeps its status.
	Queued, Sent, Failed int
}

// Stats counts subscriptions and the last period's deliveries.
func (s *Store) Stats(ctx context.Context) (*Stats, error) {
	st := &Stats{}
	if err := s.pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE status = 'confirmed'), count(*) FILTER (WHERE status = 'pending'),
			count(*) FILTER (WHERE status = 'unsubscribed')
		FROM newsletter_subscribers`).Scan(&st.Confirmed, &st.Pending, &st.Unsubscribed); err != nil {
		return nil, fmt.Errorf("newsletter: subscription counts: %w", err)
	}
	d := &DigestStats{}
	err := s.pool.QueryRow(ctx, `
		WITH last AS (SELECT period FROM newsletter_digests ORDER BY created_at DESC, id DESC LIMIT 1)
		SELECT last.period, min(d.created_at), max(d.created_at), count(*),
			count(*) FILTER (WHERE m.status = 'queued'), count(*) FILTER (WHERE m.status = 'sent'),
			count(*) FILTER (WHERE m.status = 'failed')
		FROM last JOIN newsletter_digests d ON d.period = last.period LEFT JOIN mail_messages m ON m.id = d.mail_id
		GROUP BY last.period`).Scan(&d.Period, &d.First, &d.Latest, &d.Digests, &d.Queued, &d.Sent, &d.Failed)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("newsletter: last digests: %w", err)
	default:
		st.Last = d
	}
	return st, nil
}
