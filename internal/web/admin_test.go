package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/jobs"
)

// signedIn returns a browser signed in as email, enrolled in two-factor
// authentication when twoFactor.
func (f *accountsFixture) signedIn(t *testing.T, email string, twoFactor bool) *browser {
	t.Helper()
	b := f.browser(t)
	b.login(email)
	// A page with a form, for the signed-in session's form token.
	wantStatus(t, b.get("/account/sessions"), http.StatusOK)
	if twoFactor {
		enrolTwoFactor(t, b)
	}
	return b
}

// adminRoutes are the routes this file tests, with the path they are
// requested at.
func adminRoutes(orgID, userID int64) map[string]string {
	o, u := fmt.Sprintf("/admin/organisations/%d", orgID), fmt.Sprintf("/admin/users/%d", userID)
	m := fmt.Sprintf("%s/memberships/%d", u, orgID)
	return map[string]string{
		"GET /admin":                                    "/admin",
		"GET /admin/organisations":                      "/admin/organisations?status=pending",
		"GET /admin/organisations/:id":                  o,
		"POST /admin/organisations/:id/approve":         o + "/approve",
		"POST /admin/organisations/:id/reject":          o + "/reject",
		"POST /admin/organisations/:id/suspend":         o + "/suspend",
		"POST /admin/organisations/:id/reinstate":       o + "/reinstate",
		"POST /admin/organisations/:id/verify":          o + "/verify",
		"POST /admin/organisations/:id/unverify":        o + "/unverify",
		"POST /admin/organisations/:id/news-trust":      o + "/news-trust",
		"GET /admin/organisations/:id/merge":            o + "/merge?into=enfance-et-avenir-international",
		"POST /admin/organisations/:id/merge":           o + "/merge",
		"GET /admin/users":                              "/admin/users",
		"GET /admin/users/:id":                          u,
		"POST /admin/users/:id/role":                    u + "/role",
		"POST /admin/users/:id/disable":                 u + "/disable",
		"POST /admin/users/:id/enable":                  u + "/enable",
		"POST /admin/users/:id/sessions/revoke":         u + "/sessions/revoke",
		"POST /admin/users/:id/memberships":             u + "/memberships",
		"POST /admin/users/:id/memberships/:org/role":   m + "/role",
		"POST /admin/users/:id/memberships/:org/delete": m + "/delete",
		"POST /admin/users/:id/erase":                   u + "/erase",
		"GET /admin/claims":                             "/admin/claims",
		"POST /admin/claims/:id/approve":                "/admin/claims/1/approve",
		"POST /admin/claims/:id/reject":                 "/admin/claims/1/reject",
		"GET /admin/import":                             "/admin/import",
		"POST /admin/import":                            "/admin/import",
		"POST /admin/import/:id/confirm":                "/admin/import/0123456789abcdef/confirm",
	}
}

