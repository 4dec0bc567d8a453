package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// clientAddress is where every request of the handler tests comes from
// (httptest.NewRequest's RemoteAddr).
const clientAddress = "192.0.2.1"

// TestNoTableHoldsAClientAddressInClear walks every form that records
// something about its sender (sign-up, joining, logins that fail and
// succeed, a wrong two-factor code, an offer, a search) and then reads
// every text and JSON column of every table: the address must appear
// nowhere, only its keyed pseudonym.
func TestNoTableHoldsAClientAddressInClear(t *testing.T) {
	t.Parallel()
	limits := offers.DefaultLimits()
	limits.MinFillTime = 0
	a := apptest.New(t, apptest.Setup{Options: app.Options{OfferLimits: &limits}})
	f := newFixture(a)

	b := f.browser(t)
	b.get("/signup")
	wantStatus(t, b.post("/signup", url.Values{"name": {"Fabienne"}, "email": {"fab@example.net"}, "password": {testPassword}}),
		http.StatusSeeOther)
	j := f.browser(t)
	j.get("/join")
	wantStatus(t, j.post("/join", joinForm("Awa Diallo", "awa@ngo-test.example.org", "Aide aux Enfants")), http.StatusSeeOther)

	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	s := f.browser(t)
	s.get("/login")
	wantStatus(t, s.post("/login", url.Values{"email": {"staff@example.org"}, "password": {"wrong password"}}), http.StatusUnauthorized)
	s.login("staff@example.org")
	wantStatus(t, s.get("/account/sessions"), http.StatusOK)
	enrolTwoFactor(t, s)
	s2 := f.browser(t)
	s2.get("/login")
	wantStatus(t, s2.post("/login", url.Values{"email": {"staff@example.org"}, "password": {testPassword}}), http.StatusSeeOther)
	s2.get("/login/2fa")
	wantStatus(t, s2.post("/login/2fa", url.Values{"code": {"000000"}}), http.StatusUnauthorized)

	d := f.browser(t)
	wantStatus(t, d.post("/organisations/ecpat-luxembourg/offer", openForm(t, d, "/organisations/ecpat-luxembourg/offer")),
		http.StatusSeeOther)
	wantStatus(t, d.get("/search?q=ecpat"), http.StatusOK)

	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE details ? 'ip_hash'`); n < 4 {
		t.Fatalf("%d audit entries carry a client pseudonym, want the sign-up, join and login ones", n)
	}
	for _, hit := range tablesContaining(t, f, clientAddress) {
		t.Errorf("%s holds the client address in clear", hit)
	}
}

// tablesContaining lists the table.column pairs (text, varchar, json,
// jsonb, inet) of the public schema in which some row contains needle.
func tablesContaining(t *testing.T, f fixture, needle string) []string {
	t.Helper()
	ctx := context.Background()
	rows, _ := f.pool.Query(ctx, `
		SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'inet', 'ARRAY')
			AND table_name IN (SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE')
		ORDER BY 1, 2`)
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Table, Column string }])
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 50 {
		t.Fatalf("only %d columns scanned", len(cols))
	}
	var hits []string
	for _, c := range cols {
		sql := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(%s::text, $1) > 0`,
			pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Column}.Sanitize())
		if n := f.count(t, sql, needle); n > 0 {
			hits = append(hits, fmt.Sprintf("%s.%s (%d rows)", c.Table, c.Column, n))
		}
	}
	return hits
}

func TestTablesContainingFindsAnAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(apptest.New(t, apptest.Setup{}))
	f.exec(t, `INSERT INTO rate_limits (key) VALUES ($1)`, "login:ip:"+clientAddress)
	if hits := tablesContaining(t, f, clientAddress); len(hits) != 1 || !strings.HasPrefix(hits[0], "rate_limits.key") {
		t.Fatalf("scan found %v, want rate_limits.key", hits)
	}
}
