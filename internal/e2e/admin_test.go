package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// TestAdminJourney: a listing waits for review; an admin signs in
// (enrolling two-factor authentication, which admins must), finds it on
// /admin, tries to reject it without a reason (the error shows next to
// the field), rejects it with one: the owner receives the reason by mail
// and the organisation leaves the search. The admin pages pass axe-core.
func TestAdminJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	owner := a.user(t, "owner@ecpat.test", "", "ecpat-luxembourg")
	a.user(t, "admin@partners.test", accounts.RoleAdmin, "")
	if _, err := a.pool.Exec(t.Context(), `UPDATE memberships SET role = 'owner' WHERE user_id = $1`, owner); err != nil {
		t.Fatal(err)
	}
	if _, err := a.pool.Exec(t.Context(), `UPDATE organisations SET status = 'pending' WHERE slug = 'ecpat-luxembourg'`); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, a.URL)
	b.login("admin@partners.test")
	b.enrolTwoFactor()
	b.visit("/admin")
	b.waitText("main", "owner@ecpat.test")
	b.axeCheck("admin-home")
	b.shot("admin-home")
	b.clickXPathAndLoad(`//main//a[normalize-space(.)="ECPAT Luxembourg"]`)
	b.axeCheck("admin-organisation")
	b.shot("admin-organisation")

	b.clickAndLoad(`form[action$="/reject"] button[type="submit"]`)
	b.waitText("#reject-err", "")
	b.axeCheck("admin-reject-error")
	b.shot("admin-reject-error")
	const reason = "Le site web indiqué ne répond pas."
	b.do("type the reason", chromedp.SendKeys(chromedp.CSS("#reject-reason"), reason))
	b.clickAndLoad(`form[action$="/reject"] button[type="submit"]`)
	b.waitText("p.notice", "")
	b.shot("admin-rejected")

	msgs := a.smtp.WaitFor(1, stepTimeout)
	found := false
	for _, m := range msgs {
		if strings.Contains(strings.Join(m.To, ","), "owner@ecpat.test") && strings.Contains(m.Text(), reason) {
			found = true
		}
	}
	if !found {
		t.Errorf("no mail to the owner with the reason among %d messages", len(msgs))
	}

	// The draft leaves the index once the index job has run.
	waitIndexJobs(t, a, 3*stepTimeout)
	visitor := newBrowser(t, a.URL)
	deadline := time.Now().Add(stepTimeout)
	for {
		// A loaded machine may answer a poll with a refusal page (no
		// results block: search busy, or over the visitor's rate): only a
		// results block without the organisation ends the wait.
		visitor.visit("/search?q=ECPAT")
		results := eval[string](visitor, `(function(){var e=document.querySelector("#search-results");return e ? e.innerText : "\x00none"})()`)
		if results != "\x00none" && !strings.Contains(results, "ECPAT Luxembourg") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the rejected organisation is still found by search after %s (last results: %q)", stepTimeout, results)
		}
		time.Sleep(250 * time.Millisecond)
	}

	b.visit("/admin/users")
	b.axeCheck("admin-users")
	b.visit(fmt.Sprintf("/admin/users/%d", owner))
	b.waitText("main", "ECPAT Luxembourg")
	b.axeCheck("admin-user")
	b.shot("admin-user")
}
