package newsletter_test

import (
	"context"
	"log/slog"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

const mailFrom = "Partnerdir <no-reply@partners.test>"

// fixture is a newsletter store over a database of its own holding the
// demo directory and articles, its mails going to the real outbox.
//
// Its schedule is daily at a time of day twelve hours away from now, so
// the current period began about twelve hours ago and the next begins in
// about twelve: the demo articles, published a minute before the test
// starts, are new in the current period whatever the hour the tests run.
type fixture struct {
	pool     *pgxpool.Pool
	store    *newsletter.Store
	news     *news.Store
	schedule jobs.Calendar
	actor    audit.Actor
}

func newFixture(t testing.TB, limits newsletter.Limits) *fixture {
	t.Helper()
	pool, _ := demotest.Load(t)
	return fixtureOn(t, pool, limits)
}

func fixtureOn(t testing.TB, pool *pgxpool.Pool, limits newsletter.Limits) *fixture {
	t.Helper()
	f := &fixture{pool: pool, actor: audit.Actor{Label: "anonymous"}}
	outbox, _ := mailtest.Outbox(t, pool, mailFrom)
	f.news = news.NewStore(pool, nil)
	if _, err := demo.LoadNews(context.Background(), pool, f.news); err != nil {
		t.Fatal(err)
	}
	// Published a minute ago: older than the digest's commit margin.
	f.exec(t, `UPDATE articles SET first_published_at = now() - interval '1 minute' WHERE first_published_at IS NOT NULL`)
	f.schedule = jobs.EveryDay(jobs.DailyAt((time.Now().UTC().Hour()+12)%24, 0, time.UTC))
	ips, err := pseudonym.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if f.store, err = newsletter.NewStore(pool, newsletter.Config{Outbox: outbox, BaseURL: "http://partners.test/",
		Key: []byte("newsletter-test-key-of-32-bytes!"), Pseudonyms: ips, Schedule: f.schedule, Limits: limits}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *fixture) exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

var linkToken = regexp.MustCompile(`/newsletter/confirm\?token=([A-Za-z0-9_-]+)`)

// lastToken is the token of the last confirmation mail to email, read from
// the outbox (before it is sent and emptied).
func (f *fixture) lastToken(t *testing.T, email string) string {
	t.Helper()
	var body string
	if err := f.pool.QueryRow(context.Background(), `SELECT text_body FROM mail_messages
		WHERE purpose = 'newsletter_confirm' AND to_email = $1 ORDER BY id DESC LIMIT 1`, email).Scan(&body); err != nil {
		t.Fatalf("no confirmation mail to %s: %v", email, err)
	}
	m := linkToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link in the confirmation mail:\n%s", body)
	}
	return m[1]
}

// subscribe signs email up with r's choices and confirms it, returning
// the subscriber's id.
func (f *fixture) subscribe(t *testing.T, r newsletter.Request) int64 {
	t.Helper()
	ctx := context.Background()
	if r.Lang == "" {
		r.Lang = "en"
	}
	if err := f.store.Subscribe(ctx, f.actor, r); err != nil {
		t.Fatalf("subscribe %s: %v", r.Email, err)
	}
	if err := f.store.Confirm(ctx, f.actor, f.lastToken(t, r.Email)); err != nil {
		t.Fatalf("confirm %s: %v", r.Email, err)
	}
	return int64(f.count(t, `SELECT id FROM newsletter_subscribers WHERE email = $1`, r.Email))
}

// now is a run in the current period, as `news digest --now` makes it.
func (f *fixture) now() newsletter.Run { return newsletter.Run{At: time.Now(), Early: true} }

// nextPeriod is the scheduled run at the start of the next period.
func (f *fixture) nextPeriod() newsletter.Run {
	return newsletter.Run{At: f.schedule.Next(time.Now()).Add(time.Minute)}
}

func (f *fixture) send(t *testing.T, r newsletter.Run) newsletter.Sent {
	t.Helper()
	sent, err := f.store.SendDigests(context.Background(), r)
	if err != nil {
		t.Fatalf("send digests: %v", err)
	}
	return sent
}

// unsubscribeParams are the s and sig of subscriber id's link.
func (f *fixture) unsubscribeParams(t *testing.T, id int64) (string, string) {
	t.Helper()
	u, err := url.Parse(f.store.UnsubscribeURL(id))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("s"), u.Query().Get("sig")
}

// startMail works the outbox against smtpURL on its own pool until t ends.
func startMail(t *testing.T, pool *pgxpool.Pool, smtpURL string) {
	t.Helper()
	sender, err := mail.NewSMTP(smtpURL, mailFrom)
	if err != nil {
		t.Fatal(err)
	}
	own, err := pgxpool.New(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, mail.NewWorker(own, sender, slog.New(slog.DiscardHandler)))
	c, err := jobs.NewWorking(own, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = c.Stop(stop)
		cancel()
		own.Close()
	})
}
