package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var confirmPath = regexp.MustCompile(`https?://[^/\s]+(/newsletter/confirm\?token=[A-Za-z0-9_-]+)`)

// TestNewsletterSignUpInTheBrowser: a visitor finds the newsletter in the
// footer, is told next to the field what is wrong with their address,
// subscribes to a theme, follows the mailed link and confirms with its
// button; every page passes axe-core.
func TestNewsletterSignUpInTheBrowser(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.visit("/")
	b.clickAndLoad(`.site-footer a[href="/newsletter"]`)
	if p := b.path(); p != "/newsletter" {
		t.Fatalf("the footer link leads to %s", p)
	}
	b.axeCheck("newsletter-form")
	b.shot("newsletter-form")

	b.do("type a malformed address", chromedp.SetValue(chromedp.CSS("#f-email"), "visitor@"))
	b.clickAndLoad(`form.form button[type="submit"]`)
	b.waitFor("the address's message", `!!document.querySelector("#err-email")`)
	if got := eval[string](b, `document.querySelector("#f-email").getAttribute("aria-describedby")`); got != "err-email" {
		t.Errorf("the field is not tied to its message: aria-describedby %q", got)
	}
	b.axeCheck("newsletter-form-errors")

	b.do("fill the form",
		chromedp.SetValue(chromedp.CSS("#f-email"), "visitor@example.org"),
		chromedp.Click(chromedp.CSS(`input[name="themes"][value="human-rights-solidarity"]`), chromedp.NodeVisible))
	b.clickAndLoad(`form.form button[type="submit"]`)
	if p := b.path(); p != "/newsletter/sent" {
		t.Fatalf("after signing up: %s", p)
	}
	b.axeCheck("newsletter-sent")

	msgs := a.smtp.WaitFor(1, 30*time.Second)
	var link string
	for _, m := range msgs {
		if len(m.To) == 1 && m.To[0] == "visitor@example.org" {
			if l := confirmPath.FindStringSubmatch(m.Text()); l != nil {
				link = l[1]
			}
		}
	}
	if link == "" {
		t.Fatal("no confirmation link arrived")
	}
	b.visit(link)
	b.axeCheck("newsletter-confirm")
	b.shot("newsletter-confirm")
	b.clickAndLoad(`form.form button[type="submit"]`)
	b.waitFor("the confirmation", `!!document.querySelector("p.notice")`)
	b.axeCheck("newsletter-confirmed")
	var status string
	if err := a.pool.QueryRow(context.Background(), `SELECT status FROM newsletter_subscribers WHERE email = 'visitor@example.org'`).Scan(&status); err != nil || status != "confirmed" {
		t.Errorf("subscription %q (%v), want confirmed", status, err)
	}
	if !strings.HasPrefix(link, "/newsletter/confirm?token=") {
		t.Errorf("link %q", link)
	}
}
