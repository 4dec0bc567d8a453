package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/meilisearch/meilisearch-go"
	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/joining"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web"
	searchdef "github.com/partnerdir/partnerdir/search"
	webfiles "github.com/partnerdir/partnerdir/web"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// app is the real web server, wired as `partnerdir serve` wires it, on a
// free loopback port: its own database with the demo data, its own
// Meilisearch index, River workers for indexing and mail, and an SMTP
// server that records what it receives.
type app struct {
	URL  string
	pool *pgxpool.Pool
	acc  *accounts.Store
	smtp *smtptest.Server
}

// startApp serves the application for t. It skips (or fails under
// CI=true) when PostgreSQL or Meilisearch are not configured.
func startApp(t *testing.T) *app {
	t.Helper()
	meiliURL, meiliKey := os.Getenv("MEILI_URL"), os.Getenv("MEILI_MASTER_KEY")
	if meiliURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("MEILI_URL is not set: Meilisearch is required under CI (run make test)")
		}
		t.Skip("MEILI_URL is not set; run make test")
	}
	ctx := context.Background()
	tl := &testLog{t: t}
	t.Cleanup(tl.close) // registered first: runs last
	log := slog.New(slog.NewTextHandler(tl, &slog.HandlerOptions{Level: slog.LevelWarn}))
	pool := pgtest.NewPool(t)
	ins, err := jobs.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	// Mail: the outbox enqueues, the worker delivers to the test server.
	const from = "Partnerdir <no-reply@partners.test>"
	smtp := smtptest.New(t)
	sender, err := mail.NewSMTP(smtp.URL(), from)
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(ins, from, mailtest.Renderer(t))
	if err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://" + ln.Addr().String())

	dir := directory.NewStore(pool, func(ctx context.Context, tx pgx.Tx, id int64) error {
		_, err := ins.InsertTx(ctx, tx, jobs.IndexOrganisation{OrganisationID: id}, nil)
		return err
	}, directory.WithMailer(outbox.DirectoryMailer(), base.String()))
	if _, err := demo.Load(ctx, pool, dir); err != nil {
		t.Fatal(err)
	}

	// Search: a per-test index, built before the first page is served.
	settings, err := search.LoadSettings(searchdef.FS)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	index := "e2e_" + hex.EncodeToString(b)
	t.Cleanup(func() { dropIndex(meiliURL, meiliKey, index) })
	m := search.NewMeili(search.MeiliConfig{URL: meiliURL, MasterKey: meiliKey, Index: index, Settings: settings, Logger: log})
	setupCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := m.Setup(setupCtx); err != nil {
		t.Fatalf("meilisearch setup: %v", err)
	}
	ix := search.NewIndexer(pool, dir, m, search.IndexerOptions{Logger: log})
	if _, err := ix.Reindex(setupCtx, nil); err != nil {
		t.Fatalf("reindex: %v", err)
	}
	// A generous query deadline: the machine is shared, and a fallback
	// answer would not correct the donor's typo.
	svc := search.NewService(m, search.NewFallback(pool), search.ServiceOptions{Timeout: 10 * time.Second, Logger: log})

	acc := accounts.NewStore(pool, accounts.WithFastHashing(), accounts.WithMail(outbox, base.String()))
	limits := offers.DefaultLimits()
	// A browser driven by a program fills the form faster than a person.
	limits.MinFillTime = 0
	offerStore, err := offers.NewStore(pool, offers.Config{
		Outbox: outbox, Secret: []byte("e2e offers form and IP hash key."), TriageEmail: "triage@partners.test",
		BaseURL: base.String(), Limits: limits,
	})
	if err != nil {
		t.Fatal(err)
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, search.NewWorker(ix, 2*time.Second))
	river.AddWorker(workers, mail.NewWorker(pool, sender, log))
	worker, err := jobs.NewWorking(pool, jobs.Options{Workers: workers, Logger: log, PollInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := worker.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := worker.Stop(stopCtx); err != nil {
			_ = worker.StopAndCancel(context.Background())
		}
	})

	joinStore := joining.NewStore(pool, joining.Config{Directory: dir, Accounts: acc, Outbox: outbox, BaseURL: base.String()})
	srv, err := web.New(ctx, web.Deps{
		Logger:      log,
		BaseURL:     base,
		Directory:   dir,
		Files:       webfiles.FS,
		Search:      svc,
		Accounts:    acc,
		SessionKeys: [][]byte{[]byte("e2e-session-authentication-key-0"), []byte("e2e-session-encryption-key-01234")},
		Offers:      offerStore,
		Joining:     joinStore,
		Checks:      []web.Check{{Name: "postgres", Required: true, Probe: pool.Ping}, {Name: "meilisearch", Probe: svc.Probe}},
	})
	if err != nil {
		t.Fatal(err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
	return &app{URL: base.String(), pool: pool, acc: acc, smtp: smtp}
}

// dropIndex deletes the test's index, its rebuilds and its derived keys.
func dropIndex(meiliURL, key, index string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	master := meilisearch.New(meiliURL, meilisearch.WithAPIKey(key))
	if res, err := master.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000}); err == nil {
		for _, i := range res.Results {
			if i.UID == index || strings.HasPrefix(i.UID, index+"_") {
				_, _ = master.DeleteIndex(ctx, i.UID)
			}
		}
	}
	search.DeleteKeys(ctx, meiliURL, key, index)
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
