package web_test

import (
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
	"github.com/partnerdir/partnerdir/internal/web"
)

// TestUserDeletesTheirAccount: from the account's pages, an NGO owner
// deletes their account. A wrong password and being the last owner are
// refused with a clear message and change nothing; once another owner
// exists, the account goes: the browser is signed out on the home page
// with a notice, the old cookie opens nothing, and the audit log keeps
// user.delete without the person.
func TestUserDeletesTheirAccount(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	id := f.owner(t)
	b := f.signedIn(t, "owner@example.org", false)
	wantStatus(t, b.get("/account/sessions"), http.StatusOK, `href="/account/delete"`, "Supprimer mon compte")
	stolen := *b.cookies["pd_session"]
	state := func() string {
		return fmt.Sprint(f.count(t, `SELECT count(*) FROM users WHERE id = $1`, id), f.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1`, id),
			f.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, id))
	}
	before := state()

	// The last owner of ECPAT Luxembourg is told to hand it over first.
	rec := b.get("/account/delete")
	wantStatus(t, rec, http.StatusOK, "seul responsable", "ECPAT Luxembourg", `href="/manage/ecpat-luxembourg/access"`)
	if strings.Contains(rec.Body.String(), `action="/account/delete"`) {
		t.Error("the last owner is offered the deletion form")
	}
	wantStatus(t, b.post("/account/delete", url.Values{"password": {testPassword}}), http.StatusConflict, "dernier responsable")
	if got := state(); got != before {
		t.Fatalf("a refused deletion changed the account: %s → %s", before, got)
	}

	// Handed over: another owner.
	f.user(t, "second@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	wantStatus(t, b.get("/account/delete"), http.StatusOK, `action="/account/delete"`, "définitive", `name="password"`)
	wantStatus(t, b.post("/account/delete", url.Values{"password": {"not my password"}}), http.StatusUnprocessableEntity,
		"Le mot de passe actuel est incorrect.", `aria-invalid="true"`)
	if got := state(); got != before {
		t.Fatalf("a wrong password changed the account: %s → %s", before, got)
	}
	// In the visitor's language.
	b.header.Set("Accept-Language", "en")
	wantStatus(t, b.post("/account/delete", url.Values{"password": {"not my password"}}), http.StatusUnprocessableEntity, "The current password is wrong.")
	b.header.Del("Accept-Language")

	rec = b.post("/account/delete", url.Values{"password": {testPassword}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/?account=deleted" {
		t.Fatalf("deletion: %d → %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	if _, ok := b.cookies["pd_session"]; ok {
		t.Error("the session cookie was not removed")
	}
	rec = b.get(rec.Header().Get("Location"))
	wantStatus(t, rec, http.StatusOK, "Votre compte a été supprimé.")
	if strings.Contains(rec.Body.String(), `action="/logout"`) {
		t.Error("still signed in after the deletion")
	}
	// The old cookie opens nothing any more.
	old := f.browser(t)
	old.cookies["pd_session"] = &stolen
	if rec := old.get("/manage"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("the old cookie after the deletion: %d → %q, want the login page", rec.Code, rec.Header().Get("Location"))
	}
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1 OR email = 'owner@example.org'`, id); n != 0 {
		t.Error("the user row is still there")
	}
	if n := f.count(t, `SELECT count(*) FROM sessions WHERE user_id = $1`, id) + f.count(t, `SELECT count(*) FROM memberships WHERE user_id = $1`, id); n != 0 {
		t.Errorf("%d sessions and memberships left", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.delete' AND entity_id = $1 AND actor_user_id IS NULL
		AND actor = $2 AND details = '{}'`, id, accounts.ErasedLabel); n != 1 {
		t.Error("the deletion is not audited as user.delete without the person")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE strpos(lower(actor || details::text), 'owner@example.org') > 0
		OR actor_user_id = $1`, id); n != 0 {
		t.Errorf("%d audit entries still name the deleted user", n)
	}
	// The other owner is still there.
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'second@example.org'`); n != 1 {
		t.Error("the other owner lost their membership")
	}
}

// TestDeletionAsksForTheSecondFactor: with two-factor authentication on,
// the password alone is not enough, and a staff member cannot delete
// their own account.
func TestDeletionAsksForTheSecondFactor(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	id := f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	b := f.signedIn(t, "editor@example.org", false)
	m := secretText.FindStringSubmatch(b.get("/account/2fa").Body.String())
	if m == nil {
		t.Fatal("no two-factor secret shown")
	}
	code, _ := totp.GenerateCode(m[1], time.Now())
	wantStatus(t, b.post("/account/2fa", url.Values{"code": {code}}), http.StatusOK)

	wantStatus(t, b.get("/account/delete"), http.StatusOK, `name="code"`)
	wantStatus(t, b.post("/account/delete", url.Values{"password": {testPassword}, "code": {"000000"}}), http.StatusUnprocessableEntity,
		"Ce code n&#39;est pas valable.")
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1`, id); n != 1 {
		t.Fatal("deleted without a valid code")
	}
	// The code of the next time step (the current one was used to enrol).
	code, _ = totp.GenerateCode(m[1], time.Now().Add(30*time.Second))
	wantStatus(t, b.post("/account/delete", url.Values{"password": {testPassword}, "code": {code}}), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM users WHERE id = $1`, id); n != 0 {
		t.Error("not deleted with the password and a valid code")
	}

	staff := f.signedIn(t, "staff@example.org", true)
	wantStatus(t, staff.get("/account/delete"), http.StatusOK, "demandez à un administrateur")
	wantStatus(t, staff.post("/account/delete", url.Values{"password": {testPassword}}), http.StatusForbidden, "demandez à un administrateur")
	if n := f.count(t, `SELECT count(*) FROM users WHERE email = 'staff@example.org'`); n != 1 {
		t.Error("a staff account deleted itself")
	}
}

// TestAdminErasesAUser: on the user's admin page, an admin erases the
// account once confirmed; the last owner of an organisation needs a second
// tick; the admin's own page offers no erasure and refuses it; the entry
// is user.erase by the admin, with the user's id only. Without the form
// token, or as a non-admin, nothing happens.
func TestAdminErasesAUser(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	adminID := f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	owner := f.owner(t)
	editor := f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	admin := f.signedIn(t, "admin@partners.test", true)
	page := fmt.Sprintf("/admin/users/%d", owner)
	exists := func(id int64) bool { return f.count(t, `SELECT count(*) FROM users WHERE id = $1`, id) == 1 }

	// A non-admin, and a request without the form token, are refused.
	other := f.signedIn(t, "editor@ecpat.test", false)
	wantStatus(t, other.post(page+"/erase", url.Values{"confirm": {"yes"}, "ownerless": {"yes"}}), http.StatusForbidden)
	wantStatus(t, admin.get(page), http.StatusOK)
	rec := admin.post(page+"/erase", url.Values{"confirm": {"yes"}, "ownerless": {"yes"}, web.CSRFField: {""}})
	if rec.Code != http.StatusForbidden || !csrfRefusal.MatchString(rec.Body.String()) {
		t.Errorf("without the form token: %d, want 403 from the CSRF layers", rec.Code)
	}
	if !exists(owner) {
		t.Fatal("a refused request erased the user")
	}

	wantStatus(t, admin.get(page), http.StatusOK, "Effacer ce compte", "n&#39;auront plus de responsable", `name="ownerless"`)
	wantStatus(t, admin.post(page+"/erase", nil), http.StatusUnprocessableEntity, "Cochez la case pour confirmer")
	wantStatus(t, admin.post(page+"/erase", url.Values{"confirm": {"yes"}}), http.StatusConflict, "cochez la case qui accepte")
	if !exists(owner) {
		t.Fatal("the last owner was erased without the admin's explicit consent")
	}
	self := fmt.Sprintf("/admin/users/%d", adminID)
	if rec := admin.get(self); strings.Contains(rec.Body.String(), "/erase") {
		t.Error("the admin's own page offers to erase them")
	}
	wantStatus(t, admin.post(self+"/erase", url.Values{"confirm": {"yes"}}), http.StatusUnprocessableEntity, "Vous ne pouvez pas effacer votre propre compte")

	rec = admin.post(page+"/erase", url.Values{"confirm": {"yes"}, "ownerless": {"yes"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, admin.get(rec.Header().Get("Location")), http.StatusOK, "Compte effacé.")
	if exists(owner) || !exists(editor) || !exists(adminID) {
		t.Error("the wrong accounts are gone")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'user.erase' AND entity_id = $1 AND actor_user_id = $2
		AND details = '{"organisations_left_without_owner": 1}'`, owner, adminID); n != 1 {
		t.Error("the erasure is not audited by the admin without personal data")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE strpos(lower(actor || details::text), 'owner@example.org') > 0`); n != 0 {
		t.Errorf("%d audit entries still name the erased user", n)
	}
	// The address is told, once, and forgotten when the mail is sent.
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@example.org' AND purpose = $1 AND forget_when_sent
		AND status = 'queued' AND to_name = ''`, accounts.PurposeDeleted); n != 1 {
		t.Errorf("%d deletion confirmations queued, want 1", n)
	}
	if n := f.count(t, `SELECT count(*) FROM mail_messages WHERE to_email = 'owner@example.org'`); n != 1 {
		t.Errorf("%d mails still hold the address, want only the confirmation", n)
	}
	wantStatus(t, admin.post(page+"/erase", url.Values{"confirm": {"yes"}}), http.StatusNotFound)
}

// TestErasedStaffLeaveNoLabelOnOffers: the program's erasure reaches the
// offers' tables (the hook the wiring registers): notes, status history
// and re-routings keep what was done and lose who did it.
func TestErasedStaffLeaveNoLabelOnOffers(t *testing.T) {
	t.Parallel()
	f := newOffersFixture(t)
	staffID := f.user(t, "staff@partners.test", accounts.RoleStaff, "", "")
	adminID := f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	r := f.submit(t, "ecpat-luxembourg", directory.SupportVolunteering, "vol@example.com")
	staff := audit.Actor{UserID: staffID, Label: "staff@partners.test"}
	ctx := t.Context()
	if err := f.offers.AddNote(ctx, staff, r.ID, "Called the donor back."); err != nil {
		t.Fatal(err)
	}
	if err := f.offers.ChangeStatus(ctx, staff, r.ID, offers.StatusInReview, 0); err != nil {
		t.Fatal(err)
	}
	f.exec(t, `UPDATE offers SET rerouted_by = 'Staff@Partners.test' WHERE id = $1`, r.ID)
	if err := f.acc.Erase(ctx, audit.Actor{UserID: adminID, Label: "admin@partners.test"}, staffID, accounts.EraseOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM offer_notes WHERE offer_id = $1 AND author = $2 AND body = 'Called the donor back.'`, r.ID, accounts.ErasedLabel); n != 1 {
		t.Error("the note lost its text or kept its author")
	}
	if n := f.count(t, `SELECT count(*) FROM offer_status_history WHERE offer_id = $1 AND actor = $2 AND to_status = 'in_review'`, r.ID, accounts.ErasedLabel); n != 1 {
		t.Error("the status history kept the erased user's label")
	}
	if n := f.count(t, `SELECT count(*) FROM offers WHERE id = $1 AND rerouted_by = $2`, r.ID, accounts.ErasedLabel); n != 1 {
		t.Error("the re-routing kept the erased user's label")
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE strpos(lower(actor || details::text), 'staff@partners.test') > 0`); n != 0 {
		t.Errorf("%d audit entries name the erased staff member", n)
	}
}
