package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// /join warns an applicant whose organisation looks listed already — a
// close name or the same website — and offers to claim that one; the
// applicant may still go on, and the second listing is then made.
func TestJoinWarnsOfALookalikeAndLetsTheApplicantGoOn(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	for name, c := range map[string]struct{ org, website, want string }{
		"close name":   {"ECPAT Luxemburg", "", "nom proche"},
		"same website": {"Une tout autre association", "https://WWW.ecpat.lu/fr/contact", "même site web"},
	} {
		t.Run(name, func(t *testing.T) {
			b := f.browser(t)
			b.get("/join")
			form := joinForm("Awa Diallo", strings.ReplaceAll(name, " ", "")+"@example.org", c.org)
			if c.website != "" {
				form.Set("website", c.website)
			}
			rec := b.post("/join", form)
			wantStatus(t, rec, http.StatusOK, "Votre organisation est-elle déjà inscrite ?", c.want,
				`href="/organisations/ecpat-luxembourg/claim"`, `name="go_on" value="1"`, c.org)
			if n := f.count(t, `SELECT count(*) FROM organisations WHERE name = $1`, c.org); n != 0 {
				t.Fatalf("the lookalike was listed before the applicant went on")
			}
			form.Set("go_on", "1")
			wantStatus(t, b.post("/join", form), http.StatusSeeOther)
			if n := f.count(t, `SELECT count(*) FROM organisations WHERE name = $1 AND status = 'pending'`, c.org); n != 1 {
				t.Errorf("going on listed %d organisations named %q, want 1 pending", n, c.org)
			}
		})
	}
	// A name nothing like any listed one goes straight through.
	b := f.browser(t)
	b.get("/join")
	wantStatus(t, b.post("/join", joinForm("Awa Diallo", "awa3@example.org", "Coopérative des potiers de Ségou")), http.StatusSeeOther)
}
