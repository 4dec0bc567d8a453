package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web"
)

func joinForm(name, email, org string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "password": {testPassword},
		"org_name": {org}, "acronym": {"ANT"}, "kind": {"22"}, "website": {"https://www.ngo-test.example.org"},
		"countries": {"ML", "SN"}, "themes": {"education"}, "description": {"Nous scolarisons les enfants des rues."},
		"contact_email": {"contact@ngo-test.example.org"}}
}

func TestJoinCreatesAccountAndPendingOrganisation(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	b := f.browser(t)
	wantStatus(t, b.get("/"), http.StatusOK, `href="/join"`)
	wantStatus(t, b.get("/join"), http.StatusOK, "<h1>Inscrire votre organisation</h1>", `name="org_name"`, `name="password"`, `name="homepage"`)
	before := b.cookies[web.SessionCookie].Value

	rec := b.post("/join", joinForm("Awa Diallo", "awa@ngo-test.example.org", "Aide aux Enfants — Tombouctou"))
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/join/received?org=aide-aux-enfants-tombouctou" {
		t.Fatalf("redirect to %q", loc)
	}
	if b.cookies[web.SessionCookie].Value == before {
		t.Error("the session id did not change when the applicant was signed in")
	}
	wantStatus(t, b.get(rec.Header().Get("Location")), http.StatusOK, "Aide aux Enfants — Tombouctou", "En attente de validation")

	// One account, one pending organisation it owns, its default contact,
	// the audit entries and the acknowledgment mail.
	var orgID, userID int64
	var status, contact, email string
	err := f.pool.QueryRow(context.Background(), `
		SELECT o.id, o.status, c.email, o.email, m.user_id FROM organisations o
		JOIN contact_points c ON c.id = o.default_contact_id
		JOIN memberships m ON m.organisation_id = o.id AND m.role = 'owner'
		WHERE o.slug = 'aide-aux-enfants-tombouctou'`).Scan(&orgID, &status, &contact, &email, &userID)
	if err != nil {
		t.Fatal(err)
	}
	if status != "pending" || contact != "contact@ngo-test.example.org" || email != contact {
		t.Errorf("organisation: status %s, default contact %s, email %s", status, contact, email)
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND email = 'awa@ngo-test.example.org' AND password_hash <> ''`, userID); n != 1 {
		t.Error("the applicant's account was not created with a password")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action IN ('organisation.create', 'organisation.join', 'membership.grant')`, orgID); n != 3 {
		t.Errorf("%d audit entries for the organisation, want 3", n)
	}
	if n := f.count(t, `SELECT count(*) FROM organisation_countries WHERE organisation_id = $1`, orgID); n != 2 {
		t.Errorf("%d countries, want 2", n)
	}
	if m := f.lastMail(t, "awa@ngo-test.example.org"); !strings.Contains(m, "Aide aux Enfants — Tombouctou") ||
		!strings.Contains(m, "http://partners.test/manage/aide-aux-enfants-tombouctou") {
		t.Errorf("acknowledgment mail:\n%s", m)
	}
	if f.indexJobs(t, orgID) == 0 {
		t.Error("no index job: the search index would never hear of the organisation")
	}

	// Never public while pending.
	anon := f.browser(t)
	wantStatus(t, anon.get("/organisations/aide-aux-enfants-tombouctou"), http.StatusNotFound)
	for _, p := range []string{"/organisations", "/countries/ML", "/sitemaps/organisations-1.xml", "/"} {
		if strings.Contains(anon.get(p).Body.String(), "Tombouctou") {
			t.Errorf("%s shows the pending organisation", p)
		}
	}
	wantStatus(t, anon.get("/join/received?org=aide-aux-enfants-tombouctou"), http.StatusSeeOther)
	// The index job it enqueued finds no document to index: not in search.
	if _, ok, err := search.NewIndexer(f.pool, f.dir, nil, search.IndexerOptions{}).Document(context.Background(), orgID); ok || err != nil {
		t.Errorf("the pending organisation has a search document (%v)", err)
	}

	// Once the applicant has confirmed their address through the mailed
	// link (TestJoinOwnerHoldsNothingUntilVerified: not before), the owner
	// edits it on /manage while it waits.
	wantStatus(t, b.get("/manage/aide-aux-enfants-tombouctou"), http.StatusNotFound)
	f.confirmAddress(t, b, "awa@ngo-test.example.org")
	wantStatus(t, b.get("/manage"), http.StatusOK, "Aide aux Enfants — Tombouctou", "En attente de validation")
	wantStatus(t, b.get("/manage/aide-aux-enfants-tombouctou"), http.StatusOK, "attend sa validation", `name="version"`)
	form := url.Values{"version": {"1"}, "name": {"Aide aux Enfants de Tombouctou"}, "kind": {"22"}, "countries": {"ML"}}
	wantStatus(t, b.post("/manage/aide-aux-enfants-tombouctou", form), http.StatusSeeOther)
	wantStatus(t, b.get("/manage/aide-aux-enfants-tombouctou"), http.StatusOK, `value="Aide aux Enfants de Tombouctou"`)

	// Someone else lists an organisation of the same name: a new slug.
	other := f.browser(t)
	other.get("/join")
	rec = other.post("/join", joinForm("Moussa", "moussa@example.net", "Aide aux enfants, Tombouctou"))
	if loc := rec.Header().Get("Location"); loc != "/join/received?org=aide-aux-enfants-tombouctou-2" {
		t.Errorf("same name: redirect to %q", loc)
	}
	// And cannot see the first one's page.
	wantStatus(t, other.get("/join/received?org=aide-aux-enfants-tombouctou"), http.StatusNotFound)
}

