package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
)

// pendingInvite stores an invitation of an existing account to orgID,
// waiting to be accepted, and returns its id.
func (f *accountsFixture) pendingInvite(t *testing.T, orgID int64, email string) int64 {
	t.Helper()
	uid := f.user(t, email, "", "", "")
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO account_tokens (token_hash, purpose, user_id, organisation_id, org_role, expires_at)
		VALUES (sha256(random()::text::bytea), 'accept', $1, $2, 'editor', now() + interval '7 days') RETURNING id`, uid, orgID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// suggestion stores an open suggestion about orgID's offices and returns
// its id.
func (f *accountsFixture) suggestion(t *testing.T, orgID int64, body string) int64 {
	t.Helper()
	var id int64
	if err := f.pool.QueryRow(context.Background(), `INSERT INTO suggestions (organisation_id, section, body, email, lang)
		VALUES ($1, 'offices', $2, 'suggester@example.org', 'en') RETURNING id`, orgID, body).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// newTruthFixture is the accounts fixture with the App, for the stores
// of issue 14's tests.
func newTruthFixture(t *testing.T) (*accountsFixture, *app.App) {
	t.Helper()
	a := apptest.New(t, apptest.Setup{})
	return &accountsFixture{fixture: newFixture(a), dir: a.Directory, join: a.Joining, news: a.News}, a
}

// mailTo returns the language and text of the latest mail of purpose to
// address, or fails.
func (f *accountsFixture) mailTo(t *testing.T, to, purpose string) (lang, text string) {
	t.Helper()
	err := f.pool.QueryRow(context.Background(), `SELECT lang, text_body FROM mail_messages WHERE to_email = $1 AND purpose = $2
		ORDER BY id DESC LIMIT 1`, to, purpose).Scan(&lang, &text)
	if err != nil {
		t.Fatalf("no %s mail to %s: %v", purpose, to, err)
	}
	return lang, text
}

func TestVisitorSuggestsACorrectionAndTheOwnerDeclinesIt(t *testing.T) {
	t.Parallel()
	f, _ := newTruthFixture(t)
	f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	visitor := f.browser(t)
	visitor.header.Set("Accept-Language", "en")
	wantStatus(t, visitor.get("/organisations/ecpat-luxembourg"), http.StatusOK,
		`href="/organisations/ecpat-luxembourg/suggest"`, "Suggest a correction / report outdated information")
	wantStatus(t, visitor.get("/organisations/ecpat-luxembourg/suggest?section=offices"), http.StatusOK,
		`<option value="offices" selected>Offices</option>`, `name="homepage"`)
	stored := func() int { return f.count(t, `SELECT count(*) FROM suggestions WHERE organisation_id = $1`, org) }

	// Bad input: a link, 20 KB of text, no text, a bad address, an
	// unknown section — each a message next to its field, nothing stored.
	for name, c := range map[string]struct {
		form  url.Values
		field string
		msg   string
	}{
		"link":    {url.Values{"section": {"offices"}, "body": {"See https://evil.example/offer"}}, "body", "Links are not accepted"},
		"www":     {url.Values{"section": {"offices"}, "body": {"See www.evil.example"}}, "body", "Links are not accepted"},
		"markup":  {url.Values{"section": {"offices"}, "body": {`<a href="x">here</a>`}}, "body", "Links are not accepted"},
		"20 KB":   {url.Values{"section": {"team"}, "body": {strings.Repeat("a", 20<<10)}}, "body", "At most 5,000 characters."},
		"empty":   {url.Values{"section": {"team"}, "body": {"  "}}, "body", "Write the correct information."},
		"email":   {url.Values{"section": {"team"}, "body": {"Fabienne left"}, "email": {"not an address"}}, "email", "This is not an email address."},
		"section": {url.Values{"section": {"finances"}, "body": {"Fabienne left"}}, "section", "Choose what is wrong."},
	} {
		rec := visitor.post("/organisations/ecpat-luxembourg/suggest", c.form)
		wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-`+c.field+`"`, c.msg)
		if n := stored(); n != 0 {
			t.Fatalf("%s: %d suggestions stored", name, n)
		}
	}
	// A bot filling the hidden field gets the confirmation; nothing is kept.
	rec := visitor.post("/organisations/ecpat-luxembourg/suggest", url.Values{"section": {"team"}, "body": {"Buy now"}, "homepage": {"x"}})
	if rec.Code != http.StatusSeeOther || stored() != 0 {
		t.Fatalf("honeypot: %d, %d stored", rec.Code, stored())
	}

	rec = visitor.post("/organisations/ecpat-luxembourg/suggest", url.Values{"section": {"offices"},
		"body": {"The Bamako office moved to Hamdallaye ACI 2000."}, "email": {"Visitor@Example.org"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/organisations/ecpat-luxembourg/suggest/sent" {
		t.Fatalf("suggestion: %d %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body.String())
	}
	wantStatus(t, visitor.get("/organisations/ecpat-luxembourg/suggest/sent"), http.StatusOK, "Your suggestion was sent")
	if n := f.count(t, `SELECT count(*) FROM suggestions WHERE organisation_id = $1 AND email = 'visitor@example.org' AND lang = 'en' AND status = 'open'`, org); n != 1 {
		t.Fatalf("%d suggestions stored as sent", n)
	}
	// The owner is mailed, French then English, with the text and the link.
	lang, text := f.mailTo(t, "owner@example.org", "suggestion_received")
	for _, want := range []string{"Hamdallaye ACI 2000", "Bureaux", "Offices", "http://partners.test/manage/ecpat-luxembourg/suggestions"} {
		if !strings.Contains(text, want) {
			t.Errorf("owner's mail lacks %q:\n%s", want, text)
		}
	}
	if lang != "fr" || strings.Contains(text, "visitor@example.org") {
		t.Errorf("owner's mail in %q, or it shows the suggester's address:\n%s", lang, text)
	}

	owner := f.browser(t)
	owner.login("owner@example.org")
	rec = owner.get("/manage/ecpat-luxembourg/suggestions")
	wantStatus(t, rec, http.StatusOK, "Hamdallaye ACI 2000", "la personne a laissé une adresse")
	if strings.Contains(rec.Body.String(), "visitor@example.org") {
		t.Error("the owner sees the suggester's address")
	}
	var id int64
	f.pool.QueryRow(context.Background(), `SELECT id FROM suggestions WHERE organisation_id = $1`, org).Scan(&id)
	path := "/manage/ecpat-luxembourg/suggestions/" + strconv.FormatInt(id, 10)
	// Declining needs a reason, said next to the field.
	wantStatus(t, owner.post(path+"/decline", url.Values{"reason": {" "}}), http.StatusUnprocessableEntity,
		`id="reason-err-`+strconv.FormatInt(id, 10)+`"`, "Dites pourquoi la suggestion est refusée")
	wantStatus(t, owner.post(path+"/decline", url.Values{"reason": {"The office has not moved."}}), http.StatusSeeOther)
	wantStatus(t, owner.post(path+"/accept", nil), http.StatusConflict)
	// The suggester is told in their language, with the reason.
	lang, text = f.mailTo(t, "visitor@example.org", "suggestion_decided")
	if lang != "en" || !strings.Contains(text, "The office has not moved.") || !strings.Contains(text, "was not taken up") {
		t.Errorf("decline mail in %q:\n%s", lang, text)
	}
	wantStatus(t, owner.get("/manage/ecpat-luxembourg/suggestions"), http.StatusOK, "Refusée", "The office has not moved.")
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action IN ('suggestion.create', 'suggestion.decline')`, org); n != 2 {
		t.Errorf("%d audit entries of the suggestion, want 2", n)
	}
	// An unpublished organisation takes no suggestion.
	f.exec(t, `UPDATE organisations SET status = 'suspended' WHERE id = $1`, org)
	wantStatus(t, visitor.post("/organisations/ecpat-luxembourg/suggest", url.Values{"section": {"team"}, "body": {"x"}}), http.StatusNotFound)
}

func TestSuggestionRateLimitHoldsUnderAParallelBurst(t *testing.T) {
	t.Parallel()
	f, _ := newTruthFixture(t)
	const burst = 12
	browsers := make([]*browser, burst)
	for i := range browsers {
		browsers[i] = f.browser(t)
		browsers[i].get("/organisations/ecpat-luxembourg/suggest")
	}
	codes := make([]int, burst)
	retry := make([]string, burst)
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := b.post("/organisations/ecpat-luxembourg/suggest", url.Values{"section": {"team"}, "body": {fmt.Sprintf("Correction %d", i)}})
			codes[i], retry[i] = rec.Code, rec.Header().Get("Retry-After")
		}()
	}
	wg.Wait()
	accepted, limited := 0, 0
	for i, c := range codes {
		switch c {
		case http.StatusSeeOther:
			accepted++
		case http.StatusTooManyRequests:
			limited++
			if retry[i] == "" {
				t.Error("429 without Retry-After")
			}
		default:
			t.Errorf("request %d: %d", i, c)
		}
	}
	if accepted != 5 || limited != burst-5 {
		t.Errorf("%d accepted and %d limited of %d, want exactly 5 accepted", accepted, limited, burst)
	}
	if n := f.count(t, `SELECT count(*) FROM suggestions`); n != 5 {
		t.Errorf("%d suggestions stored, want 5", n)
	}
}

func TestOwnersManageTheirTeamAndKeepAnOwner(t *testing.T) {
	t.Parallel()
	f, _ := newTruthFixture(t)
	ownerID := f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	editorID := f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	owner, editor := f.browser(t), f.browser(t)
	owner.login("owner@example.org")
	editor.login("editor@example.org")
	access := "/manage/ecpat-luxembourg/access"
	wantStatus(t, owner.get(access), http.StatusOK, "Transmettre la responsabilité", "Retirer")
	role := func(uid int64) string {
		var r string
		f.pool.QueryRow(context.Background(), `SELECT COALESCE((SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2), '')`, uid, org).Scan(&r)
		return r
	}
	member := func(uid int64) string { return fmt.Sprintf("%s/%d", access, uid) }

	// The only owner can neither leave nor become an editor.
	wantStatus(t, owner.post(member(ownerID)+"/role", url.Values{"role": {"editor"}}), http.StatusConflict,
		`id="team-refusal"`, "doit garder au moins un responsable")
	wantStatus(t, owner.post(member(ownerID)+"/delete", nil), http.StatusConflict, "doit garder au moins un responsable")
	// An editor changes nothing of the team.
	editor.get("/manage/ecpat-luxembourg")
	wantStatus(t, editor.post(member(ownerID)+"/delete", nil), http.StatusForbidden)
	wantStatus(t, editor.get("/manage/ecpat-luxembourg/history"), http.StatusForbidden)
	if role(ownerID) != accounts.OrgOwner || role(editorID) != accounts.OrgEditor {
		t.Fatal("a refusal changed the team")
	}
	// Handing ownership over: the editor becomes the owner and the owner
	// an editor.
	owner.get(access)
	wantStatus(t, owner.post(member(editorID)+"/transfer", nil), http.StatusSeeOther)
	if role(ownerID) != accounts.OrgEditor || role(editorID) != accounts.OrgOwner {
		t.Fatalf("after the transfer: %q, %q", role(ownerID), role(editorID))
	}
	// The new owner removes the former one, and revokes an invitation.
	editor.get(access)
	wantStatus(t, editor.post(member(ownerID)+"/delete", nil), http.StatusSeeOther)
	if role(ownerID) != "" {
		t.Error("the removed member kept access")
	}
	wantStatus(t, owner.get("/manage/ecpat-luxembourg"), http.StatusNotFound)
	inv := f.pendingInvite(t, org, "invited@example.org")
	wantStatus(t, editor.get(access), http.StatusOK, "Invitations en attente", "invited@example.org")
	wantStatus(t, editor.post(fmt.Sprintf("/manage/ecpat-luxembourg/invitations/%d/revoke", inv), nil), http.StatusSeeOther)
	if n := f.count(t, `SELECT count(*) FROM account_tokens WHERE id = $1`, inv); n != 0 {
		t.Error("the revoked invitation still works")
	}
	wantStatus(t, editor.post(fmt.Sprintf("/manage/ecpat-luxembourg/invitations/%d/revoke", inv), nil), http.StatusNotFound)
	for _, action := range []string{"membership.transfer", "membership.revoke", "membership.invitation_revoke"} {
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = $2`, org, action); n != 1 {
			t.Errorf("%d %s entries, want 1", n, action)
		}
	}
}

