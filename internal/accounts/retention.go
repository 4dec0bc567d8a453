package accounts

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
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// Retention says how long the personal data around accounts is kept.
type Retention struct {
	// Period is PERSONAL_DATA_RETENTION: login counters, audit entries'
	// personal details and mails tied to no offer older than that go.
	Period time.Duration
	// SessionIdle is the sessions' idle timeout (0: the session store's
	// default, 2 h): a session unused for longer is over and is deleted.
	SessionIdle time.Duration
}

// DefaultRetention keeps personal data 90 days.
func DefaultRetention() Retention { return Retention{Period: 90 * 24 * time.Hour} }

// Purged counts what PurgePersonalData removed or anonymised.
type Purged struct {
	LoginCounters int
	Sessions      int
	AuditEntries  int
	Mails         int
	// Other counts the other packages' steps (OnPurge), by name.
	Other map[string]int
}

// Total is the number of rows changed.
func (p Purged) Total() int {
	n := p.LoginCounters + p.Sessions + p.AuditEntries + p.Mails
	for _, m := range p.Other {
		n += m
	}
	return n
}

// PurgeStep is another package's part of the daily personal-data
// retention, with its own rule (the newsletter's sign-ups never confirmed
// go after 7 days): Run removes what is past it, in batches, and returns
// how many rows went. Name keys its count; One and Other say what they
// are, for the command line, in the singular and the plural ("newsletter
// sign-up deleted", "newsletter sign-ups deleted").
type PurgeStep struct {
	Name       string
	One, Other string
	Run        func(ctx context.Context) (int, error)
}

// OnPurge adds a step that PurgePersonalData runs after its own, so one
// scheduled job applies every retention of personal data. Call it while
// wiring the program.
func (s *Store) OnPurge(step PurgeStep) { s.purges = append(s.purges, step) }

// PurgeSteps are the steps added with OnPurge, in order.
func (s *Store) PurgeSteps() []PurgeStep { return s.purges }

// purgeBatch bounds each statement of a purge, so no run holds many row
// locks or a long transaction.
const purgeBatch = 1000

// PurgePersonalData applies r: it deletes login counters whose window
// began before the period, sessions that expired or stayed idle past the
// idle timeout, anonymises audit entries older than the period (see
// audit.Anonymise) and empties mails tied to no offer older than the
// period (see mail.PurgeUnlinked), then runs the other packages' steps
// (OnPurge). Every statement handles at most a batch of rows and skips
// rows another transaction holds. It is
// idempotent: a second run changes nothing. A run that changed something
// is audited with its counts.
func (s *Store) PurgePersonalData(ctx context.Context, actor audit.Actor, r Retention) (Purged, error) {
	var p Purged
	if r.Period <= 0 {
		return p, fmt.Errorf("accounts: purge personal data: retention period %s", r.Period)
	}
	idle := r.SessionIdle
	if idle <= 0 {
		idle = 2 * time.Hour
	}
	before := time.Now().Add(-r.Period)
	var err error
	if p.LoginCounters, err = ratelimit.Purge(ctx, s.pool, before, purgeBatch); err != nil {
		return p, fmt.Errorf("accounts: purge login counters: %w", err)
	}
	if p.Sessions, err = s.deleteInBatches(ctx, `
		DELETE FROM sessions WHERE id_hash IN (
			SELECT id_hash FROM sessions WHERE expires_at < now() OR last_seen_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		time.Now().Add(-idle)); err != nil {
		return p, fmt.Errorf("accounts: purge sessions: %w", err)
	}
	if p.AuditEntries, err = audit.Anonymise(ctx, s.pool, before, purgeBatch, mail.AddressPattern); err != nil {
		return p, err
	}
	if p.Mails, err = mail.PurgeUnlinked(ctx, s.pool, before, purgeBatch); err != nil {
		return p, err
	}
	details := map[string]any{"login_counters": p.LoginCounters, "sessions": p.Sessions, "audit_entries": p.AuditEntries,
		"mails": p.Mails, "retention": r.Period.String()}
	for _, step := range s.purges {
		n, err := step.Run(ctx)
		if err != nil {
			return p, err
		}
		if p.Other == nil {
			p.Other = map[string]int{}
		}
		p.Other[step.Name], details[step.Name] = n, n
	}
	if p.Total() == 0 {
		return p, nil
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "personal_data.purge", EntityType: "retention", Details: details})
	})
	return p, err
}

// deleteInBatches runs query (with $1 = arg, $2 = the batch size) until a
// run deletes less than a batch, and returns how many rows went.
func (s *Store) deleteInBatches(ctx context.Context, query string, arg any) (int, error) {
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, query, arg, purgeBatch)
		if err != nil {
			return total, err
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}

// RetentionWorker runs PurgePersonalData as a scheduled job.
type RetentionWorker struct {
	river.WorkerDefaults[jobs.PurgePersonalData]
	store     *Store
	retention Retention
	log       *slog.Logger
}

// NewRetentionWorker returns the worker of the daily personal-data purge;
// schedule it with jobs.Periodic(sched, jobs.PurgePersonalData{}).
func NewRetentionWorker(store *Store, r Retention, log *slog.Logger) *RetentionWorker {
	return &RetentionWorker{store: store, retention: r, log: log}
}

// Timeout lets a first run over a long history take its time: it works in
// batches and, cut short, the retry goes on where it stopped.
func (w *RetentionWorker) Timeout(*river.Job[jobs.PurgePersonalData]) time.Duration {
	return 30 * time.Minute
}

// Work purges the personal data past its retention and logs the counts.
func (w *RetentionWorker) Work(ctx context.Context, _ *river.Job[jobs.PurgePersonalData]) error {
	p, err := w.store.PurgePersonalData(ctx, audit.System("retention"), w.retention)
	if err != nil {
		return err
	}
	args := []any{"login_counters", p.LoginCounters, "sessions", p.Sessions,
		"audit_entries", p.AuditEntries, "mails", p.Mails, "retention", w.retention.Period.String()}
	for name, n := range p.Other {
		args = append(args, name, n)
	}
	w.log.Info("personal data past retention removed", args...)
	return nil
}
