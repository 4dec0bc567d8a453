package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/web"
)

// TestBuildRefusesAnUnmigratedDatabase: the program says what to run
// instead of failing later on some page.
func TestBuildRefusesAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": pgtest.NewEmptyDB(t)}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if a, err := app.Build(context.Background(), cfg, app.Options{}); err == nil || !strings.Contains(err.Error(), "partnerdir migrate up") {
		if a != nil {
			a.Close()
		}
		t.Fatalf("Build on an empty database: %v, want the advice to migrate", err)
	}
}

// TestBuildWiresEveryPart: the program built for a test has every store,
// the search service, the workers and the handler, and serves its pages.
func TestBuildWiresEveryPart(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{})
	if a.Directory == nil || a.Accounts == nil || a.Offers == nil || a.Joining == nil || a.News == nil || a.Newsletter == nil || a.Outbox == nil ||
		a.Search == nil || a.Indexer == nil || a.Workers == nil || a.Locale == nil || a.Handler == nil {
		t.Fatalf("a part is missing: %+v", a)
	}
	for path, want := range map[string]int{"/": 200, "/organisations/ecpat-luxembourg": 200, "/login": 200, "/readyz": 200, "/manage": 303} {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestWebRefusesMissingDependencies: a part left out is a construction
// error naming it, never a route quietly missing.
func TestWebRefusesMissingDependencies(t *testing.T) {
	_, err := web.New(context.Background(), web.Deps{})
	if err == nil {
		t.Fatal("web.New without dependencies succeeded")
	}
	for _, name := range []string{"Accounts", "Directory", "Joining", "Locale", "News", "Newsletter", "Offers", "Search", "UploadDir"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
}

// TestStartSealsTOTPSecretsUnderTheNewestKey: with TOTP_KEYS=B,A a secret
// sealed under A still works, and starting the program seals it again
// under B, and seals a secret still in clear; afterwards B alone opens
// both.
func TestStartSealsTOTPSecretsUnderTheNewestKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keyA, keyB := strings.Repeat("a1", 32), strings.Repeat("b2", 32)
	a := apptest.New(t, apptest.Setup{NoDemo: true, Env: map[string]string{"TOTP_KEYS": keyA, "MEILI_URL": "http://127.0.0.1:1"}})
	uid, err := a.Accounts.CreateUser(ctx, audit.System("test"), accounts.NewUser{Email: "u@example.org", Name: "U"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := a.Accounts.User(ctx, uid)
	e, _ := accounts.NewEnrolment(u)
	code, _ := totp.GenerateCode(e.Secret, time.Now())
	if _, err := a.Accounts.EnableTwoFactor(ctx, audit.System("test"), uid, e.Secret, code, ""); err != nil {
		t.Fatal(err)
	}
	const clear = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	legacy, _ := a.Accounts.CreateUser(ctx, audit.System("test"), accounts.NewUser{Email: "legacy@example.org", Name: "L"})
	if _, err := a.Pool.Exec(ctx, `UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1`, legacy, clear); err != nil {
		t.Fatal(err)
	}
	stored := func(id int64) string {
		var v string
		_ = a.Pool.QueryRow(ctx, `SELECT totp_secret FROM users WHERE id = $1`, id).Scan(&v)
		return v
	}
	underA := stored(uid)
	// rebuild is the program restarted on the same database with
	// TOTP_KEYS=keys, logging to log.
	rebuild := func(log *syncLog, keys ...string) *app.App {
		t.Helper()
		vars := map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "MEILI_URL": "http://127.0.0.1:1",
			"UPLOAD_DIR": t.TempDir(), "TOTP_KEYS": strings.Join(keys, ",")}
		cfg, err := config.Load(func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		b, err := app.Build(ctx, cfg, app.Options{Logger: slog.New(slog.NewTextHandler(log, nil))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(b.Close)
		return b
	}
	pass := func(b *app.App, id int64, secret string) error {
		t.Helper()
		if _, err := a.Pool.Exec(ctx, `UPDATE users SET totp_last_step = 0 WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(secret, time.Now())
		return b.Accounts.VerifySecondFactor(ctx, id, code, "192.0.2.1", "")
	}

	var log syncLog
	rotated := rebuild(&log, keyB, keyA)
	if err := pass(rotated, uid, e.Secret); err != nil {
		t.Fatalf("secret under the older key, before start: %v", err)
	}
	if err := rotated.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "two-factor secrets sealed under the newest TOTP key") ||
		!strings.Contains(log.String(), "sealed=1 resealed=1") {
		t.Errorf("start-up log:\n%s", log.String())
	}
	if now := stored(uid); now == underA || !strings.HasPrefix(now, "v1:") {
		t.Errorf("not sealed again: %q (was %q)", now, underA)
	}
	if now := stored(legacy); strings.Contains(now, clear) || !strings.HasPrefix(now, "v1:") {
		t.Errorf("clear secret not sealed: %q", now)
	}
	onlyB := rebuild(&syncLog{}, keyB)
	for id, secret := range map[int64]string{uid: e.Secret, legacy: clear} {
		if err := pass(onlyB, id, secret); err != nil {
			t.Errorf("user %d with TOTP_KEYS=B: %v", id, err)
		}
	}
	if err := pass(rebuild(&syncLog{}, keyA), uid, e.Secret); err == nil {
		t.Error("TOTP_KEYS=A still opens the secret sealed under B")
	}
}

// syncLog collects log lines written from several goroutines (the
// workers).
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDigestCalendarFollowsNewsletterDigest: NEWSLETTER_DIGEST's days at
// DAILY_JOBS_AT in DAILY_JOBS_TZ; off keeps the monthly periods for
// `news digest --now`.
func TestDigestCalendarFollowsNewsletterDigest(t *testing.T) {
	for value, want := range map[string]string{
		"":              "monthly on day 1 at 06:30 Europe/Luxembourg",
		"monthly:15":    "monthly on day 15 at 06:30 Europe/Luxembourg",
		"weekly:friday": "weekly on Friday at 06:30 Europe/Luxembourg",
		"daily":         "daily at 06:30 Europe/Luxembourg",
		"off":           "monthly on day 1 at 06:30 Europe/Luxembourg",
	} {
		cfg, err := config.Load(func(k string) string {
			return map[string]string{"NEWSLETTER_DIGEST": value, "DAILY_JOBS_AT": "06:30", "DAILY_JOBS_TZ": "Europe/Luxembourg"}[k]
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := app.DigestCalendar(cfg).String(); got != want {
			t.Errorf("NEWSLETTER_DIGEST=%q: %s, want %s", value, got, want)
		}
	}
}
