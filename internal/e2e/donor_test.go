package e2e

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// clickXPathAndLoad clicks the first element that the XPath finds and
// waits for the page that the click loads.
func (b *browser) clickXPathAndLoad(xpath string) {
	b.t.Helper()
	run(b, "click "+xpath, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.Search(xpath), chromedp.NodeVisible)))
}

var referenceFormat = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{5,}$`)

// TestDonorJourney: a donor mistypes ECPAT in the home page's search box,
// narrows the results to Mali, opens ECPAT Luxembourg, offers to
// volunteer, and sees the confirmation with its reference; the offer's
// mail reaches the organisation's default contact. Every page passes
// axe-core.
func TestDonorJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)

	b.visit("/")
	b.axeCheck("home")
	b.shot("home")
	b.do("type the search", chromedp.SendKeys(chromedp.CSS("#q"), "ecpta"))
	b.keyAndLoad("\r")
	if p := b.path(); !strings.HasPrefix(p, "/search?") || !strings.Contains(p, "q=ecpta") {
		t.Fatalf("searching from the home page led to %s", p)
	}
	b.waitText("#search-results", "ECPAT Luxembourg")
	b.axeCheck("search")
	b.shot("search-ecpta")

	b.clickXPathAndLoad(`//aside[contains(@class,"filters")]//a[starts-with(normalize-space(.),"Mali")]`)
	if p := b.path(); !strings.Contains(p, "q=ecpta") || !strings.Contains(p, "ML") {
		t.Fatalf("the Mali filter led to %s, want the query kept and Mali chosen", p)
	}
	b.waitText("#search-results", "ECPAT Luxembourg")
	b.shot("search-ecpta-mali")

	b.clickAndLoad(`#search-results a[href="/organisations/ecpat-luxembourg"]`)
	if h1 := b.text("h1"); !strings.Contains(h1, "ECPAT Luxembourg") {
		t.Fatalf("profile heading %q", h1)
	}
	b.axeCheck("profile")
	b.shot("profile")

	b.clickAndLoad(`.cta a.button`)
	if p := b.path(); p != "/organisations/ecpat-luxembourg/offer" {
		t.Fatalf("the offer button led to %s", p)
	}
	b.axeCheck("offer-form")
	b.shot("offer-form")
	b.do("fill the offer form",
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="volunteering"]`), chromedp.NodeVisible),
		chromedp.SendKeys(chromedp.CSS("#message"), "Je peux aider le samedi matin, à Luxembourg ou à distance."),
		chromedp.SendKeys(chromedp.CSS("#name"), "Marie Dupont"),
		chromedp.SendKeys(chromedp.CSS("#email"), "marie.dupont@example.com"),
		chromedp.Click(chromedp.CSS(`input[name="consent"]`), chromedp.NodeVisible),
	)
	b.clickAndLoad(`form.form button[type="submit"]`)
	if p := b.path(); !strings.HasPrefix(p, "/organisations/ecpat-luxembourg/offer/sent") {
		t.Fatalf("sending the offer led to %s:\n%s", p, b.text("main"))
	}
	ref := b.text(".reference strong")
	if !referenceFormat.MatchString(ref) {
		t.Errorf("confirmation reference %q", ref)
	}
	b.axeCheck("offer-sent")
	b.shot("offer-sent")

	// The default contact gets the offer, with its reference.
	deadline := time.Now().Add(stepTimeout)
	for {
		for _, m := range a.smtp.Messages() {
			if slices.Contains(m.To, "c.wantz@ecpat.lu") {
				if !strings.Contains(m.Subject()+m.Text(), ref) {
					t.Errorf("the mail to c.wantz@ecpat.lu lacks the reference %s:\n%s\n%s", ref, m.Subject(), m.Text())
				}
				if !strings.Contains(m.Text(), "samedi matin") {
					t.Errorf("the mail to c.wantz@ecpat.lu lacks the donor's message:\n%s", m.Text())
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no mail to c.wantz@ecpat.lu after %s; received %d", stepTimeout, len(a.smtp.Messages()))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
