package mail_test

import (
	"context"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestWorkerTellsEachOutcome: what the metrics count — a delivered mail is
// sent; a mail refused for good (550) failed; a mail refused for now (451)
// is retried, and failed once its job has no attempt left.
func TestWorkerTellsEachOutcome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	srv := smtptest.New(t)
	srv.Reject("gone@example.org", 550)
	srv.Reject("busy@example.org", 451)
	sender, err := mail.NewSMTP(srv.URL(), "Partnerdir <no-reply@partnerdir.test>")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	got := map[mail.Outcome]int{}
	w := mail.NewWorker(pool, sender, slog.New(slog.DiscardHandler), mail.WithOutcomes(func(o mail.Outcome) {
		mu.Lock()
		defer mu.Unlock()
		got[o]++
	}))
	w.Backoff = func(int) time.Duration { return 100 * time.Millisecond }
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := jobs.NewWorking(pool, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"ok@example.org", "gone@example.org", "busy@example.org"} {
		var id int64
		if err := pool.QueryRow(ctx, `
			INSERT INTO mail_messages (message_id, purpose, lang, to_email, subject, text_body, html_body)
			VALUES (md5($1) || '@partnerdir.test', 'test', 'en', $1, 'Hello', 'Hello', '') RETURNING id`, to).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Insert(ctx, jobs.SendMail{MessageID: id}, &river.InsertOpts{MaxAttempts: 2}); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	if err := client.Start(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(ctx, 10*time.Second)
		defer done()
		_ = client.Stop(stop)
		cancel()
	})
	// One sent (ok), one failed for good (gone), one retried then failed
	// on its second and last attempt (busy).
	want := map[mail.Outcome]int{mail.Sent: 1, mail.Retried: 1, mail.Failed: 2}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		now := maps.Clone(got)
		mu.Unlock()
		if maps.Equal(now, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outcomes %v, want %v", now, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("the server received %d mails, want 1", n)
	}
	// Out of attempts, a mail is failed, not left queued for ever.
	statuses := map[string]string{}
	rows, err := pool.Query(ctx, `SELECT to_email, status FROM mail_messages`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var to, status string
		if err := rows.Scan(&to, &status); err != nil {
			t.Fatal(err)
		}
		statuses[to] = status
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want2 := map[string]string{"ok@example.org": mail.StatusSent, "gone@example.org": mail.StatusFailed, "busy@example.org": mail.StatusFailed}
	if !maps.Equal(statuses, want2) {
		t.Errorf("statuses %v, want %v", statuses, want2)
	}
}
