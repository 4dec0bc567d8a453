package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// TestDonorStatusPageJourney: a donor sends an offer; the acknowledgment
// in their mailbox links to the offer's private status page, which says
// "received"; staff accept the offer in the inbox; the donor gets exactly
// one mail about it (in the language of the form, the browser's English), and the page now says "accepted". Every page passes
// axe-core.
func TestDonorStatusPageJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "staff@partners.test", accounts.RoleStaff, "")
	const donorEmail = "marie.dupont@example.com"

	donor := newBrowser(t, a.URL)
	donor.visit("/organisations/ecpat-luxembourg/offer")
	fillOffer(donor)
	donor.clickAndLoad(`form.form button[type="submit"]`)
	ref := donor.text(".reference strong")
	if !referenceFormat.MatchString(ref) {
		t.Fatalf("no reference after sending the offer: %q", ref)
	}

	link := regexp.MustCompile(regexp.QuoteMeta(a.URL+"/offers/status?token=") + `[A-Za-z0-9_.%-]+`)
	var status string
	donorMails := func() []string {
		var subjects []string
		for _, m := range a.smtp.Messages() {
			if slices.Contains(m.To, donorEmail) {
				subjects = append(subjects, m.Subject())
				if l := link.FindString(m.Text()); l != "" && status == "" {
					if !strings.Contains(m.Header().Get("Reply-To"), "triage@") {
						t.Errorf("acknowledgment Reply-To %q, want the triage mailbox", m.Header().Get("Reply-To"))
					}
					status = strings.TrimPrefix(l, a.URL)
				}
			}
		}
		return subjects
	}
	waitFor(t, "the acknowledgment with its status link", func() bool { donorMails(); return status != "" })

	donor.visit(status)
	if h1 := donor.text("h1"); !strings.Contains(h1, ref) {
		t.Fatalf("status page heading %q, want the reference %s", h1, ref)
	}
	if got := donor.text(`[data-status]`); !strings.HasPrefix(got, "Received") {
		t.Errorf("status before triage: %q, want received", got)
	}
	donor.axeCheck("donor-status-received")
	donor.shot("donor-status-received")

	staff := newBrowser(t, a.URL)
	staff.login("staff@partners.test")
	staff.enrolTwoFactor()
	staff.visit("/staff/offers")
	staff.waitText("main", ref)
	staff.clickXPathAndLoad(fmt.Sprintf(`//main//a[contains(normalize-space(.), %q)]`, ref))
	for _, st := range []string{"in_review", "accepted"} {
		staff.clickXPathAndLoad(fmt.Sprintf(`//form[.//input[@name="status" and @value=%q]]//button`, st))
	}

	accepted := "Your offer " + ref + " was accepted by ECPAT Luxembourg"
	waitFor(t, "the donor's mail about the acceptance", func() bool { return slices.Contains(donorMails(), accepted) })
	// Give a duplicate the time to arrive, then count: exactly one.
	var stored int
	if err := a.pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_messages m JOIN offers f ON f.id = m.offer_id
		WHERE f.reference = $1 AND m.purpose = 'offer_status'`, ref).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every queued mail delivered", func() bool {
		var queued int
		_ = a.pool.QueryRow(t.Context(), `SELECT count(*) FROM mail_messages WHERE status = 'queued'`).Scan(&queued)
		return queued == 0
	})
	subjects := donorMails()
	if n := len(slices.DeleteFunc(slices.Clone(subjects), func(s string) bool { return s != accepted })); n != 1 || stored != 1 || len(subjects) != 2 {
		t.Errorf("the donor got %q (%d status mail(s) stored), want the acknowledgment and one acceptance", subjects, stored)
	}

	donor.visit(status)
	if got := donor.text(`[data-status]`); !strings.HasPrefix(got, "Accepted by ECPAT Luxembourg") {
		t.Errorf("status after acceptance: %q, want accepted", got)
	}
	donor.axeCheck("donor-status-accepted")
	donor.shot("donor-status-accepted")
}

// waitFor polls cond until it holds or the step's deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", stepTimeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
