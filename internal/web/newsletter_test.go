package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/newsletter"
)

// newsletterFixture is the real program whose mails go to a test SMTP
// server, delivered by the mail worker alone (no digest or retention job
// runs behind the test's back).
type newsletterFixture struct {
	fixture
	app  *app.App
	smtp *smtptest.Server
}

func newNewsletterFixture(t *testing.T) *newsletterFixture {
	t.Helper()
	srv := smtptest.New(t)
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"SMTP_URL": srv.URL()}})
	f := &newsletterFixture{fixture: newFixture(a), app: a, smtp: srv}
	// The demo articles were published a minute ago: older than the
	// digest's commit margin.
	f.exec(t, `UPDATE articles SET first_published_at = now() - interval '1 minute' WHERE first_published_at IS NOT NULL`)
	sender, err := mail.NewSMTP(srv.URL(), a.Config.MailFrom)
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, mail.NewWorker(a.Pool, sender, slog.New(slog.DiscardHandler)))
	c, err := jobs.NewWorking(a.Pool, jobs.Options{Workers: workers, Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = c.Stop(stop)
		cancel()
	})
	return f
}

// digest runs `news digest --now`'s work.
func (f *newsletterFixture) digest(t *testing.T, r newsletter.Run) int {
	t.Helper()
	sent, err := f.app.Newsletter.SendDigests(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return sent.Digests
}

var confirmLink = regexp.MustCompile(`https?://[^/\s]+(/newsletter/confirm\?token=[A-Za-z0-9_-]+)`)

// signUp subscribes email through the form and follows the mailed link,
// returning the mail it received.
func (f *newsletterFixture) signUp(t *testing.T, b *browser, email string, form url.Values) smtptest.Received {
	t.Helper()
	before := len(f.smtp.Messages())
	wantStatus(t, b.get("/newsletter"), http.StatusOK)
	form.Set("email", email)
	rec := b.post("/newsletter", form)
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/newsletter/sent" {
		t.Fatalf("sign-up %s: %d %s\n%s", email, rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	msgs := f.smtp.WaitFor(before+1, 10*time.Second)
	return msgs[len(msgs)-1]
}

// TestNewsletterJourney is the issue's: a visitor subscribes to the
// human-rights theme; the confirmation mail arrives and nothing else
// before it is used; after confirming, the digest sends one mail with
// both List-Unsubscribe headers; running it again sends nothing; a
// one-click POST unsubscribes and stops the next one.
func TestNewsletterJourney(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	visitor := f.browser(t)
	wantStatus(t, visitor.get("/"), http.StatusOK, `href="/newsletter"`)
	rec := visitor.get("/newsletter")
	wantStatus(t, rec, http.StatusOK, `name="email"`, `value="human-rights-solidarity"`, `name="countries"`, `name="organisations_add"`)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("the form: Cache-Control %q", cc)
	}
	m := f.signUp(t, visitor, "visitor@example.org", url.Values{"lang": {"en"}, "themes": {"human-rights-solidarity"}})
	wantStatus(t, visitor.get("/newsletter/sent"), http.StatusOK, "Vérifiez votre boîte")
	if m.To[0] != "visitor@example.org" || !strings.Contains(m.Subject(), "confirm your newsletter subscription") {
		t.Fatalf("confirmation %v %q", m.To, m.Subject())
	}
	link := confirmLink.FindStringSubmatch(m.Text())
	if link == nil {
		t.Fatalf("no confirmation link:\n%s", m.Text())
	}
	// Nothing else goes out before the link is used, the digest included.
	if n := f.digest(t, newsletter.Run{At: time.Now(), Early: true}); n != 0 {
		t.Errorf("%d digests before confirmation", n)
	}

	// The link opens a button (a mail scanner following it confirms
	// nothing); the button confirms.
	scanner := f.browser(t)
	rec = scanner.get(link[1])
	wantStatus(t, rec, http.StatusOK, "Confirmer mon abonnement", `action="/newsletter/confirm"`)
	if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("confirmation page headers: %v", rec.Header())
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE status = 'pending'`); n != 1 {
		t.Fatal("opening the link changed the subscription")
	}
	token := strings.TrimPrefix(link[1], "/newsletter/confirm?token=")
	wantStatus(t, scanner.post("/newsletter/confirm", url.Values{"token": {token}}), http.StatusOK, "Abonnement confirmé")
	// Used: the link no longer works.
	wantStatus(t, scanner.get(link[1]), http.StatusNotFound, "déjà servi")
	wantStatus(t, scanner.post("/newsletter/confirm", url.Values{"token": {token}}), http.StatusNotFound, "déjà servi")
	if n := len(f.smtp.Messages()); n != 1 {
		t.Errorf("%d mails before the first digest, want the confirmation only", n)
	}

	// `news digest --now`: one digest, with both headers and a visible link.
	if n := f.digest(t, newsletter.Run{At: time.Now(), Early: true}); n != 1 {
		t.Fatalf("%d digests, want 1", n)
	}
	d := f.smtp.WaitFor(2, 10*time.Second)[1]
	h := d.Header()
	unsub := strings.TrimSuffix(strings.TrimPrefix(h.Get("List-Unsubscribe"), "<"), ">")
	if !strings.HasPrefix(unsub, apptest.BaseURL+"/newsletter/unsubscribe?s=") || h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Fatalf("digest headers: List-Unsubscribe %q, List-Unsubscribe-Post %q", h.Get("List-Unsubscribe"), h.Get("List-Unsubscribe-Post"))
	}
	if !strings.Contains(d.Text(), unsub) || !strings.Contains(d.HTML(), strings.ReplaceAll(unsub, "&", "&amp;")) ||
		!strings.Contains(d.Text(), "/news/we-love-ecpat") || strings.Contains(d.Text(), "forages") {
		t.Errorf("digest body:\n%s", d.Text())
	}
	// Again: nothing.
	if n := f.digest(t, newsletter.Run{At: time.Now(), Early: true}); n != 0 {
		t.Errorf("second run sent %d digests", n)
	}

	// The mail client's one-click POST: no session, no form token, from
	// elsewhere.
	u, _ := url.Parse(unsub)
	req := httptest.NewRequest(http.MethodPost, u.RequestURI(), strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://mail.example.net")
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	wantStatus(t, rec, http.StatusOK, "désabonné")
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE status = 'unsubscribed' AND email IS NULL`); n != 1 {
		t.Fatal("the one-click POST did not unsubscribe")
	}
	// A new article in the next period: no digest for her.
	f.exec(t, `UPDATE articles SET first_published_at = now() WHERE slug = 'benevoles-cours-de-francais'`)
	next := f.app.Newsletter.Schedule().Next(time.Now()).Add(time.Minute)
	if n := f.digest(t, newsletter.Run{At: next}); n != 0 {
		t.Errorf("%d digests after unsubscribing", n)
	}
	// The outbox holds every mail that will ever leave: the two sent.
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 2 {
		t.Errorf("%d mails in all, want the confirmation and one digest", n)
	}
}