func TestTwoOwnersDemotingEachOtherAtOnceLeaveOne(t *testing.T) {
	t.Parallel()
	f, _ := newTruthFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	for round := range 5 {
		a := f.user(t, fmt.Sprintf("a%d@example.org", round), "", "ecpat-luxembourg", accounts.OrgOwner)
		b := f.user(t, fmt.Sprintf("b%d@example.org", round), "", "ecpat-luxembourg", accounts.OrgOwner)
		ba, bb := f.browser(t), f.browser(t)
		ba.login(fmt.Sprintf("a%d@example.org", round))
		bb.login(fmt.Sprintf("b%d@example.org", round))
		ba.get("/manage/ecpat-luxembourg/access")
		bb.get("/manage/ecpat-luxembourg/access")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, x := range []struct {
			b      *browser
			target int64
		}{{ba, b}, {bb, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i] = x.b.post(fmt.Sprintf("/manage/ecpat-luxembourg/access/%d/role", x.target), url.Values{"role": {"editor"}}).Code
			}()
		}
		wg.Wait()
		slices.Sort(codes)
		// The second is refused either by the lock's count (409: no owner
		// would be left) or, once the first committed, as an editor (403).
		if codes[0] != http.StatusSeeOther || (codes[1] != http.StatusConflict && codes[1] != http.StatusForbidden) {
			t.Fatalf("round %d: %v, want one demotion and one refusal", round, codes)
		}
		if n := f.count(t, `SELECT count(*) FROM memberships WHERE organisation_id = $1 AND role = 'owner'`, org); n != 1 {
			t.Fatalf("round %d: %d owners left, want 1", round, n)
		}
		// The next round starts again with no owner but its two.
		f.exec(t, `DELETE FROM memberships WHERE organisation_id = $1`, org)
	}
}

