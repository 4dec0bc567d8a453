package newsletter_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

func ctx() context.Context { return context.Background() }

func noLimits() newsletter.Limits { return newsletter.Limits{} }

// TestSignUpMailsOnlyTheConfirmation: the confirmation link arrives over
// real SMTP, and nothing else goes to the address before it is used — not
// even when the digest runs.
func TestSignUpMailsOnlyTheConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	srv := smtptest.New(t)
	startMail(t, f.pool, srv.URL())
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "Ann@Example.org ", Lang: "fr",
		Themes: []string{"human-rights-solidarity"}, IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(1, 10*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0] != "ann@example.org" {
		t.Errorf("confirmation to %v, want ann@example.org", m.To)
	}
	if !strings.Contains(m.Subject(), "confirmez votre abonnement") || !linkToken.MatchString(m.Text()) ||
		!strings.Contains(m.HTML(), "/newsletter/confirm?token=") || !strings.Contains(m.Text(), "thèmes\u00a0: 1") {
		t.Errorf("confirmation mail:\n%s\n%s", m.Subject(), m.Text())
	}
	if got := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'ann@example.org' AND status = 'pending'`); got != 1 {
		t.Fatalf("%d pending subscriptions, want 1", got)
	}
	// The digest serves confirmed subscribers only.
	if sent := f.send(t, f.now()); sent.Digests != 0 || sent.Articles == 0 {
		t.Errorf("digest before confirmation: %+v", sent)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 1 {
		t.Errorf("%d mails stored, want only the confirmation", n)
	}
	// Sent, the confirmation is emptied: its link lives only in the mailbox.
	deadline := time.Now().Add(10 * time.Second)
	for f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = '' AND text_body = '' AND status = 'sent'`) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the sent confirmation still holds its link")
		}
		time.Sleep(25 * time.Millisecond)
	}
	if got := len(srv.Messages()); got != 1 {
		t.Errorf("%d messages received, want 1", got)
	}
}

// TestConfirmationLinkIsSingleUseAndExpires: a link confirms once; used
// again, or after its 48 hours, it changes nothing.
func TestConfirmationLinkIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	token := f.lastToken(t, "ann@example.org")
	if got := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE token_hash = sha256(convert_to($1, 'UTF8'))`, token); got != 1 {
		t.Fatal("the token is not stored as its SHA-256")
	}
	if got := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE token_hash::text LIKE '%' || $1 || '%'`, token); got != 0 {
		t.Fatal("the token is stored in clear")
	}
	if err := f.store.CheckLink(ctx(), token); err != nil {
		t.Fatalf("fresh link: %v", err)
	}
	if err := f.store.Confirm(ctx(), f.actor, token); err != nil {
		t.Fatal(err)
	}
	for _, check := range []func() error{
		func() error { return f.store.CheckLink(ctx(), token) },
		func() error { return f.store.Confirm(ctx(), f.actor, token) },
	} {
		if err := check(); !errors.Is(err, newsletter.ErrLinkInvalid) || !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("used link: %v, want ErrLinkInvalid (not found)", err)
		}
	}
	if got := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE status = 'confirmed' AND token_hash IS NULL AND requested IS NULL`); got != 1 {
		t.Errorf("confirmed subscriptions %d, want 1 with its link gone", got)
	}

	// An expired link.
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "bob@example.org", Lang: "fr"}); err != nil {
		t.Fatal(err)
	}
	token = f.lastToken(t, "bob@example.org")
	f.exec(t, `UPDATE newsletter_subscribers SET token_expires_at = now() - interval '1 second' WHERE email = 'bob@example.org'`)
	if err := f.store.Confirm(ctx(), f.actor, token); !errors.Is(err, newsletter.ErrLinkInvalid) {
		t.Errorf("expired link: %v", err)
	}
	if got := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'bob@example.org' AND status = 'pending'`); got != 1 {
		t.Error("an expired link confirmed the subscription")
	}
	for _, bad := range []string{"", "x", strings.Repeat("a", 500), token + "x"} {
		if err := f.store.Confirm(ctx(), f.actor, bad); !errors.Is(err, newsletter.ErrLinkInvalid) {
			t.Errorf("token %.20q: %v", bad, err)
		}
	}
}