// TestOneClickUnsubscribeNeedsNoTokenButItsSignature: the one route
// outside the CSRF layers accepts its subscriber's signature only, and
// the RFC 8058 body.
func TestOneClickUnsubscribeNeedsNoTokenButItsSignature(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	ids := map[string]int64{}
	for _, e := range []string{"ann@example.org", "bob@example.org"} {
		b := f.browser(t)
		m := f.signUp(t, b, e, url.Values{"lang": {"fr"}})
		token := strings.TrimPrefix(confirmLink.FindStringSubmatch(m.Text())[1], "/newsletter/confirm?token=")
		b.get("/newsletter/confirm?token=" + token)
		wantStatus(t, b.post("/newsletter/confirm", url.Values{"token": {token}}), http.StatusOK)
		ids[e] = int64(f.count(t, `SELECT id FROM newsletter_subscribers WHERE email = $1`, e))
	}
	params := func(id int64) url.Values {
		u, _ := url.Parse(f.app.Newsletter.UnsubscribeURL(id))
		return u.Query()
	}
	ann, bob := params(ids["ann@example.org"]), params(ids["bob@example.org"])
	oneClick := func(q url.Values, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/newsletter/unsubscribe?"+q.Encode(), strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	forged := url.Values{"s": bob["s"], "sig": ann["sig"]}
	wantStatus(t, oneClick(forged, "List-Unsubscribe=One-Click"), http.StatusForbidden, "pas le vôtre")
	wantStatus(t, oneClick(url.Values{"s": bob["s"]}, "List-Unsubscribe=One-Click"), http.StatusForbidden)
	wantStatus(t, oneClick(url.Values{"s": bob["s"], "sig": {"AAAAAAAAAAAAAAAAAAAAAA"}}, "List-Unsubscribe=One-Click"), http.StatusForbidden)
	wantStatus(t, oneClick(bob, ""), http.StatusBadRequest, "List-Unsubscribe=One-Click")
	wantStatus(t, oneClick(bob, "List-Unsubscribe=Yes"), http.StatusBadRequest)
	wantStatus(t, f.browser(t).get("/newsletter/unsubscribe?"+forged.Encode()), http.StatusForbidden, "pas le vôtre")
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE status = 'confirmed'`); n != 2 {
		t.Fatalf("a refused request unsubscribed someone: %d confirmed left", n)
	}
	// The page's button posts what a mail client would.
	page := f.browser(t)
	rec := page.get("/newsletter/unsubscribe?" + bob.Encode())
	wantStatus(t, rec, http.StatusOK, "Me désabonner", `name="List-Unsubscribe" value="One-Click"`,
		`action="/newsletter/unsubscribe?s=`+bob.Get("s")+`&amp;sig=`+bob.Get("sig")+`"`)
	wantStatus(t, page.post("/newsletter/unsubscribe?"+bob.Encode(), url.Values{"List-Unsubscribe": {"One-Click"}}), http.StatusOK, "désabonné")
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE id = $1 AND status = 'unsubscribed'`, ids["bob@example.org"]); n != 1 {
		t.Error("bob is still subscribed")
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE id = $1 AND status = 'confirmed'`, ids["ann@example.org"]); n != 1 {
		t.Error("ann was unsubscribed by bob's link")
	}
	// The other POSTs of the newsletter keep both CSRF layers.
	b := f.browser(t)
	b.get("/newsletter")
	for _, path := range []string{"/newsletter", "/newsletter/confirm"} {
		rec := b.post(path, url.Values{"email": {"eve@example.org"}, "lang": {"fr"}, "token": {"x"}},
			"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		wantStatus(t, rec, http.StatusForbidden)
		rec = b.post(path, url.Values{"email": {"eve@example.org"}, "lang": {"fr"}, "token": {"x"}, "csrf_token": {""}})
		wantStatus(t, rec, http.StatusForbidden)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'eve@example.org'`); n != 0 {
		t.Error("a cross-site sign-up was stored")
	}
}

