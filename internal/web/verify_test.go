package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// mailedLink is the path of the link in the latest mail of purpose to
// address, as the recipient would follow it.
func (f *fixture) mailedLink(t *testing.T, to, purpose string) string {
	t.Helper()
	var text string
	err := f.pool.QueryRow(context.Background(), `SELECT text_body FROM mail_messages WHERE to_email = $1 AND purpose = $2
		ORDER BY id DESC LIMIT 1`, to, purpose).Scan(&text)
	if err != nil {
		t.Fatalf("no %s mail to %s: %v", purpose, to, err)
	}
	m := mailLink.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no link in the %s mail to %s:\n%s", purpose, to, text)
	}
	return m[1]
}

// linkToken is the token of a mailed link's path.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("token") == "" {
		t.Fatalf("no token in %q", link)
	}
	return u.Query().Get("token")
}

// confirmAddress follows, in b (signed in as its owner), the verification
// link mailed to email and confirms it, as its owner would.
func (f *fixture) confirmAddress(t *testing.T, b *browser, email string) {
	t.Helper()
	link := f.mailedLink(t, email, accounts.PurposeVerify)
	if !strings.HasPrefix(link, "/account/verify?token=") {
		t.Fatalf("verification link %q", link)
	}
	wantStatus(t, b.get(link), http.StatusOK, `action="/account/verify"`, `name="token"`)
	rec := b.post("/account/verify", url.Values{"token": {linkToken(t, link)}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/account?done=verified" {
		t.Fatalf("after confirming: %q", loc)
	}
}

// signUp creates an account through /signup in a new browser, signed in
// as it.
func (f *fixture) signUp(t *testing.T, name, email string) *browser {
	t.Helper()
	b := f.browser(t)
	b.get("/signup")
	wantStatus(t, b.post("/signup", url.Values{"name": {name}, "email": {email}, "password": {testPassword}}), http.StatusSeeOther)
	b.get("/account") // the new session's form token
	return b
}

func (f *fixture) verified(t *testing.T, email string) bool {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM users WHERE email = $1 AND email_verified_at IS NOT NULL`, email) == 1
}

// TestTakeoverPathHoldsNothingUntilTheInvitationIsAccepted is the account
// takeover before registration: someone signs up with an organisation's
// public address before its people do, and the organisation's owner
// invites that address. The account holds no membership and sees neither
// the organisation's pages nor its offers, signed in or signed in again;
// another account cannot accept the invitation; only the owner of the
// address, signed in as it, makes the membership exist by accepting the
// mailed link.
func TestTakeoverPathHoldsNothingUntilTheInvitationIsAccepted(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	f.user(t, "bystander@example.org", "", "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	offer := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "donor@example.com")

	attacker := f.signUp(t, "Info", "info@some-ngo.org")
	if f.verified(t, "info@some-ngo.org") {
		t.Fatal("a signed-up account is verified")
	}
	wantStatus(t, attacker.get("/account"), http.StatusOK, "adresse non vérifiée", "Confirmez votre adresse e-mail info@some-ngo.org",
		`action="/account/verify/resend"`)

	owner := f.browser(t)
	owner.login("owner@example.org")
	owner.get("/manage/ecpat-luxembourg/access")
	wantStatus(t, owner.post("/manage/ecpat-luxembourg/access", url.Values{"email": {"info@some-ngo.org"}, "name": {"Info"}, "role": {"editor"}}),
		http.StatusSeeOther)
	link := f.mailedLink(t, "info@some-ngo.org", accounts.PurposeInviteAccept)
	if !strings.HasPrefix(link, "/invitation/accept?token=") {
		t.Fatalf("invitation link %q", link)
	}
	token := linkToken(t, link)

	offerPage := fmt.Sprintf("/manage/offers/%d", offer.ID)
	holdsNothing := func(who string, b *browser) {
		t.Helper()
		if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'info@some-ngo.org'`); n != 0 {
			t.Errorf("%s: the invited address holds %d memberships", who, n)
		}
		for _, p := range []string{"/manage/ecpat-luxembourg", "/manage/ecpat-luxembourg/access", offerPage} {
			wantStatus(t, b.get(p), http.StatusNotFound)
		}
		for _, p := range []string{"/manage", "/manage/offers", "/manage/offers.csv"} {
			rec := b.get(p)
			if rec.Code != http.StatusOK || strings.Contains(rec.Body.String(), offer.Reference) ||
				strings.Contains(rec.Body.String(), `href="/manage/ecpat-luxembourg"`) {
				t.Errorf("%s: GET %s: %d, shows the organisation or its offer %s", who, p, rec.Code, offer.Reference)
			}
		}
		b.get("/account")
		rec := b.post("/manage/ecpat-luxembourg", url.Values{"version": {"1"}, "name": {"Taken over"}, "kind": {"22"}, "countries": {"LU"}})
		wantStatus(t, rec, http.StatusNotFound)
	}
	holdsNothing("signed in", attacker)
	again := f.browser(t)
	again.login("info@some-ngo.org")
	holdsNothing("signed in again", again)

	// Another account opening the link is refused, and nothing changes.
	bystander := f.browser(t)
	bystander.login("bystander@example.org")
	wantStatus(t, bystander.get(link), http.StatusForbidden, "envoyé à un autre compte")
	wantStatus(t, bystander.post("/invitation/accept", url.Values{"token": {token}}), http.StatusForbidden, "envoyé à un autre compte")
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE organisation_id = $1`, org); n != 1 {
		t.Errorf("%d members after another account's attempt, want the owner alone", n)
	}
	holdsNothing("after another account's attempt", attacker)

	// Opened signed out: sign in first, then back to the link.
	anon := f.browser(t)
	rec := anon.get(link)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=%2Finvitation%2Faccept%3Ftoken%3D") {
		t.Fatalf("signed out: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	next, _ := url.Parse(rec.Header().Get("Location"))
	anon.get(rec.Header().Get("Location"))
	rec = anon.post("/login", url.Values{"email": {"info@some-ngo.org"}, "password": {testPassword}, "next": {next.Query().Get("next")}})
	if loc := rec.Header().Get("Location"); loc != link {
		t.Fatalf("after signing in: %q, want back to %q", loc, link)
	}

	// The address's owner, signed in as it, sees what they accept, and
	// accepts.
	wantStatus(t, anon.get(link), http.StatusOK, "ECPAT Luxembourg", "Éditeur", `action="/invitation/accept"`)
	holdsNothing("the invitation opened", anon)
	rec = anon.post("/invitation/accept", url.Values{"token": {token}})
	wantStatus(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/manage/ecpat-luxembourg" {
		t.Errorf("after accepting: %q", loc)
	}
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'info@some-ngo.org' AND m.organisation_id = $1 AND m.role = 'editor'`, org); n != 1 {
		t.Fatal("accepting the invitation did not make the membership")
	}
	if !f.verified(t, "info@some-ngo.org") {
		t.Error("accepting the invitation did not prove the address")
	}
	wantStatus(t, anon.get("/manage/ecpat-luxembourg"), http.StatusOK)
	wantStatus(t, anon.get("/manage/offers"), http.StatusOK, offer.Reference)
	wantStatus(t, anon.get(offerPage), http.StatusOK)
	if strings.Contains(anon.get("/account").Body.String(), "adresse non vérifiée") {
		t.Error("the account still says its address is not verified")
	}
	// Single use.
	wantStatus(t, anon.get(link), http.StatusNotFound, "n&#39;est plus valable")
	wantStatus(t, anon.post("/invitation/accept", url.Values{"token": {token}}), http.StatusNotFound)
}