func TestHistoryShowsWhoChangedWhatFromWhat(t *testing.T) {
	t.Parallel()
	f, _ := newTruthFixture(t)
	f.owner(t)
	f.exec(t, `UPDATE users SET name = 'Olga Owner' WHERE email = 'owner@example.org'`)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	owner := f.browser(t)
	owner.login("owner@example.org")
	edit := func(b *browser, field, value string) {
		t.Helper()
		rec := b.get("/manage/ecpat-luxembourg")
		form := formValues(t, rec.Body.String())
		form.Set(field, value)
		wantStatus(t, b.post("/manage/ecpat-luxembourg", form), http.StatusSeeOther)
	}
	edit(owner, "phone", "26 27 08 09")
	staff := f.signedIn(t, "staff@example.org", true)
	edit(staff, "alternate_name", "ECPAT-LU")

	rec := owner.get("/manage/ecpat-luxembourg/history")
	body := rec.Body.String()
	wantStatus(t, rec, http.StatusOK, "Profil modifié", "Olga Owner", "l&#39;équipe de la plateforme", "Téléphone", "26 27 08 09", "Sigle", "ECPAT-LU")
	if strings.Contains(body, "Thèmes") {
		t.Error("History shows a field that did not change")
	}
	if strings.Contains(body, "staff@example.org") || strings.Contains(body, ">staff<") {
		t.Error("History names the staff member")
	}
	// Newest first: the staff's edit, then the owner's.
	if strings.Index(body, "ECPAT-LU") > strings.Index(body, "26 27 08 09") {
		t.Error("History is not newest first")
	}
	// The old value is there too (ECPAT Luxembourg's acronym before).
	var old string
	f.pool.QueryRow(context.Background(), `SELECT details->'changes'->'alternate_name'->>'old' FROM audit_log
		WHERE organisation_id = $1 AND action = 'organisation.update' ORDER BY id DESC LIMIT 1`, org).Scan(&old)
	if old == "" || !strings.Contains(body, `<td class="old">`+old+`</td>`) {
		t.Errorf("History lacks the old acronym %q", old)
	}
	// Paged by keyset: 40 more entries make a second page, which ends with
	// the oldest entries and links back.
	for i := range 40 {
		edit(owner, "phone", fmt.Sprintf("26 %04d", i))
	}
	rec = owner.get("/manage/ecpat-luxembourg/history")
	next := regexp.MustCompile(`href="(/manage/ecpat-luxembourg/history\?before=\d+)" rel="next"`).FindStringSubmatch(rec.Body.String())
	if next == nil {
		t.Fatal("no link to older entries")
	}
	if strings.Contains(rec.Body.String(), "ECPAT-LU") {
		t.Error("the first page holds old entries")
	}
	wantStatus(t, owner.get(next[1]), http.StatusOK, "Modifications les plus récentes")
	wantStatus(t, owner.get("/manage/ecpat-luxembourg/history?before=x"), http.StatusBadRequest, "before")
}

