package joining

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// A profile is stale when nobody reviewed it for StaleAfter; its owners
// are reminded at most once per RemindEvery.
const (
	StaleAfter  = "12 months"
	RemindEvery = "30 days"
	// remindBatch bounds one transaction of reminders.
	remindBatch = 200
)

// RemindStale mails every owner of each published profile not reviewed
// for 12 months, and not reminded in the last 30 days, a link to review
// it, and records the reminder so a second run sends nothing. Each batch
// commits its mails with its marks. It returns how many mails it queued.
func (s *Store) RemindStale(ctx context.Context) (int, error) {
	total := 0
	for {
		n, orgs, err := s.remindBatch(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if orgs < remindBatch {
			return total, nil
		}
	}
}

func (s *Store) remindBatch(ctx context.Context) (mails, orgs int, err error) {
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		// SKIP LOCKED: two instances running the job share the work
		// instead of mailing the same owners twice.
		rows, _ := tx.Query(ctx, `
			SELECT o.id, o.slug, o.name FROM organisations o
			WHERE o.status = 'published'
			  AND o.last_reviewed_at < now() - $1::interval
			  AND (o.review_reminded_at IS NULL OR o.review_reminded_at < now() - $2::interval)
			  AND EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.organisation_id = o.id AND m.role = 'owner' AND u.email_verified_at IS NOT NULL)
			ORDER BY o.last_reviewed_at, o.id LIMIT $3 FOR UPDATE OF o SKIP LOCKED`, StaleAfter, RemindEvery, remindBatch)
		type org struct {
			ID         int64
			Slug, Name string
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[org])
		if err != nil {
			return err
		}
		orgs = len(list)
		for _, o := range list {
			rows, _ := tx.Query(ctx, `SELECT u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
				WHERE m.organisation_id = $1 AND m.role = 'owner' AND NOT u.disabled AND u.email_verified_at IS NOT NULL
				ORDER BY u.id`, o.ID)
			owners, err := pgx.CollectRows(rows, pgx.RowToStructByPos[mail.Address])
			if err != nil {
				return err
			}
			for _, to := range owners {
				if _, err := s.outbox.ComposeTx(ctx, tx, reviewReminderMail(to, o.Name, s.baseURL+"/manage/"+o.Slug)); err != nil {
					return err
				}
				mails++
			}
			if _, err := tx.Exec(ctx, `UPDATE organisations SET review_reminded_at = now() WHERE id = $1`, o.ID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.System("review reminder"), audit.Entry{Action: "organisation.review_remind",
				EntityType: "organisation", EntityID: o.ID, OrganisationID: o.ID, Details: map[string]any{"owners": len(owners)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("joining: remind stale profiles: %w", err)
	}
	return mails, orgs, nil
}

// RemindWorker runs RemindStale as a scheduled job.
type RemindWorker struct {
	river.WorkerDefaults[jobs.RemindStaleProfiles]
	store *Store
	log   *slog.Logger
}

// NewRemindWorker returns the scheduled reminder job's worker.
func NewRemindWorker(store *Store, log *slog.Logger) *RemindWorker {
	return &RemindWorker{store: store, log: log}
}

// Work reminds the owners of stale profiles.
func (w *RemindWorker) Work(ctx context.Context, _ *river.Job[jobs.RemindStaleProfiles]) error {
	n, err := w.store.RemindStale(ctx)
	if err != nil {
		return err
	}
	w.log.Info("review reminders queued", "mails", n)
	return nil
}

// RemindPeriodic schedules the reminder job on sched (a daily time, see
// jobs.DailyAt), as jobs.Periodic does; the job is idempotent.
func RemindPeriodic(sched river.PeriodicSchedule) *river.PeriodicJob {
	return jobs.Periodic(sched, jobs.RemindStaleProfiles{})
}
