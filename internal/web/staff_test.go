package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/offers"
)

func (f *offersFixture) newUser(t *testing.T, email, role string, orgSlug string) {
	t.Helper()
	n := accounts.NewUser{Email: email, Name: strings.Split(email, "@")[0], Password: testPassword, Role: role}
	if orgSlug != "" {
		if err := f.pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE slug = $1`, orgSlug).Scan(&n.OrganisationID); err != nil {
			t.Fatal(err)
		}
		n.OrgRole = "editor"
	}
	if _, err := f.acc.CreateUser(context.Background(), audit.System("test"), n); err != nil {
		t.Fatal(err)
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
	f.newUser(t, "staff@partners.test", accounts.RoleStaff, "")
	f.newUser(t, "editor@ecpat.test", "", "ecpat-luxembourg")
	r := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "vol@example.com")
	spam := f.submit(t, "enfance-et-avenir-international", directory.SupportGoods, "spam@example.com")

	// Anonymous visitors sign in first; NGO editors are not staff.
	anon := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
	if rec := anon.get("/staff/offers"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Fatalf("anonymous: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	editor := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
	editor.login("editor@ecpat.test")
	wantStatus(t, editor.get("/staff/offers"), http.StatusForbidden)
	wantStatus(t, editor.get(fmt.Sprintf("/staff/offers/%d", r.ID)), http.StatusForbidden)

	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
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
	f.newUser(t, "editor@ecpat.test", "", "ecpat-luxembourg")
	f.newUser(t, "editor@eai.test", "", "enfance-et-avenir-international")
	mine := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "vol@example.com")
	theirs := f.submit(t, "enfance-et-avenir-international", directory.SupportDonation, "don@example.com")

	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
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
	if n := f.count(t, fmt.Sprintf(`SELECT count(*) FROM offers WHERE id = %d AND status = 'new'`, theirs.ID)); n != 1 {
		t.Error("the other organisation's offer changed")
	}
}

// enrolTwoFactor sets up TOTP for the signed-in user of b, as staff must.
func enrolTwoFactor(t *testing.T, b *browser) {
	t.Helper()
	m := secretText.FindStringSubmatch(b.get("/account/2fa").Body.String())
	if m == nil {
		t.Fatal("no two-factor secret shown")
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.post("/account/2fa", url.Values{"code": {code}}), http.StatusOK)
}

func TestAdminExportsAndErasesADonor(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	f.newUser(t, "admin@partners.test", accounts.RoleAdmin, "")
	f.newUser(t, "staff@partners.test", accounts.RoleStaff, "")
	r := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "jane@example.com")

	st := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
	st.login("staff@partners.test")
	enrolTwoFactor(t, st)
	wantStatus(t, st.get("/admin/donors"), http.StatusForbidden)

	b := &browser{t: t, h: f.h, cookies: map[string]*http.Cookie{}, header: http.Header{}}
	b.login("admin@partners.test")
	enrolTwoFactor(t, b)
	wantStatus(t, b.get("/admin/donors"), http.StatusOK, "RGPD")
	rec := b.post("/admin/donors/export", url.Values{"email": {"jane@example.com"}})
	wantStatus(t, rec, http.StatusOK, `"reference": "`+r.Reference+`"`, `"email": "jane@example.com"`)
	wantStatus(t, b.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}}), http.StatusUnprocessableEntity, "Cochez la case")
	wantStatus(t, b.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}, "confirm": {"yes"}}), http.StatusOK, "1 offre(s) anonymisée(s)")
	if n := f.count(t, `SELECT count(*) FROM offers WHERE donor_email = 'jane@example.com'`); n != 0 {
		t.Errorf("%d offers still hold the address", n)
	}
}