func TestAdminRoutesRefuseEveryoneButAdmins(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `UPDATE organisations SET status = 'pending', last_verified_on = NULL WHERE id = $1`, org)
	editorID := f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	routes := adminRoutes(org, editorID)

	// Every /admin route but the donors' (tested in staff_test.go) is in
	// the table, so a new one cannot slip through untested.
	for _, r := range f.h.Routes() {
		if strings.HasPrefix(r.Path, "/admin") && !strings.HasPrefix(r.Path, "/admin/donors") {
			if _, ok := routes[r.Method+" "+r.Path]; !ok {
				t.Errorf("%s %s is not in the authorization table", r.Method, r.Path)
			}
		}
	}

	form := url.Values{"reason": {"Hostile"}, "role": {"admin"}, "slug": {"ecpat-luxembourg"}, "org_role": {"owner"}}
	anon := f.browser(t)
	anon.get("/login") // a session and its form token, so the CSRF layers let the POSTs through
	editor := f.signedIn(t, "editor@ecpat.test", false)
	staff := f.signedIn(t, "staff@partners.test", true)
	admin2FA := f.signedIn(t, "admin@partners.test", false) // an admin without two-factor yet

	for route, path := range routes {
		method, _, _ := strings.Cut(route, " ")
		request := func(b *browser) *httptest.ResponseRecorder {
			if method == http.MethodPost {
				fv := url.Values{} // post adds the browser's own form token
				for k, v := range form {
					fv[k] = v
				}
				return b.post(path, fv)
			}
			return b.get(path)
		}
		send := func(b *browser) int {
			rec := request(b)
			if csrfRefusal.MatchString(rec.Body.String()) {
				t.Errorf("%s: refused by the CSRF layers, so the role check went untested", route)
			}
			return rec.Code
		}
		t.Run(route, func(t *testing.T) {
			rec := request(anon)
			if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
				t.Errorf("anonymous: %d → %q, want a redirect to login", rec.Code, rec.Header().Get("Location"))
			}
			if code := send(editor); code != http.StatusForbidden {
				t.Errorf("NGO editor: %d, want 403", code)
			}
			if code := send(staff); code != http.StatusForbidden {
				t.Errorf("staff: %d, want 403", code)
			}
			rec = request(admin2FA)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa" {
				t.Errorf("admin without two-factor: %d → %q, want /account/2fa", rec.Code, rec.Header().Get("Location"))
			}
		})
	}
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND status = 'pending' AND last_verified_on IS NULL`, org); n != 1 {
		t.Error("a refused request changed the organisation")
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND role IS NULL AND NOT disabled`, editorID); n != 1 {
		t.Error("a refused request changed the user")
	}
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1 AND role = 'editor'`, editorID); n != 1 {
		t.Error("a refused request changed the membership")
	}
	if n := f.count(t, `SELECT count(*) FROM organisation_decisions`); n != 0 {
		t.Errorf("%d decisions recorded by refused requests", n)
	}
}

func TestAdminReviewsAPendingOrganisation(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `UPDATE organisations SET status = 'pending', last_verified_on = NULL WHERE id = $1`, org)
	f.user(t, "owner@ecpat.test", "", "ecpat-luxembourg", accounts.OrgOwner)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	admin := f.signedIn(t, "admin@partners.test", true)
	anon := f.browser(t)
	page := fmt.Sprintf("/admin/organisations/%d", org)

	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusNotFound)
	wantStatus(t, admin.get("/admin"), http.StatusOK, "Organisations à examiner", "ECPAT Luxembourg", "owner@ecpat.test",
		`href="/admin/claims"`, `href="/admin/donors"`, `href="/admin/users"`)
	wantStatus(t, admin.get("/admin/organisations?status=pending"), http.StatusOK, "ECPAT Luxembourg", "en attente depuis le")
	wantStatus(t, admin.get(page), http.StatusOK, "<h1>ECPAT Luxembourg", "owner@ecpat.test", "Approuver et publier", "Motif du refus")

	// A rejection needs a reason: the form comes back with the error next
	// to the field, and nothing changes.
	rec := admin.post(page+"/reject", url.Values{"reason": {"  "}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="reject-err"`, "Obligatoire.", `aria-invalid="true"`)
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND status = 'pending'`, org); n != 1 {
		t.Error("a rejection without reason changed the status")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages`); n != 0 {
		t.Errorf("%d mails after a refused rejection", n)
	}

	reason := "Le site web indiqué ne répond pas : merci de le corriger."
	jobs := f.indexJobs(t, org)
	wantStatus(t, admin.post(page+"/reject", url.Values{"reason": {reason}}), http.StatusSeeOther)
	wantStatus(t, admin.get(page+"?done=reject"), http.StatusOK, "Organisation refusée", "Brouillon", "Le site web indiqué ne répond pas")
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND status = 'draft'`, org); n != 1 {
		t.Error("the rejected organisation is not a draft")
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@ecpat.test' AND purpose = $1
		AND strpos(text_body, $2) > 0 AND strpos(text_body, 'http://partners.test/manage/ecpat-luxembourg') > 0`,
		directory.PurposeRejection, reason); n != 1 {
		t.Errorf("%d rejection mails to the owner with the reason, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM river_job WHERE kind = $1`, sendMailKind); n != 1 {
		t.Errorf("%d delivery jobs enqueued, want 1", n)
	}
	if f.indexJobs(t, org) != jobs+1 {
		t.Error("the rejection did not reach the search index")
	}
	owner := f.signedIn(t, "owner@ecpat.test", false)
	wantStatus(t, owner.get("/manage"), http.StatusOK, "Fiche refusée le", "Le site web indiqué ne répond pas")
	wantStatus(t, owner.get("/manage/ecpat-luxembourg"), http.StatusOK, "Le site web indiqué ne répond pas")

	// Only an owner submits it again (an editor cannot), then approved:
	// public and listed.
	f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	editor := f.signedIn(t, "editor@ecpat.test", false)
	wantStatus(t, editor.post("/manage/ecpat-luxembourg/submit", nil), http.StatusForbidden)
	wantStatus(t, owner.get("/manage/ecpat-luxembourg"), http.StatusOK, "Soumettre pour publication")
	wantStatus(t, owner.post("/manage/ecpat-luxembourg/submit", nil), http.StatusSeeOther)
	wantStatus(t, owner.get("/manage/ecpat-luxembourg?submitted=1"), http.StatusOK, "Fiche soumise", "attend sa validation")
	wantStatus(t, owner.post("/manage/ecpat-luxembourg/submit", nil), http.StatusConflict)
	wantStatus(t, admin.get("/admin/organisations?status=pending"), http.StatusOK, "ECPAT Luxembourg")
	wantStatus(t, admin.post(page+"/approve", nil), http.StatusSeeOther)
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK, "<h1>ECPAT Luxembourg")
	wantStatus(t, anon.get("/organisations"), http.StatusOK, "ECPAT Luxembourg", "14 organisations")
	if body := owner.get("/manage").Body.String(); strings.Contains(body, "Fiche refusée") {
		t.Error("the owner still sees the old rejection once published")
	}

	// A second approval (another admin, a double click) is a clear
	// conflict and is not audited twice.
	rec = admin.post(page+"/approve", nil)
	wantStatus(t, rec, http.StatusConflict, "quelqu&#39;un l&#39;a sans doute déjà traitée", "Publiée")
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'organisation.approve'`, org); n != 1 {
		t.Errorf("%d approvals audited, want 1", n)
	}

	// Suspension hides the profile; reinstatement brings it back.
	wantStatus(t, admin.post(page+"/suspend", url.Values{"reason": {""}}), http.StatusUnprocessableEntity, `id="suspend-err"`)
	wantStatus(t, admin.post(page+"/suspend", url.Values{"reason": {"Plainte en cours d'examen"}}), http.StatusSeeOther)
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusNotFound)
	if body := anon.get("/organisations").Body.String(); strings.Contains(body, "ECPAT Luxembourg") || !strings.Contains(body, "13 organisations") {
		t.Error("a suspended organisation is still listed")
	}
	wantStatus(t, admin.post(page+"/reinstate", nil), http.StatusSeeOther)
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK)

	// The owner heard of each decision: published (with the public link),
	// suspended (with the reason), published again.
	for _, m := range []struct{ purpose, contains string }{
		{directory.PurposeApproval, "http://partners.test/organisations/ecpat-luxembourg"},
		{directory.PurposeSuspension, "Plainte en cours d'examen"},
		{directory.PurposeReinstatement, "http://partners.test/organisations/ecpat-luxembourg"},
	} {
		if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@ecpat.test' AND purpose = $1
			AND strpos(text_body, $2) > 0`, m.purpose, m.contains); n != 1 {
			t.Errorf("%d %s mails to the owner mentioning %q, want 1", n, m.purpose, m.contains)
		}
	}

	// Verification shows the mark and the date on the public profile.
	if strings.Contains(anon.get("/organisations/ecpat-luxembourg").Body.String(), `class="verified"`) {
		t.Fatal("the demo profile is already marked verified")
	}
	wantStatus(t, admin.post(page+"/verify", nil), http.StatusSeeOther)
	today := dateFR(time.Now())
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK, `class="verified"`, "Vérifiée le "+today)
	wantStatus(t, admin.post(page+"/unverify", nil), http.StatusSeeOther)
	if strings.Contains(anon.get("/organisations/ecpat-luxembourg").Body.String(), `class="verified"`) {
		t.Error("still marked verified after unverify")
	}
	wantStatus(t, admin.get(page), http.StatusOK, "Vérification retirée", "Réactivée", "Suspendue", "Approuvée", "Refusée",
		"organisation.unverify", "admin@partners.test")
}

