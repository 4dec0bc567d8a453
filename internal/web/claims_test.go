package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
)

var claimLink = regexp.MustCompile(`http://partners\.test(/claims/confirm\?token=[A-Za-z0-9_%-]+)`)

func TestClaimByEmailDomain(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.users(t, "claimant@example.org", "other@example.org")

	// The unowned profile invites its people to claim it.
	anon := f.browser(t)
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK,
		`href="/organisations/ecpat-luxembourg/claim"`, "Fiche relue par l&#39;organisation le")
	// Anonymous visitors are asked to sign in or create an account first.
	rec := anon.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, rec, http.StatusOK, `<meta name="robots" content="noindex">`, `href="/login?next=%2forganisations%2fecpat-luxembourg%2fclaim"`,
		`href="/signup?next=%2forganisations%2fecpat-luxembourg%2fclaim"`)
	if strings.Contains(rec.Body.String(), `action="/organisations/ecpat-luxembourg/claim/domain"`) {
		t.Error("an anonymous visitor gets the claim forms")
	}
	anon.get("/login")
	if rec := anon.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"Moi"}}); rec.Code != http.StatusSeeOther ||
		!strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous claim request: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	b := f.browser(t)
	b.login("claimant@example.org")
	wantStatus(t, b.get("/organisations/ecpat-luxembourg/claim"), http.StatusOK, "ecpat.lu", `action="/organisations/ecpat-luxembourg/claim/domain"`)
	refusals := []struct{ email, want string }{
		{"someone@gmail.com", "messagerie gratuite"},
		{"someone@ecpat.lu.evil.example", "doit être chez ecpat.lu"},
		{"someone@notecpat.lu", "doit être chez ecpat.lu"},
		{"not an address", "Adresse e-mail invalide"},
	}
	for _, r := range refusals {
		rec := b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {r.email}})
		wantStatus(t, rec, http.StatusUnprocessableEntity, r.want, `id="err-email"`, `value="`+r.email+`"`)
	}
	if n := f.count(t, `SELECT count(*) FROM organisation_claims`) + f.count(t, `SELECT count(*) FROM mail_messages`); n != 0 {
		t.Fatalf("refused claims stored %d claims or mails", n)
	}

	// An address at the website's domain (any case, any subdomain) gets
	// the link.
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"Fabienne@Mail.ECPAT.lu"}}), http.StatusSeeOther)
	wantStatus(t, b.get("/organisations/ecpat-luxembourg/claim?sent=domain"), http.StatusOK, "C&#39;est envoyé")
	m := claimLink.FindStringSubmatch(f.lastMail(t, "Fabienne@Mail.ECPAT.lu"))
	if m == nil {
		t.Fatal("no claim link in the mail")
	}
	link := m[1]
	var hashLen int
	if err := f.pool.QueryRow(t.Context(), `SELECT length(token_hash) FROM organisation_claims WHERE organisation_id = $1`, org).Scan(&hashLen); err != nil || hashLen != 32 {
		t.Errorf("token stored as %d bytes (%v), want its SHA-256", hashLen, err)
	}
	if n := f.count(t, `SELECT count(*) FROM organisation_claims WHERE token_hash = convert_to($1, 'UTF8')`, strings.TrimPrefix(link, "/claims/confirm?token=")); n != 0 {
		t.Error("the token is stored in clear")
	}
	// Asking twice is refused while the first link is pending.
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"fabienne@ecpat.lu"}}), http.StatusConflict, "déjà une demande en cours")

	// Someone else signed in cannot use the link.
	o := f.browser(t)
	o.login("other@example.org")
	wantStatus(t, o.get(link), http.StatusForbidden, "un autre compte")
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/claims/confirm?"))
	wantStatus(t, o.post("/claims/confirm", url.Values{"token": {token.Get("token")}}), http.StatusForbidden)
	// Opened without a session: sign in first, then back to the link.
	if rec := anon.get(link); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=%2Fclaims%2Fconfirm") {
		t.Errorf("anonymous link: %d %q", rec.Code, rec.Header().Get("Location"))
	}

	// The claimant opens it and confirms: they own the organisation.
	wantStatus(t, b.get(link), http.StatusOK, "ECPAT Luxembourg", "Fabienne@Mail.ECPAT.lu", `name="token"`)
	rec = b.post("/claims/confirm", url.Values{"token": {token.Get("token")}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/manage/ecpat-luxembourg?saved=1" {
		t.Errorf("after confirming: %q", loc)
	}
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'claimant@example.org' AND m.organisation_id = $1 AND m.role = 'owner'`, org); n != 1 {
		t.Fatal("the claimant is not the owner")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.claim_confirm' AND organisation_id = $1`, org); n != 1 {
		t.Error("the claim is not audited")
	}
	wantStatus(t, b.get("/manage/ecpat-luxembourg"), http.StatusOK)

	// Single use.
	wantStatus(t, b.get(link), http.StatusNotFound, "plus valable")
	wantStatus(t, b.post("/claims/confirm", url.Values{"token": {token.Get("token")}}), http.StatusNotFound)

	// The organisation has an owner now: no claim link, no more claims.
	// (A membership reaches the cached profile through the change
	// notification, within milliseconds: wait for it.)
	apptest.Settle(t, f.app)
	if strings.Contains(anon.get("/organisations/ecpat-luxembourg").Body.String(), "/claim") {
		t.Error("an owned organisation still shows the claim link")
	}
	wantStatus(t, o.get("/organisations/ecpat-luxembourg/claim"), http.StatusOK, "a déjà un responsable")
	wantStatus(t, o.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"other@ecpat.lu"}}), http.StatusConflict, "a déjà un responsable")
	wantStatus(t, o.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"C'est moi."}}), http.StatusConflict, "a déjà un responsable")
}

