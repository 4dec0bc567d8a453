package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/web"
)

// lastMail returns the text of the latest mail to address.
func (f *accountsFixture) lastMail(t *testing.T, to string) string {
	t.Helper()
	var text string
	err := f.pool.QueryRow(context.Background(), `SELECT text_body FROM mail_messages WHERE to_email = $1 ORDER BY id DESC LIMIT 1`, to).Scan(&text)
	if err != nil {
		t.Fatalf("no mail to %s: %v", to, err)
	}
	return text
}

var mailLink = regexp.MustCompile(`http://partners\.test(/[a-z/]+\?token=[A-Za-z0-9_%-]+)`)

func TestLoginLogoutAndSessionFixation(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	b := f.browser(t)

	rec := b.get("/login?next=/manage/ecpat-luxembourg")
	wantStatus(t, rec, http.StatusOK, "<h1>Se connecter</h1>", `name="csrf_token"`, `value="/manage/ecpat-luxembourg"`)
	planted := b.cookies[web.SessionCookie]
	if planted == nil || !planted.HttpOnly || planted.SameSite != http.SameSiteLaxMode || planted.Secure {
		t.Fatalf("session cookie %+v", planted)
	}

	rec = b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"not the password"}})
	wantStatus(t, rec, http.StatusUnauthorized, "Adresse e-mail ou mot de passe incorrect.", `value="owner@example.org"`)

	rec = b.post("/login", url.Values{"email": {"OWNER@example.org"}, "password": {testPassword}, "next": {"/manage/ecpat-luxembourg"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/manage/ecpat-luxembourg" {
		t.Errorf("redirect to %q", loc)
	}
	if b.cookies[web.SessionCookie].Value == planted.Value {
		t.Fatal("the session id did not change at login")
	}
	// The cookie from before login is worthless now.
	attacker := f.browser(t)
	attacker.cookies[web.SessionCookie] = planted
	if rec := attacker.get("/login"); rec.Code != http.StatusOK {
		t.Errorf("pre-login cookie is signed in: %d", rec.Code)
	}
	if rec := b.get("/login"); rec.Code != http.StatusSeeOther {
		t.Errorf("signed-in user sees the login form: %d", rec.Code)
	}

	// An open redirect through next is refused, in any of its spellings
	// (kit's TestSafeNext has the whole table).
	for _, next := range []string{"//evil.example/x", "/\t/evil.example", "/%09/evil.example", "/\\evil.example"} {
		b2 := f.browser(t)
		b2.get("/login")
		rec = b2.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}, "next": {next}})
		if loc := rec.Header().Get("Location"); loc != "/manage" {
			t.Errorf("next=%q redirected to %q", next, loc)
		}
	}

	// Logout ends the session on the server, not just in the browser.
	cookie := b.cookies[web.SessionCookie]
	b.get("/manage") // a page with the logout form, for the token
	rec = b.post("/logout", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	replay := f.browser(t)
	replay.cookies[web.SessionCookie] = cookie
	if rec := replay.get("/login"); rec.Code != http.StatusOK {
		t.Errorf("session cookie still signed in after logout: %d", rec.Code)
	}
}

func TestLoginRateLimitIgnoresForgedForwardedFor(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t, accounts.WithLoginLimits(3, 100, time.Hour))
	f.user(t, "owner@example.org", "", "", "")
	b := f.browser(t)
	b.get("/login")
	for i, xff := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
		rec := b.post("/login", url.Values{"email": {"nobody" + xff + "@example.org"}, "password": {"wrong password"}},
			"X-Forwarded-For", xff, "X-Real-IP", xff)
		if rec.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i, rec.Code)
		}
	}
	// A fourth address in X-Forwarded-For does not make a new client: the
	// limit is on the TCP peer (httptest's 192.0.2.1), so even the right
	// password is refused with a clear message.
	rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}},
		"X-Forwarded-For", "203.0.113.99", "X-Real-IP", "203.0.113.99")
	wantStatus(t, rec, http.StatusTooManyRequests, "Trop de tentatives de connexion")
	var ips []string
	rows, _ := f.pool.Query(context.Background(), `SELECT DISTINCT details->>'ip_hash' FROM audit_log WHERE action = 'user.login_failure'`)
	for rows.Next() {
		var ip string
		_ = rows.Scan(&ip)
		ips = append(ips, ip)
	}
	if len(ips) != 1 || ips[0] != f.ips.IP("192.0.2.1") {
		t.Errorf("failures recorded from %v, want only the peer 192.0.2.1 (%s)", ips, f.ips.IP("192.0.2.1"))
	}
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t, accounts.WithLoginLimits(100, 2, time.Hour))
	f.user(t, "owner@example.org", "", "", "")
	b := f.browser(t)
	b.header.Set("Accept-Language", "en")
	b.get("/login")
	for i := 0; i < 2; i++ {
		b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"wrong password"}})
	}
	rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {testPassword}})
	wantStatus(t, rec, http.StatusTooManyRequests, "Too many sign-in attempts")
}