// TestSignUpVerifyThenClaim: a signed-up account can sign in and is told
// to confirm, but holds nothing and claims nothing; the mailed link,
// followed signed in, proves the address (once; another account cannot
// use it); then the claim goes through.
func TestSignUpVerifyThenClaim(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.users(t, "other@example.org")
	b := f.signUp(t, "Fabienne", "fab@example.net")
	wantStatus(t, b.get("/manage"), http.StatusOK, "Confirmez votre adresse e-mail fab@example.net", "Renvoyer le lien")
	rec := b.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, rec, http.StatusOK, "Pour revendiquer une fiche, confirmez d&#39;abord votre adresse")
	if strings.Contains(rec.Body.String(), `action="/organisations/ecpat-luxembourg/claim/`) {
		t.Error("an unverified account gets the claim forms")
	}
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"C'est moi."}}), http.StatusForbidden,
		"confirmez d&#39;abord votre adresse")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/domain", url.Values{"email": {"fab@ecpat.lu"}}), http.StatusForbidden)
	if n := f.count(t, `SELECT count(*) FROM organisation_claims`) + f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'fab@ecpat.lu'`); n != 0 {
		t.Fatalf("an unverified account's claims stored %d claims or mails", n)
	}

	// In English too.
	en := f.browser(t)
	en.header.Set("Accept-Language", "en")
	en.login("fab@example.net")
	wantStatus(t, en.get("/account"), http.StatusOK, "address not verified", "Confirm your email address fab@example.net", "Send the link again")

	link := f.mailedLink(t, "fab@example.net", accounts.PurposeVerify)
	// Another account cannot use it.
	o := f.browser(t)
	o.login("other@example.org")
	wantStatus(t, o.get(link), http.StatusForbidden, "envoyé à un autre compte")
	wantStatus(t, o.post("/account/verify", url.Values{"token": {linkToken(t, link)}}), http.StatusForbidden)
	if f.verified(t, "fab@example.net") {
		t.Fatal("another account's attempt verified the address")
	}
	// Signed out: sign in first, then back to the link.
	if rec := f.browser(t).get(link); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=%2Faccount%2Fverify%3Ftoken%3D") {
		t.Errorf("signed out: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	// A mail scanner's GET changes nothing.
	b.get(link)
	if f.verified(t, "fab@example.net") {
		t.Fatal("opening the link verified the address without the button")
	}

	f.confirmAddress(t, b, "fab@example.net")
	if !f.verified(t, "fab@example.net") {
		t.Fatal("the link did not verify the address")
	}
	rec = b.get("/account?done=verified")
	wantStatus(t, rec, http.StatusOK, "votre adresse e-mail est confirmée", "adresse vérifiée")
	if strings.Contains(rec.Body.String(), "Renvoyer le lien") {
		t.Error("a verified account is still asked to confirm")
	}
	// Single use.
	wantStatus(t, b.get(link), http.StatusNotFound, "n&#39;est plus valable")
	wantStatus(t, b.post("/account/verify", url.Values{"token": {linkToken(t, link)}}), http.StatusNotFound, "n&#39;est plus valable")

	// Now the claim goes through.
	wantStatus(t, b.get("/organisations/ecpat-luxembourg/claim"), http.StatusOK, `action="/organisations/ecpat-luxembourg/claim/admin"`)
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"C'est moi."}}), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM organisation_claims WHERE status = 'pending'`); n != 1 {
		t.Errorf("%d claims once verified, want 1", n)
	}
}