// TestBadSignUpsStoreNothing: each bad field gets its message and nothing
// is stored, counted or mailed.
func TestBadSignUpsStoreNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newsletter.Limits{PerIP: 1, PerEmail: 1, Window: time.Hour})
	many := make([]string, newsletter.MaxOrganisations+1)
	for i := range many {
		many[i] = "org-" + strings.Repeat("x", i+1)
	}
	tests := []struct {
		name  string
		req   newsletter.Request
		field string
		msg   string
	}{
		{"no address", newsletter.Request{Lang: "fr"}, "email", "newsletter.err.email_required"},
		{"malformed", newsletter.Request{Email: "ann@", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"no domain dot", newsletter.Request{Email: "ann@localhost", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"a display name", newsletter.Request{Email: "Ann <ann@example.org>", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"two addresses", newsletter.Request{Email: "ann@example.org, bob@example.org", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"a header", newsletter.Request{Email: "ann@example.org\r\nBcc: x@example.org", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"too long", newsletter.Request{Email: strings.Repeat("a", 250) + "@example.org", Lang: "fr"}, "email", "newsletter.err.email_invalid"},
		{"language", newsletter.Request{Email: "ann@example.org", Lang: "de"}, "lang", "newsletter.err.lang"},
		{"theme", newsletter.Request{Email: "ann@example.org", Lang: "fr", Themes: []string{"cooking"}}, "themes", "newsletter.err.unknown_theme"},
		{"country", newsletter.Request{Email: "ann@example.org", Lang: "fr", Countries: []string{"XX"}}, "countries", "newsletter.err.unknown_country"},
		{"lower-case country", newsletter.Request{Email: "ann@example.org", Lang: "fr", Countries: []string{"ml"}}, "countries", "newsletter.err.unknown_country"},
		{"organisation", newsletter.Request{Email: "ann@example.org", Lang: "fr", Organisations: []string{"No Such NGO"}}, "organisations", "newsletter.err.unknown_organisation"},
		{"unpublished organisation", newsletter.Request{Email: "ann@example.org", Lang: "fr", Organisations: []string{"terres-vertes-benin"}}, "organisations", "newsletter.err.unknown_organisation"},
		{"too many organisations", newsletter.Request{Email: "ann@example.org", Lang: "fr", Organisations: many}, "organisations", "newsletter.err.too_many_organisations"},
	}
	f.exec(t, `UPDATE organisations SET status = 'pending' WHERE slug = 'terres-vertes-benin'`)
	for _, tt := range tests {
		tt.req.IP = "192.0.2.9"
		err := f.store.Subscribe(ctx(), f.actor, tt.req)
		if got := fault.FieldsOf(err)[tt.field]; got != tt.msg {
			t.Errorf("%s: %v, want %s on %s", tt.name, err, tt.msg, tt.field)
		}
	}
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "fr", Organisations: []string{"No Such NGO"}}); fault.ValueOf(err) != "No Such NGO" {
		t.Errorf("the unknown organisation is not named: %v", err)
	}
	for table, n := range map[string]int{
		"newsletter_subscribers": f.count(t, `SELECT count(*) FROM newsletter_subscribers`),
		"mail_messages":          f.count(t, `SELECT count(*) FROM mail_messages`),
		"rate_limits":            f.count(t, `SELECT count(*) FROM rate_limits`),
	} {
		if n != 0 {
			t.Errorf("%d rows in %s after refused sign-ups", n, table)
		}
	}
	// The refusals counted nothing: a good sign-up from that address and
	// for that email still passes a limit of one.
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "fr", IP: "192.0.2.9"}); err != nil {
		t.Errorf("good sign-up after refused ones: %v", err)
	}
}

