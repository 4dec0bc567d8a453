package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
	"github.com/partnerdir/partnerdir/internal/web"
)

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
	b := f.browser(t)

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
	if n := f.count(t, `SELECT count(*) FROM offers WHERE reference = $1 AND routed_to_email = 'c.wantz@ecpat.lu'`, ref[1]); n != 1 {
		t.Errorf("offer %s routed to c.wantz@ecpat.lu: %d rows", ref[1], n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 2 {
		t.Errorf("mails queued: %d, want 2", n)
	}
	// The confirmation of another organisation's reference is not found.
	wantStatus(t, b.get("/organisations/enfance-et-avenir-international/offer/sent?ref="+ref[1]), http.StatusNotFound)
}

// Posting the same form twice (a double click, a retry) gives the same
// confirmation: one offer, its two mails, the same reference.
func TestOfferFormSentTwiceIsOneOffer(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := f.browser(t)
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	first := b.post("/organisations/ecpat-luxembourg/offer", form)
	wantStatus(t, first, http.StatusSeeOther)
	loc := first.Header().Get("Location")
	if !regexp.MustCompile(`^/organisations/ecpat-luxembourg/offer/sent\?ref=OFR-\d{4}-\d{6}$`).MatchString(loc) {
		t.Fatalf("redirect to %q, want the confirmation page", loc)
	}
	again := b.post("/organisations/ecpat-luxembourg/offer", form)
	wantStatus(t, again, http.StatusSeeOther)
	if got := again.Header().Get("Location"); got != loc {
		t.Errorf("the form sent again redirects to %q, want %q", got, loc)
	}
	wantStatus(t, b.get(loc), http.StatusOK, "Et maintenant ?")
	if n := f.count(t, `SELECT count(*) FROM offers`); n != 1 {
		t.Errorf("offers: %d, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 2 {
		t.Errorf("mails queued: %d, want 2", n)
	}
}

func TestOfferFormRefusals(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	b := f.browser(t)

	// The honeypot: a calm message that says nothing useful to a bot.
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set("website", "http://spam.example")
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusTooManyRequests, "n&#39;a pas pu être envoyée")

	// No session form token (CSRF).
	form = openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set(web.CSRFField, "forged")
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
	b := f.browser(t)
	form := openForm(t, b, "/organisations/ecpat-luxembourg/offer")
	form.Set(web.CSRFField, b.token)
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
	form.Set(web.CSRFField, m[1])
	wantStatus(t, b.post("/organisations/ecpat-luxembourg/offer", form), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM offers WHERE message LIKE 'Je peux aider le samedi, avec deux amis.'`); n != 1 {
		t.Fatalf("after sending again: %d offers stored, want 1", n)
	}
}

func (f *offersFixture) submit(t *testing.T, org string, kind directory.SupportKind, email string) *offers.Receipt {
	t.Helper()
	r, err := f.offers.Submit(context.Background(), audit.Actor{Label: "donor"}, offers.Submission{
		OrganisationSlug: org, Kind: kind, Message: "=HYPERLINK(\"http://evil.example\") je peux aider", Name: "Donor " + email,
		Email: email, Lang: "fr", Consent: true, FormToken: f.offers.FormToken(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestStaffInboxAccessAndWorkflow(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	r := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "vol@example.com")
	spam := f.submit(t, "enfance-et-avenir-international", directory.SupportGoods, "spam@example.com")

	// Anonymous visitors sign in first; NGO editors are not staff.
	anon := f.browser(t)
	if rec := anon.get("/staff/offers"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Fatalf("anonymous: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	editor := f.browser(t)
	editor.login("editor@ecpat.test")
	wantStatus(t, editor.get("/staff/offers"), http.StatusForbidden)
	wantStatus(t, editor.get(fmt.Sprintf("/staff/offers/%d", r.ID)), http.StatusForbidden)

	b := f.browser(t)
	b.login("staff@partners.test")
	enrolTwoFactor(t, b)
	wantStatus(t, b.get("/staff/offers"), http.StatusOK, r.Reference, spam.Reference, "ECPAT Luxembourg", "Nouvelles <span class=\"count\">2</span>")
	wantStatus(t, b.get("/staff/offers?org=ecpat-luxembourg&kind=volunteering&q=aider"), http.StatusOK, r.Reference)
	if rec := b.get("/staff/offers?org=ecpat-luxembourg"); strings.Contains(rec.Body.String(), spam.Reference) {
		t.Error("the organisation filter lets another organisation's offer through")
	}
	wantStatus(t, b.get("/staff/offers?from=yesterday"), http.StatusBadRequest)

	page := fmt.Sprintf("/staff/offers/%d", r.ID)
	wantStatus(t, b.get(page), http.StatusOK, "Contact par défaut", "c.wantz@ecpat.lu", "vol@example.com", "En attente", "Mettre en examen",
		"aucune règle pour Bénévolat : le contact par défaut de l’organisation →")
	// new → accepted is not a transition the server allows.
	wantStatus(t, b.post(page+"/status", url.Values{"status": {"accepted"}}), http.StatusConflict, "pas possible")
	for _, to := range []string{"in_review", "forwarded", "accepted"} {
		wantStatus(t, b.post(page+"/status", url.Values{"status": {to}}), http.StatusSeeOther)
	}
	wantStatus(t, b.post(page+"/notes", url.Values{"body": {"Appelé le donateur."}}), http.StatusSeeOther)
	wantStatus(t, b.post(page+"/assign", url.Values{"to": {"me"}}), http.StatusSeeOther)
	wantStatus(t, b.get(page), http.StatusOK, "Acceptées", "Appelé le donateur.", "staff@partners.test", "Clôturer")

	// Re-routing to another contact of the organisation mails it again.
	var other int64
	if err := f.pool.QueryRow(context.Background(), `
		INSERT INTO contact_points (organisation_id, name, email) SELECT id, 'Bénévolat', 'benevolat@ecpat.test' FROM organisations WHERE slug = 'ecpat-luxembourg' RETURNING id`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.post(page+"/reroute", url.Values{"contact": {fmt.Sprint(other)}}), http.StatusSeeOther)
	wantStatus(t, b.get(page), http.StatusOK, "Acheminement manuel", "benevolat@ecpat.test", "réacheminée par ", ": c.wantz@ecpat.lu → Bénévolat")
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'benevolat@ecpat.test'`); n != 1 {
		t.Errorf("mails to the new contact: %d, want 1", n)
	}

	wantStatus(t, b.post("/staff/offers/spam", url.Values{"id": {fmt.Sprint(spam.ID)}, "next": {"/staff/offers?status=new"}}), http.StatusSeeOther)
	wantStatus(t, b.get("/staff/offers?status=spam"), http.StatusOK, spam.Reference)

	wantStatus(t, b.get("/staff/dashboard"), http.StatusOK, "<svg", "Offres reçues par semaine", "Bénévolat", "Délai médian")
	wantStatus(t, editor.get("/staff/dashboard"), http.StatusForbidden)

	rec := b.get("/staff/offers.csv?org=ecpat-luxembourg")
	wantStatus(t, rec, http.StatusOK, r.Reference, "vol@example.com", `"'=HYPERLINK(`)
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action IN ('offer.status', 'offer.note', 'offer.assign', 'offer.export', 'offer.reroute')`); n != 8 {
		t.Errorf("audited staff actions: %d, want 8", n)
	}
}

func TestMembersSeeOnlyTheirOrganisationsOffers(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "editor@eai.test", "", "enfance-et-avenir-international", accounts.OrgEditor)
	mine := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "vol@example.com")
	theirs := f.submit(t, "enfance-et-avenir-international", directory.SupportDonation, "don@example.com")

	b := f.browser(t)
	b.login("editor@ecpat.test")
	rec := b.get("/manage/offers")
	wantStatus(t, rec, http.StatusOK, mine.Reference, "vol@example.com")
	if strings.Contains(rec.Body.String(), theirs.Reference) {
		t.Error("an editor sees another organisation's offer in the list")
	}
	if rec := b.get("/manage/offers.csv"); !strings.Contains(rec.Body.String(), mine.Reference) || strings.Contains(rec.Body.String(), theirs.Reference) {
		t.Errorf("CSV export: %d\n%s", rec.Code, rec.Body.String())
	}
	other := fmt.Sprintf("/manage/offers/%d", theirs.ID)
	wantStatus(t, b.get(other), http.StatusNotFound)
	wantStatus(t, b.post(other+"/status", url.Values{"status": {"in_review"}}), http.StatusNotFound)
	wantStatus(t, b.post(other+"/notes", url.Values{"body": {"x"}}), http.StatusNotFound)

	page := fmt.Sprintf("/manage/offers/%d", mine.ID)
	wantStatus(t, b.get(page), http.StatusOK, "c.wantz@ecpat.lu", "Mettre en examen")
	wantStatus(t, b.post(page+"/status", url.Values{"status": {"in_review"}}), http.StatusSeeOther)
	wantStatus(t, b.get(page), http.StatusOK, "En examen")
	if n := f.count(t, `SELECT count(*) FROM offers WHERE id = $1 AND status = 'new'`, theirs.ID); n != 1 {
		t.Error("the other organisation's offer changed")
	}
}

func TestAdminExportsAndErasesADonor(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	r := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "jane@example.com")

	st := f.browser(t)
	st.login("staff@partners.test")
	enrolTwoFactor(t, st)
	wantStatus(t, st.get("/admin/donors"), http.StatusForbidden)

	b := f.browser(t)
	b.login("admin@partners.test")
	enrolTwoFactor(t, b)
	wantStatus(t, b.get("/admin/donors"), http.StatusOK, "RGPD")
	rec := b.post("/admin/donors/export", url.Values{"email": {"jane@example.com"}})
	wantStatus(t, rec, http.StatusOK, `"reference": "`+r.Reference+`"`, `"email": "jane@example.com"`)
	wantStatus(t, b.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}}), http.StatusUnprocessableEntity, "Cochez la case")
	wantStatus(t, b.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}, "confirm": {"yes"}}), http.StatusOK, "1 offre anonymisée.")
	if n := f.count(t, `SELECT count(*) FROM offers WHERE donor_email = 'jane@example.com'`); n != 0 {
		t.Errorf("%d offers still hold the address", n)
	}
}
