package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pquerna/otp/totp"
)

// tablesContaining lists the tables with a row whose text (as a dump
// would write it) contains needle, in any case.
func (f *fixture) tablesContaining(t *testing.T, needle string) []string {
	t.Helper()
	ctx := context.Background()
	rows, _ := f.pool.Query(ctx, `SELECT table_schema, table_name FROM information_schema.tables
		WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`)
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgx.Identifier, error) {
		var schema, name string
		err := r.Scan(&schema, &name)
		return pgx.Identifier{schema, name}, err
	})
	if err != nil || len(tables) < 10 {
		t.Fatalf("tables: %v %v", tables, err)
	}
	var found []string
	for _, tb := range tables {
		if f.count(t, `SELECT count(*) FROM `+tb.Sanitize()+` t WHERE t::text ILIKE '%' || $1 || '%'`, needle) > 0 {
			found = append(found, strings.Join(tb, "."))
		}
	}
	return found
}

// TestNoTOTPSecretInClearInTheDatabase: neither the secret offered during
// enrolment (kept in the session) nor the enrolled one, nor a recovery
// code, appears anywhere in the database.
func TestNoTOTPSecretInClearInTheDatabase(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "staff@example.org", "staff", "", "")
	b := f.browser(t)
	b.login("staff@example.org")
	m := secretText.FindStringSubmatch(b.get("/account/2fa").Body.String())
	if m == nil {
		t.Fatal("no secret offered")
	}
	secret := m[1]
	// The scan finds what is there.
	if found := strings.Join(f.tablesContaining(t, "staff@example.org"), " "); !strings.Contains(found, "public.users") {
		t.Fatalf("the scan does not find the email in users: %q", found)
	}
	if n := f.count(t, `SELECT count(*) FROM sessions WHERE data ? 'totp_secret' AND data->>'totp_secret' LIKE 'v1:%'`); n != 1 {
		t.Fatalf("%d sessions hold a sealed pending secret, want 1", n)
	}
	if found := f.tablesContaining(t, secret); len(found) > 0 {
		t.Errorf("during enrolment, the secret is in clear in %v", found)
	}
	code, _ := totp.GenerateCode(secret, time.Now())
	rec := b.post("/account/2fa", url.Values{"code": {code}})
	wantStatus(t, rec, http.StatusOK, "Codes de secours")
	if n := f.count(t, `SELECT count(*) FROM users WHERE totp_secret LIKE 'v1:%'`); n != 1 {
		t.Fatalf("%d users with a sealed secret, want 1", n)
	}
	if found := f.tablesContaining(t, secret); len(found) > 0 {
		t.Errorf("once enrolled, the secret is in clear in %v", found)
	}
	for _, c := range recoveryCode.FindAllStringSubmatch(rec.Body.String(), -1) {
		if found := f.tablesContaining(t, c[1]); len(found) > 0 {
			t.Errorf("recovery code %s is in clear in %v", c[1], found)
		}
	}
}

// TestTwoFactorChangesEndOtherSessionsAndDisablingNeedsPasswordAndCode:
// turning two-factor on ends the user's other sessions, not the current
// one; turning it off asks for the password and a code, refuses a wrong
// one at its field (in the visitor's language) changing nothing, and then
// ends the other sessions too.
func TestTwoFactorChangesEndOtherSessionsAndDisablingNeedsPasswordAndCode(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	uid := f.user(t, "ngo@example.org", "", "", "")
	me, laptop := f.browser(t), f.browser(t)
	me.login("ngo@example.org")
	laptop.login("ngo@example.org")

	m := secretText.FindStringSubmatch(me.get("/account/2fa").Body.String())
	if m == nil {
		t.Fatal("no secret offered")
	}
	code, _ := totp.GenerateCode(m[1], time.Now())
	rec := me.post("/account/2fa", url.Values{"code": {code}})
	wantStatus(t, rec, http.StatusOK, "Vos autres sessions ont été fermées.")
	recovery := recoveryCode.FindAllStringSubmatch(rec.Body.String(), -1)
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes", len(recovery))
	}
	if !signedIn(me) {
		t.Fatal("enabling two-factor ended the current session")
	}
	if signedIn(laptop) {
		t.Fatal("enabling two-factor left another session signed in")
	}

	// The laptop signs in again, now with a code.
	laptop.get("/login")
	laptop.post("/login", url.Values{"email": {"ngo@example.org"}, "password": {testPassword}})
	laptop.get("/login/2fa")
	next, _ := totp.GenerateCode(m[1], time.Now().Add(30*time.Second))
	if rec := laptop.post("/login/2fa", url.Values{"code": {next}}); rec.Code != http.StatusSeeOther || !signedIn(laptop) {
		t.Fatalf("second login: %d", rec.Code)
	}

	page := me.get("/account/2fa")
	wantStatus(t, page, http.StatusOK, `name="password"`, `autocomplete="current-password"`, `name="code"`)
	unchanged := func(what string) {
		t.Helper()
		if f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL AND totp_secret LIKE 'v1:%'`, uid) != 1 {
			t.Fatalf("%s turned two-factor off", what)
		}
		if n := f.count(t, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, uid); n != 10 {
			t.Fatalf("%s: %d unused recovery codes, want 10", what, n)
		}
		if !signedIn(laptop) || !signedIn(me) {
			t.Fatalf("%s ended a session", what)
		}
	}
	// A wrong password, with a good code: refused at the password, and the
	// code is not used up.
	rec = me.post("/account/2fa/disable", url.Values{"password": {"not my password!"}, "code": {recovery[0][1]}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `<p class="field-error" id="err-password">Le mot de passe actuel est incorrect.</p>`,
		`aria-invalid="true" aria-describedby="err-password"`)
	unchanged("a wrong password")
	// The right password, a wrong code: refused at the code.
	rec = me.post("/account/2fa/disable", url.Values{"password": {testPassword}, "code": {"123456"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `<p class="field-error" id="err-code">Ce code n&#39;est pas valable`)
	if strings.Contains(rec.Body.String(), `id="err-password"`) {
		t.Error("the right password is marked wrong")
	}
	unchanged("a wrong code")
	// In English for an English visitor.
	me.header.Set("Accept-Language", "en")
	rec = me.post("/account/2fa/disable", url.Values{"password": {"not my password!"}, "code": {recovery[0][1]}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-password">The current password is wrong.</p>`)
	unchanged("a wrong password in English")
	me.header.Del("Accept-Language")

	// Both right (a recovery code does): off, and the laptop is signed out.
	rec = me.post("/account/2fa/disable", url.Values{"password": {testPassword}, "code": {recovery[0][1]}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa?off=1" {
		t.Fatalf("disable: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	wantStatus(t, me.get("/account/2fa?off=1"), http.StatusOK, "La vérification en deux étapes est désactivée.")
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND totp_enabled_at IS NULL AND totp_secret = ''`, uid); n != 1 {
		t.Error("two-factor is still on")
	}
	if !signedIn(me) {
		t.Error("disabling two-factor ended the current session")
	}
	if signedIn(laptop) {
		t.Error("disabling two-factor left another session signed in")
	}
}
