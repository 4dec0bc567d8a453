package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/partnerdir/partnerdir/internal/jobs"
)

// Sender delivers one message and calls accepted once the server has taken
// it; *SMTP is the real one.
type Sender interface {
	Send(ctx context.Context, m Outgoing, accepted func() error) error
}

// Worker is the River worker that delivers one stored message.
//
// Exactly-once as far as PostgreSQL can promise it: the worker locks the
// message's row for the whole delivery, sends only while the row is still
// queued, and marks it sent in the transaction that also completes the job.
// A second job or a second process for the same message waits on the lock
// and then finds it sent. The commit happens as soon as the server accepts
// the message, before the connection is closed. The one window left — the
// server accepted the message and the process died before that commit —
// resends with the same Message-ID, which receiving systems use to drop
// duplicates: SMTP offers no way to make delivery itself idempotent, and
// between "maybe twice" and "maybe never" the platform chooses the former.
type Worker struct {
	river.WorkerDefaults[jobs.SendMail]
	pool   *pgxpool.Pool
	sender Sender
	log    *slog.Logger
	// Backoff is the wait before retry number attempt (1 = first retry).
	Backoff func(attempt int) time.Duration
	// outcome hears how each delivery attempt ended (WithOutcomes).
	outcome func(Outcome)
}

// Outcome is how one delivery attempt of a queued message ended.
type Outcome string

// Outcomes of a delivery attempt.
const (
	// Sent: the server accepted the message and it is recorded as sent.
	Sent Outcome = "sent"
	// Retried: a temporary failure (connection, 4xx, timeout, or the
	// acceptance not recorded); the job runs again later.
	Retried Outcome = "retried"
	// Failed: a permanent refusal (5xx), or a temporary failure on the
	// job's last attempt; nothing more will be tried.
	Failed Outcome = "failed"
)

// WorkerOption changes a Worker.
type WorkerOption func(*Worker)

// WithOutcomes has the worker call hear with the outcome of every
// delivery attempt (the program's metrics count them); hear must be quick.
func WithOutcomes(hear func(Outcome)) WorkerOption {
	return func(w *Worker) { w.outcome = hear }
}

// NewWorker returns a worker that delivers with sender.
func NewWorker(pool *pgxpool.Pool, sender Sender, log *slog.Logger, opts ...WorkerOption) *Worker {
	w := &Worker{pool: pool, sender: sender, log: log, Backoff: DefaultBackoff, outcome: func(Outcome) {}}
	for _, o := range opts {
		o(w)
	}
	return w
}

