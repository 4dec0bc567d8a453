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