var inputValue = regexp.MustCompile(`<(?:input|textarea)[^>]*name="([a-z_]+)"[^>]*?(?:value="([^"]*)"[^>]*)?>(?:([^<]*)</textarea>)?`)

// formValues reads the text fields and selected options of the page's
// profile form, as a browser would send them back.
func formValues(t *testing.T, page string) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range inputValue.FindAllStringSubmatch(page, -1) {
		if m[1] == "csrf_token" || strings.Contains(m[0], `type="checkbox"`) {
			continue
		}
		v.Set(m[1], html.UnescapeString(m[2]+m[3]))
	}
	sel := regexp.MustCompile(`(?s)<select[^>]*name="([a-z_]+)"[^>]*>(.*?)</select>`)
	opt := regexp.MustCompile(`<option value="([^"]*)" selected>`)
	for _, m := range sel.FindAllStringSubmatch(page, -1) {
		for _, o := range opt.FindAllStringSubmatch(m[2], -1) {
			v.Add(m[1], o[1])
		}
	}
	checked := regexp.MustCompile(`<input type="checkbox" name="([a-z_]+)" value="([^"]*)" checked>`)
	for _, m := range checked.FindAllStringSubmatch(page, -1) {
		v.Add(m[1], m[2])
	}
	return v
}

func TestStaffQueueAndTheSuggestersPersonalData(t *testing.T) {
	t.Parallel()
	f, a := newTruthFixture(t)
	f.owner(t)
	ecpat := f.orgID(t, "ecpat-luxembourg")
	other, _, _ := f.secondOrg(t)
	older := f.suggestion(t, other.ID, "Une information ancienne")
	newer := f.suggestion(t, ecpat, "Une information récente")
	f.exec(t, `UPDATE suggestions SET created_at = now() - interval '2 days', email = 'jane@example.com' WHERE id = $1`, older)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	staff := f.signedIn(t, "staff@example.org", true)
	wantStatus(t, staff.get("/staff/offers"), http.StatusOK, `href="/staff/suggestions"`)
	rec := staff.get("/staff/suggestions")
	wantStatus(t, rec, http.StatusOK, `href="/staff/suggestions" aria-current="page"`, "2 ouverte(s)", "Une information ancienne", "Une information récente", "jane@example.com")
	if strings.Index(rec.Body.String(), "ancienne") > strings.Index(rec.Body.String(), "récente") {
		t.Error("the queue is not oldest first")
	}
	wantStatus(t, staff.post(fmt.Sprintf("/staff/suggestions/%d/decline", older), url.Values{"reason": {""}}), http.StatusUnprocessableEntity,
		"Dites pourquoi la suggestion est refusée")
	wantStatus(t, staff.post(fmt.Sprintf("/staff/suggestions/%d/accept", newer), nil), http.StatusSeeOther)
	wantStatus(t, staff.post(fmt.Sprintf("/staff/suggestions/%d/decline", older), url.Values{"reason": {"Déjà à jour"}}), http.StatusSeeOther)
	wantStatus(t, staff.get("/staff/suggestions"), http.StatusOK, "Aucune suggestion ouverte.")
	// The suggester of a staff decision is told too (in the language the
	// suggestion was made in), and staff's decision is audited with their role.
	if lang, text := f.mailTo(t, "jane@example.com", "suggestion_decided"); lang != "en" || !strings.Contains(text, "Déjà à jour") {
		t.Errorf("decline mail in %q:\n%s", lang, text)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'suggestion.decline' AND actor_role = 'staff'`); n != 1 {
		t.Errorf("%d staff declines audited with the role", n)
	}
	// Editors and owners are not staff.
	owner := f.browser(t)
	owner.login("owner@example.org")
	wantStatus(t, owner.get("/staff/suggestions"), http.StatusForbidden)

	// GDPR: the donor export shows the suggestion, the erasure removes it.
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	admin := f.signedIn(t, "admin@partners.test", true)
	admin.get("/admin/donors")
	wantStatus(t, admin.post("/admin/donors/export", url.Values{"email": {"Jane@Example.com"}}), http.StatusOK,
		`"suggestions": [`, `"text": "Une information ancienne"`, `"status": "declined"`)
	wantStatus(t, admin.post("/admin/donors/erase", url.Values{"email": {"jane@example.com"}, "confirm": {"yes"}}), http.StatusOK,
		"Suggestion de correction effacée.")
	if n := f.count(t, `SELECT count(*) FROM suggestions WHERE id = $1`, older); n != 0 {
		t.Error("the erased suggestion survived")
	}

	// Retention: the suggester's email leaves a suggestion decided more than
	// PERSONAL_DATA_RETENTION ago, never an open one.
	kept := f.suggestion(t, ecpat, "Ouverte depuis longtemps")
	old := f.suggestion(t, ecpat, "Décidée depuis longtemps")
	recent := f.suggestion(t, ecpat, "Décidée hier")
	f.exec(t, `UPDATE suggestions SET created_at = now() - interval '400 days' WHERE id = ANY($1)`, []int64{kept, old})
	f.exec(t, `UPDATE suggestions SET status = 'accepted', decided_at = now() - interval '200 days' WHERE id = $1`, old)
	f.exec(t, `UPDATE suggestions SET status = 'accepted', decided_at = now() - interval '1 day' WHERE id = $1`, recent)
	purged, err := a.Accounts.PurgePersonalData(context.Background(), audit.System("test"), accounts.Retention{Period: 90 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if purged.Other["suggestion_emails"] != 1 {
		t.Errorf("purge: %+v, want 1 suggester's email", purged)
	}
	if n := f.count(t, `SELECT count(*) FROM suggestions WHERE email IS NOT NULL AND id = ANY($1)`, []int64{kept, recent}); n != 2 {
		t.Errorf("%d of the open and the recent suggestions kept their email, want 2", n)
	}
	if n := f.count(t, `SELECT count(*) FROM suggestions WHERE email IS NULL AND id = $1`, old); n != 1 {
		t.Error("the old decided suggestion kept its email")
	}
}
