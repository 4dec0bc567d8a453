package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// TestMergeJourney: someone lists ECPAT Luxembourg a second time through
// /join, past the look-alike warning; an admin merges the duplicate into
// the organisation listed first, from the duplicate's admin page through
// the confirmation of what moves (both pass axe-core); the duplicate's
// address then answers 301 and a browser lands on the kept profile.
func TestMergeJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "admin@partners.test", accounts.RoleAdmin, "")

	b := newBrowser(t, a.URL)
	b.acceptLanguage("fr")
	b.visit("/join")
	b.do("list ECPAT Luxembourg again",
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Jean Dupont"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "jean@ecpat-doublon.example.net"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword),
		chromedp.SendKeys(chromedp.CSS("#f-org_name"), "ECPAT Luxembourg"),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "21"),
		chromedp.SetValue(chromedp.CSS("#f-countries"), "LU"),
		chromedp.SendKeys(chromedp.CSS("#f-description"), "Lutte contre l'exploitation sexuelle des enfants."),
		chromedp.SendKeys(chromedp.CSS("#f-contact_email"), "contact@ecpat-doublon.example.net"),
	)
	b.clickAndLoad(`main form.form button[type="submit"]`)
	// The look-alike warning offers to claim the listed one; they go on.
	if n := eval[int](b, `document.querySelectorAll(".lookalikes a[href$='/claim']").length`); n == 0 {
		t.Fatalf("no look-alike warning for a second ECPAT Luxembourg:\n%s", b.text("main"))
	}
	b.do("type the password again", chromedp.SendKeys(chromedp.CSS("#f-password"), testPassword))
	b.clickAndLoad(`main form.form button[type="submit"]`)
	if p := b.path(); p != "/join/received?org=ecpat-luxembourg-2" {
		t.Fatalf("after applying: %s\n%s", p, b.text("main"))
	}
	var dup int64
	if err := a.pool.QueryRow(t.Context(), `SELECT id FROM organisations WHERE slug = 'ecpat-luxembourg-2'`).Scan(&dup); err != nil {
		t.Fatal(err)
	}

	admin := newBrowser(t, a.URL)
	admin.acceptLanguage("fr")
	admin.login("admin@partners.test")
	admin.enrolTwoFactor()
	admin.visit(fmt.Sprintf("/admin/organisations/%d", dup))
	admin.do("name the organisation kept", chromedp.SendKeys(chromedp.CSS("#merge-into"), "ecpat-luxembourg"))
	admin.clickAndLoad(`form[action$="/merge"] button[type="submit"]`)
	admin.waitText("main", "Fusion de ECPAT Luxembourg dans ECPAT Luxembourg")
	admin.axeCheck("admin-merge")
	admin.shot("admin-merge")
	admin.clickAndLoad(`form[method="post"][action$="/merge"] button[type="submit"]`)
	admin.waitText("p.notice", "Fusion faite")
	admin.axeCheck("admin-merged")

	// The old address: 301 to the kept profile, which a browser shows.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(a.URL + "/organisations/ecpat-luxembourg-2")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/organisations/ecpat-luxembourg" {
		t.Errorf("old address: %d → %q, want 301 → /organisations/ecpat-luxembourg", res.StatusCode, res.Header.Get("Location"))
	}
	visitor := newBrowser(t, a.URL)
	visitor.visit("/organisations/ecpat-luxembourg-2")
	if p := visitor.path(); p != "/organisations/ecpat-luxembourg" {
		t.Errorf("the old address lands on %s", p)
	}
	visitor.waitText("h1", "ECPAT Luxembourg")
}
