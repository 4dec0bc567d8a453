package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAccountDeletionJourney: an NGO editor finds "Delete my account" on
// their account page, confirms with their password and lands, signed out,
// on the home page that says it is done; the page passes axe.
func TestAccountDeletionJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	id := a.user(t, "leaving@ecpat.test", "", "ecpat-luxembourg")
	b := newBrowser(t, a.URL)
	b.login("leaving@ecpat.test")
	b.visit("/account/sessions")
	b.clickAndLoad(`main a[href="/account/delete"]`)
	b.waitFor("the deletion form", `document.querySelector('main form[action="/account/delete"] #password') !== null`)
	b.axeCheck("account-delete")
	b.shot("account-delete")
	b.do("type the password", chromedp.SendKeys(chromedp.CSS("#password"), testPassword))
	b.clickAndLoad(`main form[action="/account/delete"] button[type="submit"]`)
	b.waitText("p.notice", "")
	if p := b.path(); p != "/?account=deleted" {
		t.Errorf("landed on %s, want the home page with the notice", p)
	}
	b.shot("deleted")
	b.visit("/manage")
	if p := b.path(); !strings.HasPrefix(p, "/login") {
		t.Errorf("after the deletion /manage went to %s, want the login page", p)
	}
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE id = $1`, id).Scan(&n); err != nil || n != 0 {
		t.Errorf("the user is still there (%d, %v)", n, err)
	}
}