func TestClaimLinkExpires(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "claimant@example.org", "", "", "")
	b := f.browser(t)
	b.login("claimant@example.org")
	b.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"me@ecpat.lu"}}), http.StatusSeeOther)
	link := claimLink.FindStringSubmatch(f.lastMail(t, "me@ecpat.lu"))[1]
	var hours float64
	if err := f.pool.QueryRow(t.Context(), `SELECT extract(epoch FROM expires_at - created_at) / 3600 FROM organisation_claims`).Scan(&hours); err != nil || hours < 47.9 || hours > 48.1 {
		t.Errorf("link valid for %.2f hours (%v), want 48", hours, err)
	}
	f.exec(t, `UPDATE organisation_claims SET expires_at = now() - interval '1 minute'`)
	wantStatus(t, b.get(link), http.StatusNotFound, "plus valable")
	token, _ := url.ParseQuery(strings.TrimPrefix(link, "/claims/confirm?"))
	wantStatus(t, b.post("/claims/confirm", url.Values{"token": {token.Get("token")}}), http.StatusNotFound)
	if n := f.count(t, `SELECT count(*) FROM memberships`); n != 0 {
		t.Error("an expired link made someone a member")
	}
	// The user may ask again once the link expired.
	b.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"me@ecpat.lu"}}), http.StatusSeeOther)
}