// TestChoicesByNameSlugOrProfileAddress: an organisation is found by its
// slug, the address of its profile or its name in any case.
func TestChoicesByNameSlugOrProfileAddress(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "en",
		Organisations: []string{"https://partners.test/organisations/ecpat-luxembourg", "sahel-eau-vive", "ecpat luxembourg"},
		Countries:     []string{"ML", "ML"}, Themes: []string{"education"}}); err != nil {
		t.Fatal(err)
	}
	var requested string
	if err := f.pool.QueryRow(ctx(), `SELECT requested::text FROM newsletter_subscribers`).Scan(&requested); err != nil {
		t.Fatal(err)
	}
	var c struct {
		OrganisationIDs []int64  `json:"organisation_ids"`
		CountryCodes    []string `json:"country_codes"`
		ThemeIDs        []int64  `json:"theme_ids"`
	}
	if err := json.Unmarshal([]byte(requested), &c); err != nil {
		t.Fatal(err)
	}
	if len(c.OrganisationIDs) != 2 || len(c.CountryCodes) != 1 || len(c.ThemeIDs) != 1 {
		t.Errorf("requested %s", requested)
	}
}

// TestSigningUpAgainRevealsNothingAndChangesNothingUntilConfirmed: a known
// address is answered as a new one, keeps one row, and keeps its choices
// until the new link is used.
func TestSigningUpAgainRevealsNothingAndChangesNothingUntilConfirmed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	id := f.subscribe(t, newsletter.Request{Email: "ann@example.org", Themes: []string{"human-rights-solidarity"}})
	// Someone else types her address with other choices.
	for _, email := range []string{"ann@example.org", "ANN@example.org", " ann@example.org"} {
		if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: email, Lang: "fr", Themes: []string{"water-sanitation"}}); err != nil {
			t.Fatalf("known address %q: %v, want the same answer as for a new one", email, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`); n != 1 {
		t.Fatalf("%d rows for one address", n)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE id = $1 AND status = 'confirmed' AND lang = 'en'
		AND theme_ids = ARRAY(SELECT id FROM themes WHERE slug = 'human-rights-solidarity')`, id); n != 1 {
		t.Error("her choices changed before the new link was used")
	}
	// Her digest still follows her own choices: ECPAT's and ASF's
	// human-rights articles, not water.
	if sent := f.send(t, f.now()); sent.Digests != 1 {
		t.Fatalf("digests %+v, want 1", sent)
	}
	var body string
	if err := f.pool.QueryRow(ctx(), `SELECT text_body FROM mail_messages WHERE purpose = 'newsletter_digest'`).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "/news/we-love-ecpat") || strings.Contains(body, "forages") {
		t.Errorf("digest does not follow her confirmed choices:\n%s", body)
	}
	// The newest link applies the new choices; older ones no longer work.
	older := f.lastToken(t, "ann@example.org")
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "fr", Themes: []string{"education"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Confirm(ctx(), f.actor, older); !errors.Is(err, newsletter.ErrLinkInvalid) {
		t.Errorf("a replaced link: %v", err)
	}
	if err := f.store.Confirm(ctx(), f.actor, f.lastToken(t, "ann@example.org")); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE id = $1 AND lang = 'fr'
		AND theme_ids = ARRAY(SELECT id FROM themes WHERE slug = 'education')`, id); n != 1 {
		t.Error("the new link did not apply the new choices")
	}
}

// TestSignUpLimits: per client address and per email address, counted
// before anything is written.
func TestSignUpLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t, newsletter.Limits{PerIP: 2, PerEmail: 2, Window: time.Hour})
	for i, r := range []newsletter.Request{
		{Email: "a@example.org", IP: "192.0.2.1"}, {Email: "a@example.org", IP: "192.0.2.2"},
	} {
		r.Lang = "fr"
		if err := f.store.Subscribe(ctx(), f.actor, r); err != nil {
			t.Fatalf("sign-up %d: %v", i, err)
		}
	}
	err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "A@example.org", Lang: "fr", IP: "192.0.2.3"})
	if !errors.Is(err, newsletter.ErrRateLimited) || fault.RetryAfterOf(err) <= 0 {
		t.Errorf("third mail to one address: %v, want ErrRateLimited with a delay", err)
	}
	for _, e := range []string{"b@example.org", "c@example.org"} {
		if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: e, Lang: "fr", IP: "192.0.2.1"}); err != nil && e == "b@example.org" {
			t.Fatal(err)
		} else if e == "c@example.org" && !errors.Is(err, newsletter.ErrRateLimited) {
			t.Errorf("fourth sign-up from one client address: %v", err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 3 {
		t.Errorf("%d confirmations, want 3", n)
	}
	if n := f.count(t, `SELECT count(*) FROM rate_limits WHERE key LIKE '%192.0.2%' OR key LIKE '%example.org%'`); n != 0 {
		t.Error("a rate-limit key holds an address in clear")
	}
}

// TestDigestOncePerPeriodWithUnsubscribeHeaders: a digest holds the new
// matching articles and both List-Unsubscribe headers; a second run in the
// period sends nothing; the next period sends only what is new.
func TestDigestOncePerPeriodWithUnsubscribeHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	id := f.subscribe(t, newsletter.Request{Email: "ann@example.org", Themes: []string{"human-rights-solidarity"}})
	f.subscribe(t, newsletter.Request{Email: "bob@example.org", Countries: []string{"NE"}, Lang: "fr"})
	f.subscribe(t, newsletter.Request{Email: "cat@example.org", Countries: []string{"ZA"}}) // nothing from there
	sent := f.send(t, f.now())
	if sent.Digests != 2 || sent.Period != f.schedule.Period(time.Now()) {
		t.Fatalf("first run: %+v, want 2 digests", sent)
	}
	var headers, text, html, subject string
	if err := f.pool.QueryRow(ctx(), `SELECT headers::text, text_body, html_body, subject FROM mail_messages m
		JOIN newsletter_digests d ON d.mail_id = m.id WHERE d.subscriber_id = $1`, id).Scan(&headers, &text, &html, &subject); err != nil {
		t.Fatal(err)
	}
	link := f.store.UnsubscribeURL(id)
	for _, want := range []string{`"List-Unsubscribe"`, `"<` + link + `>"`, `"List-Unsubscribe-Post"`, `"List-Unsubscribe=One-Click"`} {
		if !strings.Contains(headers, want) {
			t.Errorf("headers %s lack %s", headers, want)
		}
	}
	if !strings.Contains(text, link) || !strings.Contains(html, strings.ReplaceAll(link, "&", "&amp;")) || !strings.Contains(text, "/news/we-love-ecpat") ||
		!strings.Contains(text, "/news/benevoles-cours-de-francais") || !strings.Contains(subject, "2 pieces of news") {
		t.Errorf("digest:\n%s\n%s", subject, text)
	}
	// Again in the same period: nothing.
	if sent := f.send(t, f.now()); sent.Digests != 0 {
		t.Errorf("second run in the period: %+v", sent)
	}
	// Next period, nothing new: nothing.
	if sent := f.send(t, f.nextPeriod()); sent.Digests != 0 {
		t.Errorf("next period without news: %+v", sent)
	}
	// A new human-rights article: only Ann's next digest has it.
	f.exec(t, `UPDATE articles SET status = 'published', published_at = now() - interval '1 minute',
		first_published_at = now() WHERE slug = 'bilan-saison-mangroves'`)
	f.exec(t, `INSERT INTO article_themes (article_id, theme_id) SELECT a.id, t.id FROM articles a, themes t
		WHERE a.slug = 'bilan-saison-mangroves' AND t.slug = 'human-rights-solidarity'`)
	next := f.nextPeriod()
	if sent := f.send(t, next); sent.Digests != 1 || sent.Period == f.schedule.Period(time.Now()) {
		t.Fatalf("next period with one new article: %+v", sent)
	}
	if err := f.pool.QueryRow(ctx(), `SELECT m.text_body FROM mail_messages m JOIN newsletter_digests d ON d.mail_id = m.id
		WHERE d.subscriber_id = $1 ORDER BY d.id DESC LIMIT 1`, id).Scan(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "bilan-saison-mangroves") || strings.Contains(text, "we-love-ecpat") {
		t.Errorf("second digest is not only the new article:\n%s", text)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_digests`); n != 3 {
		t.Errorf("%d digest rows, want 3", n)
	}
}

