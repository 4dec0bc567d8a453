package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/web"
)

func TestStaleProfilesRemindEachOwnerOnce(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	f.user(t, "owner1@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	f.user(t, "owner2@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "fresh@example.org", "", "partage-luxembourg-afrique", accounts.OrgOwner)
	f.exec(t, `UPDATE organisations SET last_reviewed_at = now() - interval '13 months' WHERE slug = 'ecpat-luxembourg'`)
	f.exec(t, `UPDATE organisations SET last_reviewed_at = now() - interval '2 months' WHERE slug = 'partage-luxembourg-afrique'`)
	// Stale but without an owner: nobody to remind (the claim link shows).
	f.exec(t, `UPDATE organisations SET last_reviewed_at = now() - interval '3 years' WHERE slug = 'enfance-et-avenir-international'`)

	n, err := f.join.RemindStale(ctx)
	if err != nil || n != 2 {
		t.Fatalf("first run: %d mails (%v), want 2", n, err)
	}
	for _, to := range []string{"owner1@example.org", "owner2@example.org"} {
		if c := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = $1 AND purpose = 'review_reminder'
			AND text_body LIKE '%http://partners.test/manage/ecpat-luxembourg%'`, to); c != 1 {
			t.Errorf("%d reminders to %s, want 1 with the /manage link", c, to)
		}
	}
	if c := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email IN ('editor@example.org', 'fresh@example.org')`); c != 0 {
		t.Error("an editor or the owner of a fresh profile was reminded")
	}

	// Idempotent: the same day (or any day within 30) sends nothing.
	if n, err := f.join.RemindStale(ctx); err != nil || n != 0 {
		t.Errorf("second run: %d mails (%v), want 0", n, err)
	}
	f.exec(t, `UPDATE organisations SET review_reminded_at = now() - interval '29 days' WHERE slug = 'ecpat-luxembourg'`)
	if n, _ := f.join.RemindStale(ctx); n != 0 {
		t.Errorf("29 days after a reminder: %d mails, want 0", n)
	}
	// A month later, still stale: reminded again.
	f.exec(t, `UPDATE organisations SET review_reminded_at = now() - interval '31 days' WHERE slug = 'ecpat-luxembourg'`)
	if n, _ := f.join.RemindStale(ctx); n != 2 {
		t.Errorf("31 days after a reminder: %d mails, want 2", n)
	}
	if c := f.count(t, `SELECT count(*) FROM mail_messages WHERE purpose = 'review_reminder'`); c != 4 {
		t.Errorf("%d reminders in all, want 4", c)
	}
}

func TestReviewDateFollowsSavesAndTheConfirmButton(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "owner@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	org := f.orgID(t, "ecpat-luxembourg")
	old := func() {
		f.exec(t, `UPDATE organisations SET last_reviewed_at = '2024-03-05 10:00+00' WHERE id = $1`, org)
	}
	recent := func(what string) {
		t.Helper()
		if c := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND last_reviewed_at > now() - interval '1 minute'`, org); c != 1 {
			t.Errorf("%s did not mark the profile reviewed", what)
		}
	}
	old()
	anon := f.browser(t)
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK, "Fiche relue par l&#39;organisation le 5 mars 2024")

	b := f.browser(t)
	b.login("owner@example.org")
	wantStatus(t, b.get("/manage/ecpat-luxembourg"), http.StatusOK, "Dernière relecture : 5 mars 2024", `action="/manage/ecpat-luxembourg/reviewed"`)
	wantStatus(t, b.post("/manage/ecpat-luxembourg/reviewed", nil), http.StatusSeeOther)
	recent("the confirm button")
	if c := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'organisation.review_confirm' AND organisation_id = $1`, org); c != 1 {
		t.Error("the confirmation is not audited")
	}
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK, "Fiche relue par l&#39;organisation le "+dateFR(time.Now()))

	// Saving the profile, or any of its parts, is a review too.
	old()
	p, _ := f.dir.ProfileByID(context.Background(), org, profileAll)
	b.get("/manage/ecpat-luxembourg")
	form := url.Values{"version": {itoa(p.Version)}, "name": {p.Name}, "kind": {itoa(int(p.Kind))}, "countries": p.Countries,
		"website": {p.Website}, "description_fr": {p.Description.FR}}
	wantStatus(t, b.post("/manage/ecpat-luxembourg", form), http.StatusSeeOther)
	recent("saving the profile")
	old()
	b.get("/manage/ecpat-luxembourg/offices")
	office := p.Offices[0]
	wantStatus(t, b.post("/manage/ecpat-luxembourg/offices/"+itoa(int(office.ID)), url.Values{"version": {itoa(office.Version)},
		"name": {office.Name}, "kind": {office.Kind}, "city": {office.City}, "country": {office.Country}, "opened_year": {"2001"}}), http.StatusSeeOther)
	recent("saving an office")
}

var profileAll = directory.ProfileOptions{Unpublished: true, Private: true}

func itoa(n int) string { return strconv.Itoa(n) }

// dateFR is t as French pages write it.
func dateFR(t time.Time) string { return web.Base{Lang: "fr"}.Date(t) }