// TestVerificationLinkExpiresAndResendIsLimited: an expired link is a
// clear 404 page and verifies nothing; a new one comes on request, but not
// twice within minutes.
func TestVerificationLinkExpiresAndResendIsLimited(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	b := f.signUp(t, "Late", "late@example.net")
	link := f.mailedLink(t, "late@example.net", accounts.PurposeVerify)
	f.exec(t, `UPDATE account_tokens SET expires_at = now() - interval '1 second', created_at = now() - interval '49 hours'`)
	wantStatus(t, b.get(link), http.StatusNotFound, "n&#39;est plus valable", "48 heures")
	wantStatus(t, b.post("/account/verify", url.Values{"token": {linkToken(t, link)}}), http.StatusNotFound)
	if f.verified(t, "late@example.net") {
		t.Fatal("an expired link verified the address")
	}

	b.get("/account")
	rec := b.post("/account/verify/resend", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, b.get(rec.Header().Get("Location")), http.StatusOK, "un nouveau lien est parti vers late@example.net")
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'late@example.net' AND purpose = $1`, accounts.PurposeVerify); n != 2 {
		t.Fatalf("%d verification mails, want 2", n)
	}
	rec = b.post("/account/verify/resend", nil)
	wantStatus(t, rec, http.StatusTooManyRequests, "Un lien vient de partir")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After on a refused resend")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'late@example.net'`); n != 2 {
		t.Errorf("a refused resend sent a mail (%d)", n)
	}
	if link2 := f.mailedLink(t, "late@example.net", accounts.PurposeVerify); link2 == link {
		t.Error("the new mail carries the expired link")
	}
	f.confirmAddress(t, b, "late@example.net")
	wantStatus(t, b.post("/account/verify/resend", nil), http.StatusConflict, "déjà confirmée")
}