// TestScheduledRunLeavesNewcomersForTheNextPeriod: the scheduled run (and
// the one every start makes) does not mail someone who joined during the
// period; their first digest comes with the next one.
func TestScheduledRunLeavesNewcomersForTheNextPeriod(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	f.subscribe(t, newsletter.Request{Email: "ann@example.org"})
	if sent := f.send(t, newsletter.Run{At: time.Now()}); sent.Digests != 0 {
		t.Errorf("scheduled run mailed a newcomer: %+v", sent)
	}
	if sent := f.send(t, f.nextPeriod()); sent.Digests != 1 {
		t.Errorf("next period: %+v, want her first digest", sent)
	}
}

// TestTwoWorkersSendOneDigestEach: two runs at once, on two pools, over
// more subscribers than one batch: every subscriber gets exactly one
// digest and one mail.
func TestTwoWorkersSendOneDigestEach(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	const n = 1300
	f.exec(t, `INSERT INTO newsletter_subscribers (email, status, lang, confirmed_at, digest_since)
		SELECT 'reader' || i || '@example.org', 'confirmed', 'fr', now(), now() - interval '1 day' FROM generate_series(1, $1) i`, n)
	other, err := pgxpool.New(ctx(), f.pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	second := fixtureStore(t, f, other)
	var wg sync.WaitGroup
	results := make([]newsletter.Sent, 2)
	errs := make([]error, 2)
	for i, s := range []*newsletter.Store{f.store, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.SendDigests(ctx(), f.now())
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := results[0].Digests + results[1].Digests; got != n {
		t.Errorf("the two runs queued %d + %d digests, want %d in all", results[0].Digests, results[1].Digests, n)
	}
	if d := f.count(t, `SELECT count(DISTINCT subscriber_id) FROM newsletter_digests`); d != n {
		t.Errorf("%d subscribers have a digest, want %d", d, n)
	}
	if m := f.count(t, `SELECT count(*) FROM mail_messages WHERE purpose = 'newsletter_digest'`); m != n {
		t.Errorf("%d digest mails, want %d", m, n)
	}
	if j := f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'send_mail'`); j != n {
		t.Errorf("%d delivery jobs, want %d", j, n)
	}
	if d := f.count(t, `SELECT count(*) FROM (SELECT to_email FROM mail_messages GROUP BY to_email HAVING count(*) > 1) x`); d != 0 {
		t.Errorf("%d addresses got two digests", d)
	}
}

// fixtureStore is a second store, as another instance would have: its
// own pool and outbox, f's key and schedule.
func fixtureStore(t *testing.T, f *fixture, pool *pgxpool.Pool) *newsletter.Store {
	t.Helper()
	outbox, _ := mailtest.Outbox(t, pool, mailFrom)
	ips, err := pseudonym.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := newsletter.NewStore(pool, newsletter.Config{Outbox: outbox, BaseURL: "http://partners.test/",
		Key: []byte("newsletter-test-key-of-32-bytes!"), Pseudonyms: ips, Schedule: f.schedule})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestUnsubscribeIsSignedPerSubscriber: a link works for its subscriber
// only; it stops the next digest at once and forgets the address.
func TestUnsubscribeIsSignedPerSubscriber(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	ann := f.subscribe(t, newsletter.Request{Email: "ann@example.org"})
	bob := f.subscribe(t, newsletter.Request{Email: "bob@example.org"})
	annS, annSig := f.unsubscribeParams(t, ann)
	bobS, bobSig := f.unsubscribeParams(t, bob)
	for name, p := range map[string][2]string{
		"bob's id, ann's signature": {bobS, annSig},
		"ann's id, bob's signature": {annS, bobSig},
		"no signature":              {bobS, ""},
		"a truncated signature":     {bobS, bobSig[:10]},
		"an altered signature":      {bobS, strings.ToUpper(bobSig[:1]) + bobSig[1:] + "A"},
		"a leading zero":            {"0" + bobS, bobSig},
		"not a number":              {"bob", bobSig},
	} {
		if err := f.store.Unsubscribe(ctx(), f.actor, p[0], p[1]); !errors.Is(err, newsletter.ErrBadSignature) || !errors.Is(err, fault.ErrForbidden) {
			t.Errorf("%s: %v, want ErrBadSignature", name, err)
		}
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE status = 'confirmed'`); n != 2 {
		t.Fatalf("a refused link unsubscribed someone: %d confirmed", n)
	}
	if err := f.store.Unsubscribe(ctx(), f.actor, bobS, bobSig); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Unsubscribe(ctx(), f.actor, bobS, bobSig); err != nil {
		t.Errorf("unsubscribing twice: %v", err)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE id = $1 AND status = 'unsubscribed' AND email IS NULL
		AND cardinality(theme_ids) = 0 AND unsubscribed_at IS NOT NULL`, bob); n != 1 {
		t.Error("bob's row keeps his address or is not unsubscribed")
	}
	if sent := f.send(t, f.now()); sent.Digests != 1 {
		t.Fatalf("digests after bob left: %+v, want ann's only", sent)
	}
	if n := f.count(t, `SELECT count(*) FROM newsletter_digests WHERE subscriber_id = $1`, bob); n != 0 {
		t.Error("bob got a digest after unsubscribing")
	}
	// Subscribing again is a new row.
	f.subscribe(t, newsletter.Request{Email: "bob@example.org"})
	if n := f.count(t, `SELECT count(*) FROM newsletter_subscribers`); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
}

// TestStatsCountStatusesAndLastDeliveries.
func TestStatsCountStatusesAndLastDeliveries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	st, err := f.store.Stats(ctx())
	if err != nil || st.Confirmed+st.Pending+st.Unsubscribed != 0 || st.Last != nil {
		t.Fatalf("empty: %+v %v", st, err)
	}
	ann := f.subscribe(t, newsletter.Request{Email: "ann@example.org"})
	f.subscribe(t, newsletter.Request{Email: "bob@example.org"})
	f.subscribe(t, newsletter.Request{Email: "cat@example.org"})
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "dan@example.org", Lang: "fr"}); err != nil {
		t.Fatal(err)
	}
	s, sig := f.unsubscribeParams(t, ann)
	if err := f.store.Unsubscribe(ctx(), f.actor, s, sig); err != nil {
		t.Fatal(err)
	}
	f.send(t, f.now())
	f.exec(t, `UPDATE mail_messages SET status = 'sent' WHERE to_email = 'bob@example.org' AND purpose = 'newsletter_digest'`)
	if st, err = f.store.Stats(ctx()); err != nil {
		t.Fatal(err)
	}
	if st.Confirmed != 2 || st.Pending != 1 || st.Unsubscribed != 1 {
		t.Errorf("counts %+v, want 2 confirmed, 1 pending, 1 unsubscribed", st)
	}
	if st.Last == nil || st.Last.Digests != 2 || st.Last.Sent != 1 || st.Last.Queued != 1 || st.Last.Failed != 0 ||
		st.Last.Period != f.schedule.Period(time.Now()) {
		t.Errorf("last digests %+v", st.Last)
	}
}

// TestExportEraseAndRetention: a subscription is in the GDPR export and
// goes with the erasure; unconfirmed sign-ups leave after 7 days.
func TestExportEraseAndRetention(t *testing.T) {
	t.Parallel()
	f := newFixture(t, noLimits())
	f.subscribe(t, newsletter.Request{Email: "ann@example.org", Themes: []string{"education"}, Countries: []string{"ML"},
		Organisations: []string{"ecpat-luxembourg"}})
	f.send(t, f.now())
	if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: "ann@example.org", Lang: "fr", Themes: []string{"migration"}}); err != nil {
		t.Fatal(err)
	}
	x, err := f.store.Export(ctx(), "ANN@example.org")
	if err != nil || x == nil {
		t.Fatalf("export: %v %v", x, err)
	}
	if x.Status != "confirmed" || x.Language != "en" || len(x.Themes) != 1 || x.Themes[0] != "education" || x.Countries[0] != "ML" ||
		x.Organisations[0] != "ecpat-luxembourg" || x.ConfirmedAt == nil || len(x.Digests) != 1 ||
		x.Pending == nil || x.Pending.Themes[0] != "migration" || x.Pending.Language != "fr" {
		b, _ := json.Marshal(x)
		t.Errorf("export %s", b)
	}
	if x, err := f.store.Export(ctx(), "nobody@example.org"); x != nil || err != nil {
		t.Errorf("export of an unknown address: %v %v", x, err)
	}
	var n int
	err = postgres.InTx(ctx(), f.pool, func(tx pgx.Tx) error {
		var err error
		n, err = f.store.EraseTx(ctx(), tx, "Ann@Example.org")
		return err
	})
	if err != nil || n != 1 {
		t.Fatalf("erase: %d %v", n, err)
	}
	if x, _ := f.store.Export(ctx(), "ann@example.org"); x != nil {
		t.Error("the export still finds her after the erasure")
	}
	if c := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email ILIKE 'ann@%' OR text_body ILIKE '%ann@%'`); c != 0 {
		t.Errorf("%d mails still name her", c)
	}
	if c := f.count(t, `SELECT count(*) FROM newsletter_digests WHERE subscriber_id IS NULL`); c != 1 {
		t.Error("the digest is no longer counted")
	}

	// Retention: a sign-up of 8 days ago goes; one of 6 days ago and a
	// confirmed subscriber stay; an expired change is dropped.
	f.subscribe(t, newsletter.Request{Email: "old-friend@example.org"})
	for _, e := range []string{"old@example.org", "recent@example.org", "old-friend@example.org"} {
		if err := f.store.Subscribe(ctx(), f.actor, newsletter.Request{Email: e, Lang: "fr"}); err != nil {
			t.Fatal(err)
		}
	}
	f.exec(t, `UPDATE newsletter_subscribers SET requested_at = now() - interval '8 days', token_expires_at = now() - interval '6 days'
		WHERE email IN ('old@example.org', 'old-friend@example.org')`)
	f.exec(t, `UPDATE newsletter_subscribers SET requested_at = now() - interval '6 days' WHERE email = 'recent@example.org'`)
	if n, err := f.store.PurgeUnconfirmed(ctx()); err != nil || n != 1 {
		t.Fatalf("purge: %d %v, want 1", n, err)
	}
	if c := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'old@example.org'`); c != 0 {
		t.Error("an unconfirmed sign-up of 8 days ago is still there")
	}
	if c := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'recent@example.org' AND status = 'pending'`); c != 1 {
		t.Error("a sign-up of 6 days ago was deleted")
	}
	if c := f.count(t, `SELECT count(*) FROM newsletter_subscribers WHERE email = 'old-friend@example.org' AND status = 'confirmed'
		AND requested IS NULL AND token_hash IS NULL`); c != 1 {
		t.Error("a confirmed subscriber was deleted, or their expired change kept")
	}
	if n, err := f.store.PurgeUnconfirmed(ctx()); err != nil || n != 0 {
		t.Errorf("second purge: %d %v", n, err)
	}
}
