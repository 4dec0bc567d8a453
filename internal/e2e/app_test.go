package e2e

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	partnerdir "github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// app is the real program, built by the one wiring (internal/app) as
// `partnerdir serve` builds it, on a free loopback port: its own database
// with the demo data, its own Meilisearch index, every River worker, and an
// SMTP server that records what it receives.
type app struct {
	URL  string
	pool *pgxpool.Pool
	acc  *accounts.Store
	smtp *smtptest.Server
	// dir and uploadDir load the demo's logos and documents for the
	// journeys about them (demo.LoadMedia).
	dir       *directory.Store
	uploadDir string
}

// startApp serves the application for t. It skips (or fails under
// CI=true) when PostgreSQL or Meilisearch are not configured.
func startApp(t *testing.T) *app {
	t.Helper()
	apptest.RequireMeili(t)
	tl := &testLog{t: t}
	t.Cleanup(tl.close) // registered first: runs last
	log := slog.New(slog.NewTextHandler(tl, &slog.HandlerOptions{Level: slog.LevelWarn}))
	smtp := smtptest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	// A browser driven by a program fills the form faster than a person.
	limits := offers.DefaultLimits()
	limits.MinFillTime = 0
	a := apptest.New(t, apptest.Setup{
		Env: map[string]string{"BASE_URL": base, "SMTP_URL": smtp.URL(), "MAIL_FROM": "Partnerdir <no-reply@partners.test>"},
		Options: partnerdir.Options{
			Logger:      log,
			OfferLimits: &limits,
			// A generous query deadline: the machine is shared, and a
			// fallback answer would not correct the donor's typo.
			SearchTimeout: 10 * time.Second,
			IndexBackoff:  2 * time.Second,
			PollInterval:  200 * time.Millisecond,
		},
	})
	// The index is built before the first page is served.
	apptest.Index(t, a)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	httpSrv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = httpSrv.Shutdown(shutCtx)
	})
	return &app{URL: base, pool: a.Pool, acc: a.Accounts, smtp: smtp, dir: a.Directory, uploadDir: a.Config.UploadDir}
}

// user creates a user who can sign in with testPassword; org ("" for none)
// makes them an editor of that organisation.
func (a *app) user(t *testing.T, email, role, org string) int64 {
	t.Helper()
	n := accounts.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword, Role: role}
	if org != "" {
		if err := a.pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE slug = $1`, org).Scan(&n.OrganisationID); err != nil {
			t.Fatal(err)
		}
		n.OrgRole = accounts.OrgEditor
	}
	id, err := a.acc.CreateUser(context.Background(), audit.System("e2e"), n)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// testLog sends the server's warnings and errors to the test log, until
// the test ends.
type testLog struct {
	t    *testing.T
	mu   sync.Mutex
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (l *testLog) close() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}
