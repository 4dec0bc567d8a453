package offers

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Retention says how long donors' personal data is kept.
type Retention struct {
	// Closed is how long after closing an offer keeps its personal data.
	Closed time.Duration
	// Spam is how long after being marked spam an offer keeps it.
	Spam time.Duration
}

// DefaultRetention is 12 months for closed offers and 30 days for spam.
func DefaultRetention() Retention {
	return Retention{Closed: 365 * 24 * time.Hour, Spam: 30 * 24 * time.Hour}
}

// Purge anonymises the offers past their retention: the donor's name,
// contact details, message and IP hash are erased from the offer, its
// notes are deleted and its mails emptied. The reference, organisation,
// kind, status and dates stay for statistics. It returns how many offers
// were anonymised.
func (s *Store) Purge(ctx context.Context, actor audit.Actor, r Retention) (int, error) {
	var n int
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE offers SET donor_name = '', donor_email = '', donor_phone = '', donor_company = '',
				message = '', ip_hash = '', anonymised_at = now(), updated_at = now(), version = version + 1
			WHERE anonymised_at IS NULL
			  AND ((status = 'closed' AND COALESCE(closed_at, updated_at) < $1)
			    OR (status = 'spam' AND updated_at < $2))
			RETURNING id`, s.now().Add(-r.Closed), s.now().Add(-r.Spam))
		if err != nil {
			return fmt.Errorf("offers: purge: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("offers: purge: %w", err)
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		if err := scrubTx(ctx, tx, ids); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.purge", EntityType: "offer",
			Details: map[string]any{"count": n, "retention_closed": r.Closed.String(), "retention_spam": r.Spam.String()}})
	})
	return n, err
}

// scrubTx removes what anonymised offers still hold about the donor: the
// notes, and the mails' addresses and contents. A mail still waiting will
// never be sent.
func scrubTx(ctx context.Context, tx pgx.Tx, ids []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM offer_notes WHERE offer_id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("offers: scrub notes: %w", err)
	}
	// The acknowledgment and the status mails went to the donor: their
	// address goes too. A
	// server's reply may quote it: errors stored before the worker
	// redacted them lose every address now.
	if _, err := tx.Exec(ctx, `
		UPDATE mail_messages SET to_name = '', reply_to_name = '', reply_to_email = '', subject = '', text_body = '', html_body = '',
			to_email = CASE WHEN purpose = ANY($4) THEN '' ELSE to_email END,
			status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
			last_error = CASE WHEN status = 'queued' THEN 'anonymised before delivery' ELSE regexp_replace(last_error, $2, $3, 'g') END,
			updated_at = now()
		WHERE offer_id = ANY($1)`, ids, mail.AddressPattern, mail.RedactedAddress, mail.DonorPurposes()); err != nil {
		return fmt.Errorf("offers: scrub mails: %w", err)
	}
	return nil
}

// PurgeWorker runs Purge as a scheduled job.
type PurgeWorker struct {
	river.WorkerDefaults[jobs.PurgeOffers]
	store     *Store
	retention Retention
	log       *slog.Logger
}

// NewPurgeWorker returns the scheduled retention job's worker.
func NewPurgeWorker(store *Store, r Retention, log *slog.Logger) *PurgeWorker {
	return &PurgeWorker{store: store, retention: r, log: log}
}

// Work anonymises the offers past their retention.
func (w *PurgeWorker) Work(ctx context.Context, _ *river.Job[jobs.PurgeOffers]) error {
	n, err := w.store.Purge(ctx, audit.System("retention"), w.retention)
	if err != nil {
		return err
	}
	w.log.Info("offers past retention anonymised", "count", n)
	return nil
}

// PurgePeriodic schedules the retention job on sched (a daily time, see
// jobs.DailyAt), as jobs.Periodic does; the job is idempotent.
func PurgePeriodic(sched river.PeriodicSchedule) *river.PeriodicJob {
	return jobs.Periodic(sched, jobs.PurgeOffers{})
}