// sendMailKind is the River kind of mail delivery jobs.
var sendMailKind = jobs.SendMail{}.Kind()

func TestApprovingWithoutDefaultContactIsExplained(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `UPDATE organisations SET status = 'pending', default_contact_id = NULL WHERE id = $1`, org)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	admin := f.signedIn(t, "admin@partners.test", true)
	page := fmt.Sprintf("/admin/organisations/%d", org)
	wantStatus(t, admin.get(page), http.StatusOK, "Manquant : la fiche ne peut pas être publiée")
	wantStatus(t, admin.post(page+"/approve", nil), http.StatusConflict, "pas de contact par défaut")
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE id = $1 AND status = 'pending'`, org); n != 1 {
		t.Error("the organisation left the queue")
	}
}

func TestAdminManagesUsersAndRoles(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	adminID := f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	userID := f.user(t, "awa@ngo.test", "", "", "")
	admin := f.signedIn(t, "admin@partners.test", true)
	target := f.signedIn(t, "awa@ngo.test", false)
	me, them := fmt.Sprintf("/admin/users/%d", adminID), fmt.Sprintf("/admin/users/%d", userID)

	wantStatus(t, admin.get("/admin/users"), http.StatusOK, "awa@ngo.test", "admin@partners.test", "2 utilisateurs")
	rec := admin.get("/admin/users?q=AWA")
	wantStatus(t, rec, http.StatusOK, "awa@ngo.test", "1 utilisateur<")
	if strings.Contains(rec.Body.String(), "admin@partners.test</a>") {
		t.Error("the search does not filter")
	}
	wantStatus(t, admin.get(them), http.StatusOK, "<h1>awa", "Membre d&#39;aucune organisation.")

	// Role change, audited with who did it.
	wantStatus(t, admin.post(them+"/role", url.Values{"role": {"staff"}}), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.role_change' AND entity_id = $1 AND actor_user_id = $2
		AND details->>'role' = 'staff'`, userID, adminID); n != 1 {
		t.Errorf("%d audited role changes, want 1", n)
	}
	wantStatus(t, admin.post(them+"/role", url.Values{"role": {"none"}}), http.StatusSeeOther)
	wantStatus(t, admin.get(them), http.StatusOK, "Aucun rôle de plateforme")

	// An admin cannot lock themselves out.
	wantStatus(t, admin.post(me+"/role", url.Values{"role": {"none"}}), http.StatusUnprocessableEntity, "Vous ne pouvez pas retirer votre propre rôle")
	wantStatus(t, admin.post(me+"/disable", nil), http.StatusUnprocessableEntity, "Vous ne pouvez pas retirer votre propre rôle")
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 AND role = 'admin' AND NOT disabled`, adminID); n != 1 {
		t.Error("the admin demoted or disabled themselves")
	}

	// Disabling ends the target's session: their next request is anonymous.
	wantStatus(t, target.get("/manage"), http.StatusOK)
	wantStatus(t, admin.post(them+"/disable", nil), http.StatusSeeOther)
	if rec := target.get("/manage"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("disabled user's session still works: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	wantStatus(t, admin.get(them), http.StatusOK, "Désactivé", "Réactiver le compte")
	wantStatus(t, admin.post(them+"/enable", nil), http.StatusSeeOther)

	// Revoking sessions signs them out without disabling them.
	target = f.signedIn(t, "awa@ngo.test", false)
	wantStatus(t, admin.post(them+"/sessions/revoke", nil), http.StatusSeeOther)
	if rec := target.get("/manage"); rec.Code != http.StatusSeeOther {
		t.Errorf("revoked session still works: %d", rec.Code)
	}

	// Memberships: an unknown slug is refused next to the field, input kept.
	rec = admin.post(them+"/memberships", url.Values{"slug": {"no-such-org"}, "org_role": {"owner"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="slug-err"`, "Aucune organisation n&#39;a cette adresse.", `value="no-such-org"`)
	wantStatus(t, admin.post(them+"/memberships", url.Values{"slug": {"ecpat-luxembourg"}, "org_role": {"owner"}}), http.StatusSeeOther)
	org := f.orgID(t, "ecpat-luxembourg")
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1 AND organisation_id = $2 AND role = 'owner'`, userID, org); n != 1 {
		t.Fatal("the membership was not added")
	}
	target = f.signedIn(t, "awa@ngo.test", false)
	wantStatus(t, target.get("/manage/ecpat-luxembourg"), http.StatusOK)
	wantStatus(t, admin.get(them), http.StatusOK, "ECPAT Luxembourg")
	wantStatus(t, admin.post(fmt.Sprintf("%s/memberships/%d/role", them, org), url.Values{"org_role": {"editor"}}), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1 AND organisation_id = $2 AND role = 'editor'`, userID, org); n != 1 {
		t.Error("the membership role did not change")
	}
	wantStatus(t, admin.post(fmt.Sprintf("%s/memberships/%d/delete", them, org), nil), http.StatusSeeOther)
	wantStatus(t, target.get("/manage/ecpat-luxembourg"), http.StatusNotFound)
	wantStatus(t, admin.post(fmt.Sprintf("%s/memberships/%d/delete", them, org), nil), http.StatusNotFound)
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action IN ('membership.grant', 'membership.role_change', 'membership.revoke')`, userID); n != 3 {
		t.Errorf("%d audited membership changes, want 3", n)
	}
	wantStatus(t, admin.get("/admin/users/999999"), http.StatusNotFound)
}
