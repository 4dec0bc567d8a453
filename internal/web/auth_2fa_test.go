package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

var (
	secretText   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	recoveryCode = regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code></li>`)
)

// enrolTwoFactor sets up TOTP for the signed-in user of b, as staff must.
func enrolTwoFactor(t *testing.T, b *browser) {
	t.Helper()
	m := secretText.FindStringSubmatch(b.get("/account/2fa").Body.String())
	if m == nil {
		t.Fatal("no two-factor secret shown")
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.post("/account/2fa", url.Values{"code": {code}}), http.StatusOK)
}

func TestStaffMustEnrolTwoFactorAndLoginAsksForTheCode(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")

	b := f.browser(t)
	b.login("staff@example.org")
	rec := b.get("/staff/offers")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa" {
		t.Fatalf("staff without two-factor: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = b.get("/account/2fa")
	wantStatus(t, rec, http.StatusOK, "exige la vérification en deux étapes", `src="data:image/png;base64,`)
	m := secretText.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the secret is not shown as text")
	}
	secret := m[1]
	if b.get("/account/2fa"); secretText.FindStringSubmatch(b.get("/account/2fa").Body.String())[1] != secret {
		t.Error("reloading the page changed the secret")
	}
	wantStatus(t, b.post("/account/2fa", url.Values{"code": {"000000"}}), http.StatusUnprocessableEntity, "Ce code n&#39;est pas valable")
	code, _ := totp.GenerateCode(secret, time.Now())
	rec = b.post("/account/2fa", url.Values{"code": {code}})
	wantStatus(t, rec, http.StatusOK, "Codes de secours")
	codes := recoveryCode.FindAllStringSubmatch(rec.Body.String(), -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	wantStatus(t, b.get("/staff/offers"), http.StatusOK, "<h1>Offres de soutien</h1>")
	wantStatus(t, b.post("/account/2fa/disable", url.Values{"code": {code}}), http.StatusForbidden)

	// Next login: the password alone does not sign in.
	other := f.browser(t)
	other.get("/login")
	rec = other.post("/login", url.Values{"email": {"staff@example.org"}, "password": {testPassword}, "next": {"/staff/offers"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login/2fa" {
		t.Fatalf("login with two-factor: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := other.get("/staff/offers"); rec.Code == http.StatusOK {
		t.Fatal("signed in with the password only")
	}
	wantStatus(t, other.get("/login/2fa"), http.StatusOK, "Code à 6 chiffres")
	wantStatus(t, other.post("/login/2fa", url.Values{"code": {"123456"}}), http.StatusUnauthorized, "Ce code n&#39;est pas valable")
	next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	rec = other.post("/login/2fa", url.Values{"code": {next}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/staff/offers" {
		t.Fatalf("code step: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	wantStatus(t, other.get("/staff/offers"), http.StatusOK, "<h1>Offres de soutien</h1>")

	// A recovery code works once.
	for i, want := range []int{http.StatusSeeOther, http.StatusUnauthorized} {
		br := f.browser(t)
		br.get("/login")
		br.post("/login", url.Values{"email": {"staff@example.org"}, "password": {testPassword}})
		br.get("/login/2fa")
		if rec := br.post("/login/2fa", url.Values{"code": {codes[0][1]}}); rec.Code != want {
			t.Errorf("recovery code, use %d: %d, want %d", i+1, rec.Code, want)
		}
	}
}
