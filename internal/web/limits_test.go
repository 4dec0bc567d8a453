package web_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// wantRetryAfter fails t unless rec asks to come back in 1 to max seconds.
func wantRetryAfter(t *testing.T, rec *httptest.ResponseRecorder, max int) {
	t.Helper()
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs < 1 || secs > max {
		t.Errorf("Retry-After %q, want whole seconds in [1, %d]", rec.Header().Get("Retry-After"), max)
	}
}

// With the one password-hashing slot held by a login, another login and a
// sign-up wait briefly and get a 503 with Retry-After and a clear message,
// instead of piling up; nothing is recorded for them.
func TestBusyHashingAnswers503WithRetryAfter(t *testing.T) {
	t.Parallel()
	var holding atomic.Bool
	entered, release := make(chan struct{}), make(chan struct{})
	f := newAccountsFixture(t, accounts.WithHashing(1, 100*time.Millisecond), accounts.WithHashHook(func() {
		if holding.CompareAndSwap(true, false) {
			close(entered)
			<-release
		}
	}))
	f.user(t, "owner@example.org", "", "", "")
	slow, busy := f.browser(t), f.browser(t)
	slow.get("/login")
	busy.header.Set("Accept-Language", "en")
	busy.get("/login")

	holding.Store(true)
	held := make(chan int, 1)
	go func() {
		held <- slow.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}}).Code
	}()
	<-entered
	started := time.Now()
	rec := busy.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"wrong password"}})
	wantStatus(t, rec, http.StatusServiceUnavailable, "The server is busy", `value="owner@example.org"`)
	wantRetryAfter(t, rec, 5)
	busy.get("/signup")
	rec = busy.post("/signup", url.Values{"name": {"New"}, "email": {"new@example.org"}, "password": {testPassword}})
	wantStatus(t, rec, http.StatusServiceUnavailable, "The server is busy")
	wantRetryAfter(t, rec, 5)
	if waited := time.Since(started); waited > 10*time.Second {
		t.Errorf("two busy refusals took %v: the wait is not bounded", waited)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.login_failure'`); n != 0 {
		t.Errorf("%d login failures recorded for a login nobody checked", n)
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE email = 'new@example.org'`); n != 0 {
		t.Error("a refused sign-up made an account")
	}
	close(release)
	if code := <-held; code != http.StatusSeeOther {
		t.Errorf("the login holding the slot: %d, want 303", code)
	}
}

// Every limit answers 429 with Retry-After and a clear message in the
// visitor's language.
func TestLimitsAnswer429WithRetryAfter(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t, accounts.WithLoginLimits(100, 1, 15*time.Minute), accounts.WithTokenLimits(2, time.Hour))
	f.user(t, "owner@example.org", "", "", "")

	t.Run("login", func(t *testing.T) {
		b := f.browser(t)
		b.get("/login")
		wantStatus(t, b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"wrong password"}}), http.StatusUnauthorized)
		rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}})
		wantStatus(t, rec, http.StatusTooManyRequests, "Trop de tentatives de connexion")
		wantRetryAfter(t, rec, 15*60)
	})
	t.Run("links", func(t *testing.T) {
		b := f.browser(t)
		b.header.Set("Accept-Language", "en")
		b.get("/password/forgot")
		form := url.Values{"token": {"no-such-token"}, "password": {"a long new passphrase"}, "password_again": {"a long new passphrase"}}
		for range 2 {
			wantStatus(t, b.post("/password/reset", form), http.StatusNotFound)
		}
		rec := b.post("/invitation", form)
		wantStatus(t, rec, http.StatusTooManyRequests, "Too many attempts from your connection")
		wantRetryAfter(t, rec, 3600)
	})
	t.Run("reset requests", func(t *testing.T) {
		b := f.browser(t)
		b.get("/password/forgot")
		// The per-address limit is 2 (and the links' 2 attempts above
		// are counted apart).
		for _, email := range []string{"a@example.org", "b@example.org"} {
			wantStatus(t, b.post("/password/forgot", url.Values{"email": {email}}), http.StatusOK, "Si un compte existe pour "+email)
		}
		rec := b.post("/password/forgot", url.Values{"email": {"owner@example.org"}})
		wantStatus(t, rec, http.StatusTooManyRequests, "Trop de tentatives depuis votre connexion")
		wantRetryAfter(t, rec, 3600)
		if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@example.org'`); n != 0 {
			t.Errorf("%d reset mails after a refused request", n)
		}
	})
}

// TestPublicListenerHasNoProfiles: Go's profiles are served on the
// metrics listener only (internal/metrics), never on the public one.
func TestPublicListenerHasNoProfiles(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/profile", "/metrics"} {
		if rec := get(t, h, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s on the public listener: %d, want 404", path, rec.Code)
		}
	}
}