func TestClaimThroughAnAdmin(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.users(t, "first@example.org", "second@example.org")
	f.user(t, "editor@example.org", "", "partage-luxembourg-afrique", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	f.user(t, "admin@example.org", accounts.RoleAdmin, "", "")

	first := f.browser(t)
	first.login("first@example.org")
	first.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, first.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"  "}}), http.StatusUnprocessableEntity, `id="err-message"`)
	wantStatus(t, first.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"Je suis la trésorière d'ECPAT."}}), http.StatusSeeOther)
	wantStatus(t, first.get("/organisations/ecpat-luxembourg/claim?sent=admin"), http.StatusOK, "un administrateur l&#39;examine")
	wantStatus(t, first.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"Encore moi."}}), http.StatusConflict, "déjà une demande en cours")
	second := f.browser(t)
	second.login("second@example.org")
	second.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, second.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"Je dirige le bureau de Bamako."}}), http.StatusSeeOther)
	firstID := f.count(t, `SELECT id FROM organisation_claims WHERE message LIKE 'Je suis%'`)
	secondID := f.count(t, `SELECT id FROM organisation_claims WHERE message LIKE 'Je dirige%'`)

	// Only admins, with two-factor authentication, see the queue.
	for _, who := range []string{"editor@example.org", "staff@example.org"} {
		br := f.browser(t)
		br.login(who)
		wantStatus(t, br.get("/admin/claims"), http.StatusForbidden)
		br.get("/manage")
		wantStatus(t, br.post(fmt.Sprintf("/admin/claims/%d/approve", firstID), nil), http.StatusForbidden)
	}
	admin := f.browser(t)
	admin.login("admin@example.org")
	if rec := admin.get("/admin/claims"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa" {
		t.Fatalf("admin without 2FA: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	enrolTwoFactor(t, admin)
	wantStatus(t, admin.get("/admin/claims"), http.StatusOK, "ECPAT Luxembourg", "first@example.org", "Je suis la trésorière d&#39;ECPAT.",
		"second@example.org", fmt.Sprintf(`action="/admin/claims/%d/reject"`, secondID))

	// A refusal needs a reason, which the claimant receives.
	wantStatus(t, admin.post(fmt.Sprintf("/admin/claims/%d/reject", firstID), url.Values{"reason": {""}}), http.StatusUnprocessableEntity,
		fmt.Sprintf(`id="err-reason-%d"`, firstID))
	wantStatus(t, admin.post(fmt.Sprintf("/admin/claims/%d/reject", firstID), url.Values{"reason": {"Nous n'avons pas pu vérifier votre rôle."}}), http.StatusSeeOther)
	if m := f.lastMail(t, "first@example.org"); !strings.Contains(m, "Nous n'avons pas pu vérifier votre rôle.") {
		t.Errorf("rejection mail lacks the reason:\n%s", m)
	}
	wantStatus(t, admin.post(fmt.Sprintf("/admin/claims/%d/approve", firstID), nil), http.StatusConflict, "déjà été traitée")

	// Approval makes the claimant the owner and tells them.
	wantStatus(t, admin.post(fmt.Sprintf("/admin/claims/%d/approve", secondID), nil), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'second@example.org' AND m.organisation_id = $1 AND m.role = 'owner'`, org); n != 1 {
		t.Fatal("approval did not make the claimant owner")
	}
	if m := f.lastMail(t, "second@example.org"); !strings.Contains(m, "http://partners.test/manage/ecpat-luxembourg") {
		t.Errorf("approval mail:\n%s", m)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('organisation.claim_approve', 'organisation.claim_reject')`); n != 2 {
		t.Errorf("%d audited decisions, want 2", n)
	}
	wantStatus(t, admin.get("/admin/claims"), http.StatusOK, "Aucune demande en attente")
	wantStatus(t, second.get("/manage/ecpat-luxembourg"), http.StatusOK)
	wantStatus(t, first.get("/manage/ecpat-luxembourg"), http.StatusNotFound)
}

func TestSignUpToClaim(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "known@example.org", "", "", "")
	users := f.count(t, `SELECT count(*) FROM users`)
	b := f.browser(t)
	wantStatus(t, b.get("/signup?next=%2Forganisations%2Fecpat-luxembourg%2Fclaim"), http.StatusOK,
		`name="next" value="/organisations/ecpat-luxembourg/claim"`, `name="password"`)
	wantStatus(t, b.post("/signup", url.Values{"name": {"Fabienne"}, "email": {"known@EXAMPLE.org"}, "password": {testPassword},
		"next": {"/organisations/ecpat-luxembourg/claim"}}), http.StatusConflict, "Un compte existe déjà", `value="Fabienne"`)
	wantStatus(t, b.post("/signup", url.Values{"name": {""}, "email": {"fab@example.net"}, "password": {"short"}}),
		http.StatusUnprocessableEntity, `id="err-name"`, `id="err-password"`, `value="fab@example.net"`)
	if f.count(t, `SELECT count(*) FROM users`) != users {
		t.Fatal("a refused sign-up created an account")
	}
	rec := b.post("/signup", url.Values{"name": {"Fabienne"}, "email": {"fab@example.net"}, "password": {testPassword},
		"next": {"/organisations/ecpat-luxembourg/claim"}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/organisations/ecpat-luxembourg/claim" {
		t.Errorf("after sign-up: %q", loc)
	}
	// Signed in, the claim forms wait for the address to be confirmed
	// (TestSignUpVerifyThenClaim); then they are there.
	wantStatus(t, b.get("/organisations/ecpat-luxembourg/claim"), http.StatusOK, "confirmez d&#39;abord votre adresse")
	f.confirmAddress(t, b, "fab@example.net")
	wantStatus(t, b.get("/organisations/ecpat-luxembourg/claim"), http.StatusOK, `action="/organisations/ecpat-luxembourg/claim/domain"`)
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.signup'`); n != 1 {
		t.Errorf("%d sign-ups audited, want 1", n)
	}
	// next cannot leave the site.
	b2 := f.browser(t)
	b2.get("/signup")
	rec = b2.post("/signup", url.Values{"name": {"X"}, "email": {"x@example.net"}, "password": {testPassword}, "next": {"//evil.example"}})
	if loc := rec.Header().Get("Location"); loc != "/manage" {
		t.Errorf("next=//evil.example redirected to %q", loc)
	}
}
