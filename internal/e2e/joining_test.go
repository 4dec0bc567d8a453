package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestJoinJourney: from the footer of any page, a newcomer lists their
// organisation; the form's errors, the form, the "pending review" page,
// the claim page, the sign-up page and the admins' claims page pass
// axe-core; the acknowledgment mail arrives over SMTP.
func TestJoinJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "admin@partners.test", "admin", "")

	b := newBrowser(t, a.URL)
	b.acceptLanguage("fr")
	b.visit("/")
	b.clickAndLoad(`footer a[href="/join"]`)
	b.axeCheck("join")
	b.shot("join")
	b.clickAndLoad(`main form.form button[type="submit"]`)
	if n := eval[int](b, `document.querySelectorAll(".field-error").length`); n < 5 {
		t.Fatalf("an empty application shows %d field errors", n)
	}
	b.axeCheck("join-errors")
	b.shot("join-errors")

	b.do("fill the application",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Awa Traoré"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "awa@ecoles-du-sahel.example.net"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#f-org_name"), "Écoles du Sahel"),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "22"),
		chromedp.SetValue(chromedp.CSS("#f-countries"), "ML"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "Des écoles de brousse pour les enfants nomades."),
		chromedp.SendKeys(chromedp.CSS("#f-contact_email"), "contact@ecoles-du-sahel.example.net"),
	)
	b.clickAndLoad(`main form.form button[type="submit"]`)
	// A listed organisation with a close name is offered to be claimed
	// instead (issue 14); this one is another: go on.
	if eval[int](b, `document.querySelectorAll(".lookalikes a[href$='/claim']").length`) > 0 {
		b.axeCheck("join-lookalikes")
		b.shot("join-lookalikes")
		b.do("type the password again", chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
		b.clickAndLoad(`main form.form button[type="submit"]`)
	}
	if p := b.path(); p != "/join/received?org=ecoles-du-sahel" {
		t.Fatalf("after applying: %s\n%s", p, b.text("main"))
	}
	b.waitText("main", "En attente de validation")
	b.axeCheck("join-received")
	b.shot("join-received")

	deadline := time.Now().Add(stepTimeout)
	for found := false; !found; {
		for _, m := range a.smtp.Messages() {
			found = found || (len(m.To) == 1 && m.To[0] == "awa@ecoles-du-sahel.example.net" && strings.Contains(m.Subject(), "Écoles du Sahel"))
		}
		if !found && time.Now().After(deadline) {
			t.Fatalf("no acknowledgment mail after %s", stepTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The account holds nothing until its address is proven: the owner
	// follows the link mailed to it, signed in, and confirms.
	b.visit("/manage")
	b.waitText("main", "Confirmez votre adresse e-mail awa@ecoles-du-sahel.example.net")
	b.visit(a.mailedLink(t, "awa@ecoles-du-sahel.example.net", "/account/verify?token="))
	b.axeCheck("verify-email")
	b.shot("verify-email")
	b.clickAndLoad(`main form.form button[type="submit"]`)
	b.waitText("main", "votre adresse e-mail est confirmée")
	b.visit("/manage")
	b.waitText("main", "Écoles du Sahel")

	// Signed in as the new owner, they claim another, unowned organisation
	// through an admin.
	b.visit("/organisations/partage-luxembourg-afrique/claim")
	b.axeCheck("claim")
	b.shot("claim")
	b.do("write to the admins", chromedp.SendKeys(chromedp.CSS("#f-message"), "Je suis aussi bénévole chez PLA."))
	b.clickAndLoad(`form[action$="/claim/admin"] button[type="submit"]`)
	b.waitText("main", "un administrateur l'examine")

	anon := newBrowser(t, a.URL)
	anon.visit("/signup")
	anon.axeCheck("signup")

	admin := newBrowser(t, a.URL)
	admin.acceptLanguage("fr")
	admin.login("admin@partners.test")
	admin.enrolTwoFactor()
	admin.visit("/admin/claims")
	admin.waitText("main", "Je suis aussi bénévole chez PLA.")
	admin.axeCheck("admin-claims")
	admin.shot("admin-claims")

	var status string
	if err := a.pool.QueryRow(context.Background(), `SELECT status FROM organisations WHERE slug = 'ecoles-du-sahel'`).Scan(&status); err != nil || status != "pending" {
		t.Errorf("the listed organisation: %q (%v), want pending", status, err)
	}
}

// mailedLink waits for a mail to to holding a link to this app's path
// starting with prefix, and returns that link's path and query.
func (a *app) mailedLink(t *testing.T, to, prefix string) string {
	t.Helper()
	link := regexp.MustCompile(regexp.QuoteMeta(a.URL+prefix) + `[A-Za-z0-9_%-]+`)
	deadline := time.Now().Add(stepTimeout)
	for {
		for _, m := range a.smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == to {
				if l := link.FindString(m.Text()); l != "" {
					return strings.TrimPrefix(l, a.URL)
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to %s with a link to %s after %s", to, prefix, stepTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