// TestJoinOwnerHoldsNothingUntilVerified: /join lists the organisation
// with a membership that waits for the applicant's address; the admins'
// review shows the address unverified, then verified.
func TestJoinOwnerHoldsNothingUntilVerified(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	b := f.browser(t)
	b.get("/join")
	wantStatus(t, b.post("/join", joinForm("Awa Diallo", "awa@ngo-test.example.org", "Aide aux Enfants")), http.StatusSeeOther)
	org := f.orgID(t, "aide-aux-enfants")
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE organisation_id = $1 AND role = 'owner'`, org); n != 1 {
		t.Fatal("the application made no pending owner membership")
	}
	rec := b.get("/join/received?org=aide-aux-enfants")
	wantStatus(t, rec, http.StatusOK, "Aide aux Enfants", "Confirmez votre adresse e-mail awa@ngo-test.example.org")
	wantStatus(t, b.get("/manage/aide-aux-enfants"), http.StatusNotFound)
	if strings.Contains(b.get("/manage").Body.String(), `href="/manage/aide-aux-enfants"`) {
		t.Error("/manage lists the organisation of an unverified applicant")
	}
	wantStatus(t, b.get("/account"), http.StatusOK, "Aide aux Enfants", "prendra effet quand votre adresse sera confirmée")

	admin := f.signedIn(t, "admin@partners.test", true)
	unverified := regexp.MustCompile(`awa@ngo-test\.example\.org</span> <span class="tag warn">adresse non vérifiée</span>`)
	for _, p := range []string{"/admin/organisations?status=pending", fmt.Sprintf("/admin/organisations/%d", org), "/admin"} {
		if rec := admin.get(p); rec.Code != http.StatusOK || !unverified.MatchString(rec.Body.String()) {
			t.Errorf("GET %s: %d, does not show the owner's address unverified", p, rec.Code)
		}
	}

	f.confirmAddress(t, b, "awa@ngo-test.example.org")
	wantStatus(t, b.get("/manage"), http.StatusOK, `href="/manage/aide-aux-enfants"`)
	wantStatus(t, b.get("/manage/aide-aux-enfants"), http.StatusOK, "attend sa validation")
	verified := regexp.MustCompile(`awa@ngo-test\.example\.org</span> <span class="tag">adresse vérifiée</span>`)
	if rec := admin.get("/admin/organisations?status=pending"); !verified.MatchString(rec.Body.String()) {
		t.Errorf("the review list does not show the owner's address verified:\n%s", rec.Body.String())
	}
}

// TestAdminPagesShowAddressVerification: the users list and a user's page
// say whether each address is proven, in both languages, and the user's
// page lists the memberships that wait for it; the claims page says it of
// each claimant; an organisation's access page marks a member whose
// access waits for it.
func TestAdminPagesShowAddressVerification(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	claimant := f.signUp(t, "Claire", "claire@example.net")
	f.confirmAddress(t, claimant, "claire@example.net")
	claimant.get("/organisations/ecpat-luxembourg/claim")
	wantStatus(t, claimant.post("/organisations/ecpat-luxembourg/claim/admin", url.Values{"message": {"Je suis la présidente."}}), http.StatusSeeOther)
	f.signUp(t, "Una", "una@example.net")
	una := int64(f.count(t, `SELECT id FROM users WHERE email = 'una@example.net'`))
	if err := f.acc.AddMembership(context.Background(), audit.System("test"), una, f.orgID(t, "ecpat-luxembourg"), accounts.OrgEditor); err != nil {
		t.Fatal(err)
	}

	admin := f.signedIn(t, "admin@partners.test", true)
	wantStatus(t, admin.get("/admin/claims"), http.StatusOK, "Je suis la présidente.",
		`(claire@example.net), le`, `<span class="tag">adresse vérifiée</span>`)
	rec := admin.get("/admin/users")
	wantStatus(t, rec, http.StatusOK)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`una@example\.net</a> <span class="tag warn">adresse non vérifiée</span>`),
		regexp.MustCompile(`claire@example\.net</a> <span class="tag">adresse vérifiée</span>`),
		regexp.MustCompile(`admin@partners\.test</a> <span class="tag">adresse vérifiée</span>`),
	} {
		if !want.MatchString(rec.Body.String()) {
			t.Errorf("the users list lacks %s", want)
		}
	}
	wantStatus(t, admin.get(fmt.Sprintf("/admin/users/%d", una)), http.StatusOK, "adresse non vérifiée", "ECPAT Luxembourg")
	// The organisation's owner sees that Una's access waits.
	f.owner(t)
	owner := f.browser(t)
	owner.login("owner@example.org")
	wantStatus(t, owner.get("/manage/ecpat-luxembourg/access"), http.StatusOK,
		`una@example.net`, `<span class="tag warn">adresse non vérifiée</span> <span class="muted">sans accès tant que son adresse n&#39;est pas confirmée</span>`)

	admin.get("/lang?to=en&next=/admin/users")
	wantStatus(t, admin.get(fmt.Sprintf("/admin/users/%d", una)), http.StatusOK, "address not verified")
	wantStatus(t, admin.get("/admin/claims"), http.StatusOK, "address verified")
}