func TestPasswordResetAndInvitationPages(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)

	b := f.browser(t)
	wantStatus(t, b.get("/login"), http.StatusOK, `href="/password/forgot"`)
	b.get("/password/forgot")
	unknown := b.post("/password/forgot", url.Values{"email": {"ghost@example.org"}})
	known := b.post("/password/forgot", url.Values{"email": {"owner@example.org"}})
	wantStatus(t, known, http.StatusOK, "Si un compte existe pour owner@example.org")
	if strings.ReplaceAll(unknown.Body.String(), "ghost", "owner") != known.Body.String() {
		t.Error("the answer differs for a known and an unknown address")
	}
	m := mailLink.FindStringSubmatch(f.lastMail(t, "owner@example.org"))
	if m == nil {
		t.Fatal("no reset link in the mail")
	}
	rec := b.get(m[1])
	wantStatus(t, rec, http.StatusOK, "Compte : owner@example.org", `name="token"`)
	if rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Error("the reset page may leak its token in Referer")
	}
	token := strings.TrimPrefix(m[1], "/password/reset?token=")
	token, _ = url.QueryUnescape(token)
	wantStatus(t, b.post("/password/reset", url.Values{"token": {token}, "password": {"short"}, "password_again": {"short"}}),
		http.StatusUnprocessableEntity, "trop court")
	rec = b.post("/password/reset", url.Values{"token": {token}, "password": {"the brand new passphrase"}, "password_again": {"the brand new passphrase"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, b.get("/password/reset?token="+url.QueryEscape(token)), http.StatusNotFound, "Ce lien n&#39;est plus valable")
	b.get("/login")
	if rec := b.post("/login", url.Values{"email": {"owner@example.org"}, "password": {"the brand new passphrase"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("login with the new password: %d", rec.Code)
	}

	// The owner invites a new editor; the editor cannot invite.
	wantStatus(t, b.get("/manage/ecpat-luxembourg/access"), http.StatusOK, "editor@example.org", "Inviter une personne")
	rec = b.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"not-an-email"}, "name": {"Nina"}, "role": {"editor"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, "Adresse e-mail invalide.", `value="Nina"`)
	rec = b.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"nina@example.org"}, "name": {"Nina"}, "role": {"editor"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, b.get("/manage/ecpat-luxembourg/access"), http.StatusOK, "nina@example.org", "invitation en attente")
	editor := f.browser(t)
	editor.login("editor@example.org")
	wantStatus(t, editor.get("/manage/ecpat-luxembourg/access"), http.StatusOK)
	if rec := editor.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"x@example.org"}, "name": {"X"}, "role": {"owner"}}); rec.Code != http.StatusForbidden {
		t.Errorf("an editor invited someone: %d", rec.Code)
	}
	m = mailLink.FindStringSubmatch(f.lastMail(t, "nina@example.org"))
	if m == nil || !strings.HasPrefix(m[1], "/invitation?token=") {
		t.Fatalf("invitation mail: %v", m)
	}
	nina := f.browser(t)
	wantStatus(t, nina.get(m[1]), http.StatusOK, "Accepter l&#39;invitation", "nina@example.org")
	itoken, _ := url.QueryUnescape(strings.TrimPrefix(m[1], "/invitation?token="))
	wantStatus(t, nina.post("/invitation", url.Values{"token": {itoken}, "password": {"nina's own passphrase"}, "password_again": {"nina's own passphrase"}}), http.StatusSeeOther)
	nina.get("/login")
	if rec := nina.post("/login", url.Values{"email": {"nina@example.org"}, "password": {"nina's own passphrase"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("invited editor's login: %d", rec.Code)
	}
	wantStatus(t, nina.get("/manage"), http.StatusOK, "ECPAT Luxembourg")
}

func TestChangePasswordEndsEverySession(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	a, b := f.browser(t), f.browser(t)
	a.login("owner@example.org")
	b.login("owner@example.org")
	a.get("/account/password")
	wantStatus(t, a.post("/account/password", url.Values{"current": {"wrong"}, "password": {"another long passphrase"},
		"password_again": {"another long passphrase"}}), http.StatusUnprocessableEntity, "Le mot de passe actuel est incorrect.")
	wantStatus(t, a.post("/account/password", url.Values{"current": {testPassword}, "password": {"another long passphrase"},
		"password_again": {"another long passphrase"}}), http.StatusSeeOther)
	for name, br := range map[string]*browser{"this browser": a, "the other browser": b} {
		if rec := br.get("/manage"); rec.Code != http.StatusSeeOther {
			t.Errorf("%s is still signed in after the password change: %d", name, rec.Code)
		}
	}
}
