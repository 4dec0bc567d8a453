package mail_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

func TestRedactAddresses(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"550 5.1.1 <gone@example.org>: Recipient address rejected: User unknown": "550 5.1.1 <[address]>: Recipient address rejected: User unknown",
		"user 'a.b+c@x.y' (d@e.f), [g@h.i]; Ünï@çödé.fr":                         "user '[address]' ([address]), [[address]]; [address]",
		"mail: connect to SMTP server: dial tcp 127.0.0.1:25: refused":           "mail: connect to SMTP server: dial tcp 127.0.0.1:25: refused",
		"a lone @ sign": "a lone @ sign",
	} {
		if got := mail.RedactAddresses(in); got != want {
			t.Errorf("RedactAddresses(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFailuresKeepNoAddress: a real SMTP server refuses two recipients
// with replies that quote their addresses, for good (550) and for now
// (451). The outbox keeps the codes and the reply's words, never the
// address; once the second is delivered its error is cleared.
func TestFailuresKeepNoAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	srv := smtptest.New(t)
	srv.RejectWith("gone@example.org", 550, "<gone@example.org>: Recipient address rejected: user gone@example.org unknown")
	srv.RejectWith("busy@example.org", 451, "<busy@example.org>: mailbox busy@example.org is full, try later")
	sender, err := mail.NewSMTP(srv.URL(), "Partnerdir <no-reply@partnerdir.test>")
	if err != nil {
		t.Fatal(err)
	}
	w := mail.NewWorker(pool, sender, slog.New(slog.DiscardHandler))
	w.Backoff = func(int) time.Duration { return 150 * time.Millisecond }
	workers := river.NewWorkers()
	river.AddWorker(workers, w)
	client, err := jobs.NewWorking(pool, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	queue := func(to string) int64 {
		var id int64
		if err := pool.QueryRow(ctx, `
			INSERT INTO mail_messages (message_id, purpose, lang, to_email, subject, text_body, html_body)
			VALUES (md5($1) || '@partnerdir.test', 'test', 'en', $1, 'Hello', 'Hello', '') RETURNING id`, to).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := client.Insert(ctx, jobs.SendMail{MessageID: id}, nil); err != nil {
			t.Fatal(err)
		}
		return id
	}
	gone, busy := queue("gone@example.org"), queue("busy@example.org")
	// A mail the outbox must forget once sent, such as the confirmation
	// of an account's deletion.
	forget := queue("erased@example.org")
	if _, err := pool.Exec(ctx, `UPDATE mail_messages SET forget_when_sent = true WHERE id = $1`, forget); err != nil {
		t.Fatal(err)
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

	lastError := func(id int64, status string, attempts int) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			var st, e string
			var n int
			if err := pool.QueryRow(ctx, `SELECT status, attempts, last_error FROM mail_messages WHERE id = $1`, id).Scan(&st, &n, &e); err != nil {
				t.Fatal(err)
			}
			if st == status && n >= attempts {
				return e
			}
			if time.Now().After(deadline) {
				t.Fatalf("mail %d: %s after %d attempts (%q), want %s after %d", id, st, n, e, status, attempts)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	for _, c := range []struct {
		id       int64
		status   string
		attempts int
		code     string
	}{{gone, mail.StatusFailed, 1, "550"}, {busy, mail.StatusQueued, 2, "451"}} {
		e := lastError(c.id, c.status, c.attempts)
		if !strings.Contains(e, c.code) || !strings.Contains(e, mail.RedactedAddress) || strings.Contains(e, "@") {
			t.Errorf("mail %d: last error %q, want the code %s and no address", c.id, e, c.code)
		}
	}
	lastError(forget, mail.StatusSent, 1)
	var kept int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM mail_messages WHERE id = $1 AND concat(to_email, subject, text_body) <> ''`, forget).Scan(&kept); err != nil || kept != 0 {
		t.Errorf("a mail to forget once sent is still stored (%v)", err)
	}
	srv.Reject("busy@example.org", 0)
	if e := lastError(busy, mail.StatusSent, 3); e != "" {
		t.Errorf("sent mail keeps the error %q", e)
	}
	// River's record of the attempts holds no address either.
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE errors::text LIKE '%@example.org%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d jobs record an address in their errors (%v)", n, err)
	}
}

func TestAccountDeletedMailIsWorded(t *testing.T) {
	t.Parallel()
	msg, err := mailtest.Renderer(t).Render(mail.Mail{Name: "account_deleted", Langs: []string{"fr", "en"},
		To: mail.Address{Email: "erased@example.org"}, ForgetWhenSent: true})
	if err != nil {
		t.Fatal(err)
	}
	for part, s := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
		if s == "" || messageID.MatchString(s) || strings.Contains(s, "<no value>") {
			t.Errorf("%s:\n%s", part, s)
		}
	}
	for _, want := range []string{"Votre compte Partnerdir a été supprimé", "Your Partnerdir account was deleted"} {
		if !strings.Contains(msg.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, msg.Text)
		}
	}
	if !msg.ForgetWhenSent {
		t.Error("the message does not ask to be forgotten")
	}
}