func TestJoinValidationKeepsInputAndCreatesNothing(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	users, orgs := f.count(t, `SELECT count(*) FROM users`), f.count(t, `SELECT count(*) FROM organisations`)
	b := f.browser(t)
	b.get("/join")
	form := joinForm("Awa", "not-an-address", "Mon ONG")
	form.Set("password", "short")
	form.Del("countries")
	form.Set("description", "")
	form.Set("website", "www.sans-schema.org")
	form.Set("kind", "")
	rec := b.post("/join", form)
	wantStatus(t, rec, http.StatusUnprocessableEntity,
		`id="err-email"`, "Adresse e-mail invalide.", "Au moins 12 caractères.",
		`id="err-password"`, `id="err-countries"`, "Choisissez au moins un pays.", `id="err-description"`,
		`id="err-website"`, `id="err-kind"`, `value="Mon ONG"`, `value="not-an-address"`, `value="Awa"`, `value="ANT"`,
		`value="contact@ngo-test.example.org"`)
	if strings.Contains(rec.Body.String(), `value="short"`) {
		t.Error("the password is sent back in the page")
	}
	if f.count(t, `SELECT count(*) FROM users`) != users || f.count(t, `SELECT count(*) FROM organisations`) != orgs {
		t.Error("a refused application created something")
	}
}

func TestJoinWithAnExistingEmailAsksToSignIn(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "known@example.org", "", "", "")
	users, orgs := f.count(t, `SELECT count(*) FROM users`), f.count(t, `SELECT count(*) FROM organisations`)
	b := f.browser(t)
	b.get("/join")
	form := joinForm("Someone", "KNOWN@example.org", "Une autre ONG")
	form.Set("password", "another password entirely")
	rec := b.post("/join", form)
	wantStatus(t, rec, http.StatusConflict, "Un compte existe déjà avec cette adresse", `href="/login?next=%2Fjoin"`, `value="Une autre ONG"`)
	if f.count(t, `SELECT count(*) FROM users`) != users || f.count(t, `SELECT count(*) FROM organisations`) != orgs {
		t.Error("an application with a known email created something")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 0 {
		t.Errorf("%d mails sent", n)
	}
	// The existing account still signs in with its own password.
	b2 := f.browser(t)
	b2.login("known@example.org")
}

func TestJoinSignedInSkipsTheAccountFields(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	id := f.user(t, "member@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	users := f.count(t, `SELECT count(*) FROM users`)
	b := f.browser(t)
	b.login("member@example.org")
	rec := b.get("/join")
	wantStatus(t, rec, http.StatusOK, "Vous êtes connecté·e comme member")
	if strings.Contains(rec.Body.String(), `name="password"`) {
		t.Error("a signed-in applicant is asked for a password")
	}
	form := joinForm("", "", "Deuxième Association")
	for _, k := range []string{"name", "email", "password"} {
		form.Del(k)
	}
	rec = b.post("/join", form)
	wantStatus(t, rec, http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN organisations o ON o.id = m.organisation_id
		WHERE m.user_id = $1 AND o.slug = 'deuxieme-association' AND m.role = 'owner' AND o.status = 'pending'`, id); n != 1 {
		t.Error("the signed-in applicant does not own the new organisation")
	}
	if f.count(t, `SELECT count(*) FROM users`) != users {
		t.Error("an account was created for a signed-in applicant")
	}
	wantStatus(t, b.get("/manage"), http.StatusOK, "ECPAT Luxembourg", "Deuxième Association")
}

func TestJoinRefusesBotsAndFloods(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	b := f.browser(t)
	b.get("/join")
	form := joinForm("Bot", "bot@example.net", "Spam Org")
	form.Set("homepage", "http://spam.example")
	wantStatus(t, b.post("/join", form), http.StatusTooManyRequests)
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE slug = 'spam-org'`); n != 0 {
		t.Error("the honeypot let an application through")
	}
	// Five applications an hour from one address, then a clear refusal.
	for i := range 6 {
		c := f.browser(t)
		c.get("/join")
		rec := c.post("/join", joinForm("P", fmt.Sprintf("p%d@example.net", i), fmt.Sprintf("Org %d", i)))
		want := http.StatusSeeOther
		if i == 5 {
			want = http.StatusTooManyRequests
		}
		if rec.Code != want {
			t.Fatalf("application %d: %d, want %d", i, rec.Code, want)
		}
		if i == 5 && !strings.Contains(rec.Body.String(), "Trop de demandes") {
			t.Error("no clear message when the limit is reached")
		}
	}
}