// DefaultBackoff doubles from 10 s up to one hour, with ±20 % jitter so a
// backlog does not hit a recovering server all at once.
func DefaultBackoff(attempt int) time.Duration {
	d := 10 * time.Second
	for i := 1; i < attempt && d < time.Hour; i++ {
		d *= 2
	}
	d = min(d, time.Hour)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// NextRetry schedules the next attempt after a temporary failure.
func (w *Worker) NextRetry(job *river.Job[jobs.SendMail]) time.Time {
	return time.Now().Add(w.Backoff(job.Attempt))
}

// Timeout bounds one delivery attempt.
func (w *Worker) Timeout(*river.Job[jobs.SendMail]) time.Duration { return 90 * time.Second }

// Work delivers the message of job unless it is already sent or failed.
func (w *Worker) Work(ctx context.Context, job *river.Job[jobs.SendMail]) error {
	id := job.Args.MessageID
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("mail: deliver %d: begin: %w", id, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit

	var m Outgoing
	var status string
	err = tx.QueryRow(ctx, `
		SELECT status, message_id, to_name, to_email, reply_to_name, reply_to_email, subject, text_body, html_body, lang, created_at, headers
		FROM mail_messages WHERE id = $1 FOR UPDATE`, id).
		Scan(&status, &m.MessageID, &m.To.Name, &m.To.Email, &m.ReplyTo.Name, &m.ReplyTo.Email, &m.Subject, &m.Text, &m.HTML, &m.Lang, &m.CreatedAt,
			&m.Headers)
	if errors.Is(err, pgx.ErrNoRows) {
		return river.JobCancel(fmt.Errorf("mail: message %d no longer exists", id))
	}
	if err != nil {
		return fmt.Errorf("mail: deliver %d: lock: %w", id, err)
	}
	if status != StatusQueued {
		// Already handled by an earlier job: nothing to send.
		return w.complete(ctx, tx, job)
	}

	// The outcome is recorded even if the job's context ends meanwhile.
	rctx := context.WithoutCancel(ctx)
	sendErr := w.sender.Send(ctx, m, func() error {
		if _, err := tx.Exec(rctx, `
			UPDATE mail_messages SET status = 'sent', attempts = attempts + 1, last_error = '', sent_at = now(), updated_at = now()
			WHERE id = $1`, id); err != nil {
			return fmt.Errorf("mark sent: %w", err)
		}
		if err := forgetIfAsked(rctx, tx, id); err != nil {
			return err
		}
		return w.complete(rctx, tx, job)
	})
	var perm *PermanentError
	var rec *RecordError
	switch {
	case sendErr == nil:
		w.outcome(Sent)
		w.log.Info("mail sent", "mail_id", id, "message_id", m.MessageID)
		return nil
	case errors.As(sendErr, &rec):
		w.outcome(w.retryOrFail(job))
		return fmt.Errorf("mail: deliver %d: %w", id, sendErr)
	case errors.As(sendErr, &perm):
		msg, err := w.recordFailure(rctx, tx, id, StatusFailed, sendErr)
		if err != nil {
			return err
		}
		w.outcome(Failed)
		w.log.Warn("mail refused permanently", "mail_id", id, "err", msg)
		return river.JobCancel(errors.New(msg))
	default:
		// On the job's last attempt the mail fails for good: left queued,
		// it would count in the outbox's depth and show as pending forever.
		outcome, status := w.retryOrFail(job), StatusQueued
		if outcome == Failed {
			status = StatusFailed
		}
		msg, err := w.recordFailure(rctx, tx, id, status, sendErr)
		if err != nil {
			return err
		}
		w.outcome(outcome)
		if outcome == Failed {
			w.log.Warn("mail delivery failed on its last attempt", "mail_id", id, "attempt", job.Attempt, "err", msg)
			return river.JobCancel(errors.New(msg))
		}
		w.log.Info("mail delivery will be retried", "mail_id", id, "attempt", job.Attempt, "err", msg)
		return fmt.Errorf("mail: deliver %d: %s", id, msg)
	}
}

// retryOrFail is the outcome of a temporary failure: retried, unless it
// was the job's last attempt.
func (w *Worker) retryOrFail(job *river.Job[jobs.SendMail]) Outcome {
	if job.MaxAttempts > 0 && job.Attempt >= job.MaxAttempts {
		return Failed
	}
	return Retried
}

func (w *Worker) complete(ctx context.Context, tx pgx.Tx, job *river.Job[jobs.SendMail]) error {
	if _, err := river.JobCompleteTx[*riverpgxv5.Driver](ctx, tx, job); err != nil {
		return fmt.Errorf("mail: deliver %d: complete job: %w", job.Args.MessageID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("mail: deliver %d: commit: %w", job.Args.MessageID, err)
	}
	return nil
}

// recordFailure stores the outcome of a failed attempt and returns the
// error as stored: SMTP replies quote the recipient, so every address in
// it is redacted before it reaches the table (and the log, and River's
// record of the job), keeping the reply's codes and words for staff.
func (w *Worker) recordFailure(ctx context.Context, tx pgx.Tx, id int64, status string, sendErr error) (string, error) {
	msg := RedactAddresses(sendErr.Error())
	if len(msg) > 1000 {
		msg = strings.ToValidUTF8(msg[:1000], "")
	}
	if _, err := tx.Exec(ctx, `
		UPDATE mail_messages SET status = $2, attempts = attempts + 1, last_error = $3, updated_at = now()
		WHERE id = $1`, id, status, msg); err != nil {
		return msg, fmt.Errorf("mail: deliver %d: record failure: %w", id, err)
	}
	if err := forgetIfAsked(ctx, tx, id); err != nil {
		return msg, err
	}
	if err := tx.Commit(ctx); err != nil {
		return msg, fmt.Errorf("mail: deliver %d: commit failure: %w", id, err)
	}
	return msg, nil
}

// forgetIfAsked empties message id once it is sent or failed for good, if
// it was stored with ForgetWhenSent.
func forgetIfAsked(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := tx.Exec(ctx, `
		UPDATE mail_messages SET to_name = '', to_email = '', reply_to_name = '', reply_to_email = '', subject = '', text_body = '', html_body = '',
			headers = '[]'
		WHERE id = $1 AND forget_when_sent AND status <> 'queued'`, id); err != nil {
		return fmt.Errorf("mail: forget message %d: %w", id, err)
	}
	return nil
}
