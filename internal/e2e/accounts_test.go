package e2e

import (
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
)

// login signs in through the login page with testPassword.
func (b *browser) login(email string) {
	b.t.Helper()
	b.visit("/login")
	b.do("fill the login form",
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
	)
	b.clickAndLoad(`main form button[type="submit"]`)
	if p := b.path(); strings.HasPrefix(p, "/login") && !strings.HasPrefix(p, "/login/2fa") {
		b.t.Fatalf("login as %s failed: %s", email, b.text("main"))
	}
}

// enrolTwoFactor turns on two-factor authentication, as staff must,
// with the secret the page shows.
func (b *browser) enrolTwoFactor() {
	b.t.Helper()
	b.visit("/account/2fa")
	secret := b.text("#totp-secret")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	b.do("type the code", chromedp.SendKeys(chromedp.CSS("#code"), code))
	b.clickAndLoad(`main form[action="/account/2fa"] button[type="submit"]`)
	b.waitText("main", "")
	if n := eval[int](b, `document.querySelectorAll(".recovery li").length`); n == 0 {
		b.t.Fatalf("two-factor enrolment: no recovery codes shown:\n%s", b.text("main"))
	}
}