// TestNewsletterFormRefusesBadInputAndAnswersKnownAddressesAlike: a
// malformed address is a message next to the field and nothing stored; a
// known address gets the very answer a new one gets; too many sign-ups
// are a 429.
func TestNewsletterFormRefusesBadInputAndAnswersKnownAddressesAlike(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	b := f.browser(t)
	b.get("/newsletter")
	rec := b.post("/newsletter", url.Values{"email": {"not-an-address"}, "lang": {"en"}, "themes": {"education"},
		"organisations_add": {"Nobody Knows This NGO"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-email"`, "adresse e-mail n&#39;est pas valable",
		`id="err-organisations"`, "Nobody Knows This NGO", `value="not-an-address"`)
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`) + f.count(t, `SELECT count(*) FROM mail_messages`); n != 0 {
		t.Errorf("a refused sign-up stored %d rows", n)
	}
	// English visitor, English messages.
	en := f.browser(t)
	en.header.Set("Accept-Language", "en")
	en.get("/newsletter")
	wantStatus(t, en.post("/newsletter", url.Values{"email": {"ann@"}, "lang": {"en"}}), http.StatusUnprocessableEntity,
		"This email address is not valid")

	// New and known addresses: the same redirect, the same page.
	first := b.post("/newsletter", url.Values{"email": {"ann@example.org"}, "lang": {"fr"}})
	again := b.post("/newsletter", url.Values{"email": {"ANN@example.org"}, "lang": {"en"}, "themes": {"education"}})
	if first.Code != http.StatusSeeOther || again.Code != first.Code || again.Header().Get("Location") != first.Header().Get("Location") ||
		again.Body.String() != first.Body.String() {
		t.Errorf("known address answered differently: %d %q / %d %q", first.Code, first.Header().Get("Location"), again.Code, again.Header().Get("Location"))
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`); n != 1 {
		t.Errorf("%d rows for one address", n)
	}
	// Per address: three confirmation mails an hour.
	b.post("/newsletter", url.Values{"email": {"ann@example.org"}, "lang": {"fr"}})
	rec = b.post("/newsletter", url.Values{"email": {"ann@example.org"}, "lang": {"fr"}})
	wantStatus(t, rec, http.StatusTooManyRequests, "Trop d&#39;inscriptions")
	if rec.Header().Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Per client address: ten sign-ups an hour.
	for i := 0; i < 6; i++ {
		b.post("/newsletter", url.Values{"email": {"reader" + string(rune('a'+i)) + "@example.org"}, "lang": {"fr"}})
	}
	wantStatus(t, b.post("/newsletter", url.Values{"email": {"one-too-many@example.org"}, "lang": {"fr"}}), http.StatusTooManyRequests)
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'one-too-many@example.org'`); n != 0 {
		t.Error("a refused sign-up was stored")
	}
}

// TestStaffNewsletterPage: staff see the counts and the last digests'
// delivery; nobody else does; never stored.
func TestStaffNewsletterPage(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	v := f.browser(t)
	m := f.signUp(t, v, "ann@example.org", url.Values{"lang": {"fr"}})
	token := strings.TrimPrefix(confirmLink.FindStringSubmatch(m.Text())[1], "/newsletter/confirm?token=")
	v.get("/newsletter/confirm?token=" + token)
	v.post("/newsletter/confirm", url.Values{"token": {token}})
	f.signUp(t, f.browser(t), "bob@example.org", url.Values{"lang": {"fr"}})
	if n := f.digest(t, newsletter.Run{At: time.Now(), Early: true}); n != 1 {
		t.Fatalf("%d digests", n)
	}
	f.smtp.WaitFor(3, 10*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, `SELECT count(*) FROM mail_messages WHERE purpose = 'newsletter_digest' AND status = 'sent'`) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the digest is not recorded as sent")
		}
		time.Sleep(25 * time.Millisecond)
	}

	af := &accountsFixture{fixture: f.fixture}
	f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	f.user(t, "someone@example.org", "", "", "")
	staff := af.signedIn(t, "staff@partners.test", true)
	rec := staff.get("/staff/newsletter")
	wantStatus(t, rec, http.StatusOK, `<dd id="nl-confirmed">1</dd>`, `<dd id="nl-pending">1</dd>`, `<dd id="nl-unsubscribed">0</dd>`,
		`<dd id="nl-digests">1</dd>`, `<dd id="nl-sent">1</dd>`, `<dd id="nl-queued">0</dd>`, `<dd id="nl-failed">0</dd>`)
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("staff page Cache-Control %q", cc)
	}
	if strings.Contains(rec.Body.String(), "ann@example.org") {
		t.Error("the staff page names a subscriber")
	}
	user := af.signedIn(t, "someone@example.org", false)
	wantStatus(t, user.get("/staff/newsletter"), http.StatusForbidden)
	if rec := f.browser(t).get("/staff/newsletter"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

// TestAdminDonorDataIncludesTheNewsletter: the GDPR export of an address
// shows its subscription, and the erasure removes it.
func TestAdminDonorDataIncludesTheNewsletter(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	f.signUp(t, f.browser(t), "jane@example.com", url.Values{"lang": {"en"}, "themes": {"education"}})
	af := &accountsFixture{fixture: f.fixture}
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	b := af.signedIn(t, "admin@partners.test", true)
	b.get("/admin/donors")
	rec := b.post("/admin/donors/export", url.Values{"email": {"Jane@Example.com"}})
	wantStatus(t, rec, http.StatusOK, `"newsletter": {`, `"status": "pending"`, `"pending_request": {`, `"education"`, `"offers": []`)
	wantStatus(t, b.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}, "confirm": {"yes"}}), http.StatusOK,
		"0 offre anonymisée.", "Abonnement à la lettre d&#39;information effacé.")
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`); n != 0 {
		t.Error("the subscription survived the erasure")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email ILIKE 'jane@%'`); n != 0 {
		t.Error("a mail still names her")
	}
	rec = b.post("/admin/donors/export", url.Values{"email": {"jane@example.com"}})
	if strings.Contains(rec.Body.String(), `"newsletter"`) {
		t.Errorf("the export still has a subscription:\n%s", rec.Body.String())
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('offer.donor_export', 'offer.donor_erase') AND details::text ILIKE '%jane%'`); n != 0 {
		t.Error("an audit entry names her")
	}
}

// TestErasingAnAccountErasesItsSubscription: an account's erasure takes
// the newsletter subscription of its address with it.
func TestErasingAnAccountErasesItsSubscription(t *testing.T) {
	t.Parallel()
	f := newNewsletterFixture(t)
	id := f.user(t, "jane@example.com", "", "", "")
	ctx := context.Background()
	if err := f.app.Newsletter.Subscribe(ctx, audit.System("test"), newsletter.Request{Email: "Jane@example.com", Lang: "fr"}); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Accounts.Erase(ctx, audit.System("test"), id, accounts.EraseOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`); n != 0 {
		t.Error("the subscription survived the account's erasure")
	}
}
