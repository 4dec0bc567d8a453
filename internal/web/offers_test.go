package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	webfiles "github.com/partnerdir/partnerdir/web"
)

type offersFixture struct {
	pool   *pgxpool.Pool
	h      http.Handler
	acc    *accounts.Store
	offers *offers.Store
}

func newOffersFixture(t *testing.T) *offersFixture {
	t.Helper()
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	dir := directory.NewStore(pool, nil)
	if _, err := demo.Load(ctx, pool, dir); err != nil {
		t.Fatal(err)
	}
	ins, err := jobs.NewInserter(pool)
	if err != nil {
		t.Fatal(err)
	}
	outbox, err := mail.NewOutbox(ins, "Partnerdir <no-reply@partners.test>", mailtest.Renderer(t))
	if err != nil {
		t.Fatal(err)
	}
	limits := offers.DefaultLimits()
	limits.MinFillTime = 0
	st, err := offers.NewStore(pool, offers.Config{Outbox: outbox, Secret: []byte("0123456789abcdef0123456789abcdef"),
		TriageEmail: "triage@partners.test", BaseURL: "http://partners.test", Limits: limits})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://partners.test")
	acc := accounts.NewStore(pool, accounts.WithFastHashing())
	s, err := New(ctx, Deps{
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		BaseURL:   base,
		Directory: dir,
		Files:     webfiles.FS,
		Accounts:  acc,
		Offers:    st,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &offersFixture{pool: pool, h: s.Handler(), acc: acc, offers: st}
}

func (f *offersFixture) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var formTokenField = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// openForm loads the offer form in b and returns a valid submission.
func openForm(t *testing.T, b *browser, path string) url.Values {
	t.Helper()
	rec := b.get(path)
	wantStatus(t, rec, http.StatusOK)
	m := formTokenField.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the form has no form_token")
	}
	return url.Values{
		"form_token": {m[1]}, "kind": {"volunteering"}, "message": {"Je peux aider le samedi."},
		"name": {"Marie Dupont"}, "email": {"marie@example.com"}, "lang": {"fr"}, "consent": {"yes"}, "website": {""},
	}
}

func TestOfferFormSubmitConfirm(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}

	rec := b.get("/organisations/ecpat-luxembourg/offer")
	wantStatus(t, rec, http.StatusOK, "Proposer un soutien à ECPAT Luxembourg", `value="volunteering"`, `value="partnership"`,
		`href="/privacy"`, `name="consent"`, `name="website"`, `name="project"`)

	// Errors next to the fields, what was typed kept, nothing stored.
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Del("kind")
	form.Set("email", "pas-une-adresse")
	form.Set("name", "x\r\nBcc: evil@example.com")
	form.Del("consent")
	rec = b.post("/organisations/ecpat-luxembourg/offer", form)
	wantStatus(t, rec, http.StatusUnprocessableEntity, "Choisissez le type de soutien", "Saisissez une adresse e-mail valable",
		"Votre nom doit tenir sur une ligne", "Cochez cette case", `value="pas-une-adresse"`, "Je peux aider le samedi.")
	if n := f.count(t, `SELECT count(*) FROM offers`); n != 0 {
		t.Fatalf("%d offers stored from an invalid form", n)
	}

	// A valid offer: Post/Redirect/Get to the confirmation with the reference.
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	rec = b.post("/organisations/ecpat-luxembourg/offer", form)
	wantStatus(t, rec, http.StatusSeeOther)
	loc := rec.Header().Get("Location")
	ref := regexp.MustCompile(`^/organisations/ecpat-luxembourg/offer/sent\?ref=(OFR-\d{4}-\d{6})$`).FindStringSubmatch(loc)
	if ref == nil {
		t.Fatalf("redirect to %q, want the confirmation page", loc)
	}
	rec = b.get(loc)
	wantStatus(t, rec, http.StatusOK, ref[1], "Et maintenant ?", "ECPAT Luxembourg")
	if n := f.count(t, `SELECT count(*) FROM offers WHERE reference = '`+ref[1]+`' AND routed_to_email = 'c.wantz@ecpat.lu'`); n != 1 {
		t.Errorf("offer %s routed to c.wantz@ecpat.lu: %d rows", ref[1], n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 2 {
		t.Errorf("mails queued: %d, want 2", n)
	}
	// The confirmation of another organisation's reference is not found.
	wantStatus(t, b.get("/organisations/enfance-et-avenir-international/offer/sent?ref="+ref[1]), http.StatusNotFound)
}

func TestOfferFormRefusals(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}

	// The honeypot: a calm message that says nothing useful to a bot.
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set("website", "http://spam.example")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusTooManyRequests, "n&#39;a pas pu être envoyée")

	// No session form token (CSRF).
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set(csrfField, "forged")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusForbidden)

	// Another site posting the form.
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)

	// An unknown organisation.
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	wantStatus(t, b.post("/organisations/no-such-ngo/offer", form), http.StatusNotFound)
	wantStatus(t, b.get("/organisations/no-such-ngo/offer"), http.StatusNotFound)

	// A 1 MB message.
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set("message", strings.Repeat("a", 1000000))
	rec := b.post("/organisations/ecpat-luxembourg/offer", form)
	if rec.Code != http.StatusUnprocessableEntity && rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MB message: status %d", rec.Code)
	}

	if n := f.count(t, `SELECT count(*) FROM offers`); n != 0 {
		t.Fatalf("%d offers stored from refused submissions", n)
	}
	wantStatus(t, b.get("/privacy"), http.StatusOK, "Protection des données", "empreinte chiffrée")
}

// A donor whose session expired while writing gets the form back with
// everything typed, and sending it again works: the offer is not lost.
func TestOfferFormKeepsTheMessageWhenTheSessionExpired(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set(csrfField, b.token)
	form.Set("message", "Je peux aider le samedi, avec deux amis.")

	// The session is gone (expired, or the server's sessions were ended).
	b.cookies = map[string]*http.Cookie{}
	rec := b.post("/organisations/ecpat-luxembourg/offer", form)
	wantStatus(t, rec, http.StatusForbidden, "Ce formulaire a expiré", "Je peux aider le samedi, avec deux amis.", `value="Marie Dupont"`)
	if n := f.count(t, `SELECT count(*) FROM offers`); n != 0 {
		t.Fatalf("%d offers stored from a refused submission", n)
	}
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatal("the returned form has no fresh form token")
	}
	form.Set(csrfField, m[1])
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM offers WHERE message LIKE 'Je peux aider le samedi, avec deux amis.'`); n != 1 {
		t.Fatalf("after sending again: %d offers stored, want 1", n)
	}
}
