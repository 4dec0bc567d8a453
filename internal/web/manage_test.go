package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/web"
)

// secondOrg returns a demo organisation other than ECPAT with an office, a
// member, a project and a contact, and gives it a routing rule.
func (f *accountsFixture) secondOrg(t *testing.T) (*directory.Profile, []directory.ContactPoint, directory.Rule) {
	t.Helper()
	ctx := context.Background()
	list, err := f.dir.List(ctx, directory.ListFilter{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Cards {
		p, err := f.dir.Profile(ctx, c.Slug, directory.ProfileOptions{Unpublished: true, Private: true})
		if err != nil {
			t.Fatal(err)
		}
		if p.Slug == "ecpat-luxembourg" || len(p.Offices) == 0 || len(p.Members) == 0 || len(p.Projects) == 0 {
			continue
		}
		cps, err := f.dir.ContactPoints(ctx, p.ID)
		if err != nil || len(cps) == 0 {
			continue
		}
		r := directory.Rule{SupportKind: directory.SupportGoods, ContactPointID: cps[0].ID}
		if err := f.dir.AddRule(ctx, audit.System("test"), p.ID, &r); err != nil {
			t.Fatal(err)
		}
		p, _ = f.dir.Profile(ctx, c.Slug, directory.ProfileOptions{Unpublished: true, Private: true})
		return p, cps, r
	}
	t.Fatal("no second demo organisation")
	return nil, nil, directory.Rule{}
}

// fingerprint is everything about an organisation a /manage route could
// change, to prove a refused request changed nothing.
func (f *accountsFixture) fingerprint(t *testing.T, orgID int64) string {
	t.Helper()
	ctx := context.Background()
	p, err := f.dir.ProfileByID(ctx, orgID, directory.ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	cps, _ := f.dir.ContactPoints(ctx, orgID)
	rules, _ := f.dir.Rules(ctx, orgID)
	audits := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1`, orgID)
	p.UpdatedAt = p.CreatedAt
	var coords []float64
	for i := range p.Offices {
		if o := &p.Offices[i]; o.Latitude != nil {
			coords = append(coords, *o.Latitude, *o.Longitude)
			o.Latitude, o.Longitude = nil, nil
		}
	}
	var articles string
	if err := f.pool.QueryRow(ctx, `SELECT COALESCE(string_agg(a.id || ':' || a.status || ':' || a.version || ':' || a.cover_path || ':' || t.title, ',' ORDER BY a.id, t.lang), '')
		FROM articles a JOIN article_translations t ON t.article_id = a.id WHERE a.organisation_id = $1`, orgID).Scan(&articles); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%+v|%v|%+v|%+v|%+v|%+v|%+v|%d|%d|%s|%+v", p.Organisation, coords, p.Offices, p.Members, p.Projects, append(cps[:0:0], cps...), rules, audits, f.indexJobs(t, orgID), articles,
		p.Documents)
}

// hostileForm is a valid-looking form for any /manage route: were the
// route to accept it, it would change something.
func hostileForm(route string, contactID int64) url.Values {
	kind := "country"
	if route == "/manage/:org" {
		kind = "22"
	}
	return url.Values{"version": {"1"}, "name": {"Hacked"}, "full_name": {"Hacked"}, "title": {"Hacked"}, "title_fr": {"Hacked"}, "body_fr": {"Hacked"}, "do": {"save"}, "slug": {"hacked"},
		"city": {"Hacked"}, "country": {"LU"}, "kind": {kind}, "email": {"hack@example.org"}, "status": {"2"},
		"role_code": {"1"}, "support_kind": {"donation"}, "contact_point": {fmt.Sprint(contactID)}, "visibility": {"public"},
		"direction": {"up"}, "default": {"1"}}
}

// managePath fills a /manage route's parameters.
func managePath(route, slug string, ids map[string]int64) string {
	p := strings.Replace(route, ":org", slug, 1)
	for section, id := range ids {
		p = strings.Replace(p, "/"+section+"/:id", fmt.Sprintf("/%s/%d", section, id), 1)
	}
	return p
}

func TestManageAuthorization(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	b, bContacts, bRule := f.secondOrg(t)
	f.user(t, "editor-a@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "owner-b@example.org", "", b.Slug, accounts.OrgOwner)
	// B's team, invitations and suggestions, for the routes of issue 14.
	editorB := f.user(t, "editor-b@example.org", "", b.Slug, accounts.OrgEditor)
	bIDs := map[string]int64{"offices": b.Offices[0].ID, "team": b.Members[0].ID, "projects": b.Projects[0].ID,
		"contacts": bContacts[0].ID, "rules": bRule.ID, "news": f.draftArticle(t, b.ID, "Une actualité de B"),
		"access": editorB, "invitations": f.pendingInvite(t, b.ID, "invited-b@example.org"),
		"suggestions": f.suggestion(t, b.ID, "Le bureau a déménagé"), "documents": f.document(t, b.ID)}
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	f.user(t, "admin@example.org", accounts.RoleAdmin, "", "")

	var routes []string
	methods := map[string][]string{}
	for _, r := range f.h.Routes() {
		if strings.HasPrefix(r.Path, "/manage/:org") {
			if len(methods[r.Path]) == 0 {
				routes = append(routes, r.Path)
			}
			methods[r.Path] = append(methods[r.Path], r.Method)
		}
	}
	if len(routes) < 20 {
		t.Fatalf("only %d /manage routes found", len(routes))
	}
	before := f.fingerprint(t, b.ID)

	type attempt struct{ who, method, path string }
	var attempts []attempt
	for _, route := range routes {
		for _, m := range methods[route] {
			// B's organisation by its slug, and B's records through A's slug.
			attempts = append(attempts, attempt{"editor-a", m, managePath(route, b.Slug, bIDs)})
			if strings.Contains(route, ":id") {
				attempts = append(attempts, attempt{"editor-a", m, managePath(route, "ecpat-luxembourg", bIDs)})
			}
			// A's owner, who passes the owner-only checks, neither.
			attempts = append(attempts, attempt{"owner-a", m, managePath(route, b.Slug, bIDs)})
			if strings.Contains(route, ":id") {
				attempts = append(attempts, attempt{"owner-a", m, managePath(route, "ecpat-luxembourg", bIDs)})
			}
			// Staff and admins without two-factor authentication are not
			// let in (the platform team's rows are below).
			attempts = append(attempts, attempt{"staff", m, managePath(route, b.Slug, bIDs)})
			attempts = append(attempts, attempt{"admin", m, managePath(route, b.Slug, bIDs)})
		}
	}
	browsers := map[string]*browser{}
	f.user(t, "owner-a@example.org", "", "ecpat-luxembourg", accounts.OrgOwner)
	for _, who := range []string{"editor-a", "owner-a", "staff", "admin"} {
		browsers[who] = f.browser(t)
		browsers[who].login(who + "@example.org")
		browsers[who].get("/manage") // for the form token
	}
	for _, a := range attempts {
		t.Run(a.who+" "+a.method+" "+a.path, func(t *testing.T) {
			br := browsers[a.who]
			var code int
			if a.method == http.MethodGet {
				code = br.get(a.path).Code
			} else {
				code = br.post(a.path, hostileForm(a.path, bContacts[0].ID)).Code
			}
			if a.who == "staff" || a.who == "admin" {
				// Staff and admins reach every organisation's pages, but
				// only with two-factor authentication, as the staff area.
				if rec := br.get(a.path); a.method == http.MethodGet && (rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/2fa") {
					t.Errorf("%s without two-factor: %d %q, want the enrolment", a.who, rec.Code, rec.Header().Get("Location"))
				}
				if a.method != http.MethodGet && code != http.StatusSeeOther {
					t.Errorf("%s without two-factor: POST %d, want a redirect to the enrolment", a.who, code)
				}
				return
			}
			if code != http.StatusNotFound && code != http.StatusForbidden {
				t.Errorf("got %d, want 404 or 403", code)
			}
		})
	}
	if after := f.fingerprint(t, b.ID); after != before {
		t.Errorf("organisation B changed:\nbefore %s\nafter  %s", before, after)
	}

	t.Run("anonymous", func(t *testing.T) {
		anon := f.browser(t)
		anon.get("/login") // a session with a token, to get past the CSRF layers
		for _, route := range routes {
			path := managePath(route, b.Slug, bIDs)
			for _, m := range methods[route] {
				var rec = anon.get(path)
				if m == http.MethodPost {
					rec = anon.post(path, hostileForm(route, bContacts[0].ID))
				}
				if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
					t.Errorf("anonymous %s %s: %d %s, want a redirect to /login", m, path, rec.Code, rec.Header().Get("Location"))
				}
			}
		}
		if rec := anon.get("/manage"); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/login?next=%2Fmanage" {
			t.Errorf("anonymous /manage: %d %q", rec.Code, rec.Header().Get("Location"))
		}
		if after := f.fingerprint(t, b.ID); after != before {
			t.Errorf("organisation B changed")
		}
	})

	// The same requests from B's owner are accepted: the refusals above
	// are authorization, not broken forms.
	t.Run("owner of B", func(t *testing.T) {
		owner := f.browser(t)
		owner.login("owner-b@example.org")
		for _, route := range routes {
			for _, m := range methods[route] {
				if m != http.MethodGet {
					continue
				}
				if rec := owner.get(managePath(route, b.Slug, bIDs)); rec.Code != http.StatusOK {
					t.Errorf("owner GET %s: %d", route, rec.Code)
				}
			}
		}
		owner.get("/manage/" + b.Slug + "/offices")
		rec := owner.post(managePath("/manage/:org/offices/:id", b.Slug, bIDs), hostileForm("/manage/:org/offices/:id", 0))
		if rec.Code != http.StatusSeeOther {
			t.Errorf("owner's office update: %d\n%s", rec.Code, rec.Body.String())
		}
	})

	// Staff and admins with two-factor authentication open every
	// organisation's pages as the platform team, and their edits are
	// audited with their role.
	for _, who := range []string{"staff", "admin"} {
		t.Run("platform team: "+who, func(t *testing.T) {
			f.user(t, who+"-2fa@example.org", who, "", "")
			br := f.signedIn(t, who+"-2fa@example.org", true)
			for _, route := range routes {
				if slices.Contains(methods[route], http.MethodGet) {
					if rec := br.get(managePath(route, b.Slug, bIDs)); rec.Code != http.StatusOK {
						t.Errorf("%s GET %s: %d", who, route, rec.Code)
					}
				}
			}
			wantStatus(t, br.get("/manage/"+b.Slug), http.StatusOK, "Équipe de la plateforme")
			br.get("/manage/" + b.Slug + "/offices")
			p, _ := f.dir.ProfileByID(context.Background(), b.ID, directory.ProfileOptions{Unpublished: true, Private: true})
			form := hostileForm("/manage/:org/offices/:id", 0)
			form.Set("version", strconv.Itoa(p.Offices[0].Version))
			form.Set("city", "Ville de "+who)
			if rec := br.post(managePath("/manage/:org/offices/:id", b.Slug, bIDs), form); rec.Code != http.StatusSeeOther {
				t.Fatalf("%s's office update: %d\n%s", who, rec.Code, rec.Body.String())
			}
			if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'office.update'
				AND actor_role = $2 AND details->'changes'->'city'->>'new' = $3`, b.ID, who, "Ville de "+who); n != 1 {
				t.Errorf("%s's edit audited %d times with their role, want 1", who, n)
			}
		})
	}
}

var csrfRefusal = regexp.MustCompile(`vient d&#39;un autre site|Ce formulaire a expiré`)

func TestCrossSitePostRefusedOnEveryRoute(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	p, _ := f.dir.ProfileByID(context.Background(), org, directory.ProfileOptions{Unpublished: true, Private: true})
	cps, _ := f.dir.ContactPoints(context.Background(), org)
	ids := map[string]int64{"offices": p.Offices[0].ID, "team": p.Members[0].ID, "projects": p.Projects[0].ID, "contacts": cps[0].ID, "rules": 1,
		"news": f.draftArticle(t, org, "Un brouillon")}
	b := f.browser(t)
	b.login("owner@example.org")
	b.get("/manage")
	before := f.fingerprint(t, org)

	n, exempt := 0, 0
	for _, r := range f.h.Routes() {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			continue
		}
		if r.Path == "/newsletter/unsubscribe" {
			// RFC 8058's one-click target, authenticated by its signature
			// and exempt on purpose: TestOneClickUnsubscribeNeedsNoTokenButItsSignature.
			exempt++
			continue
		}
		n++
		path := managePath(r.Path, "ecpat-luxembourg", ids)
		path = strings.ReplaceAll(path, ":key", "0123456789abcdef")
		path = strings.ReplaceAll(path, ":slug", "ecpat-luxembourg")
		path = strings.ReplaceAll(path, ":id", "1")
		form := hostileForm(r.Path, cps[0].ID)
		cases := map[string][]string{
			"Sec-Fetch-Site cross-site": {"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
			"foreign Origin":            {"Origin", "https://evil.example"},
			"no form token":             nil,
		}
		for name, header := range cases {
			t.Run(r.Method+" "+r.Path+" "+name, func(t *testing.T) {
				fv := url.Values{}
				for k, v := range form {
					fv[k] = v
				}
				if header == nil {
					fv.Set(web.CSRFField, "")
				}
				req := b.post
				rec := req(path, fv, header...)
				// The refusal comes from the CSRF layers, before any
				// route's own checks.
				if rec.Code != http.StatusForbidden || !csrfRefusal.MatchString(rec.Body.String()) {
					t.Errorf("%s %s (%s): %d, want 403 from the CSRF layers", r.Method, path, name, rec.Code)
				}
			})
		}
	}
	if n < 20 {
		t.Errorf("only %d state-changing routes", n)
	}
	if exempt != 1 {
		t.Errorf("%d routes exempt from the CSRF layers, want exactly the one-click unsubscription", exempt)
	}
	if after := f.fingerprint(t, org); after != before {
		t.Errorf("a refused request changed the organisation:\n%s\n%s", before, after)
	}
	// The session is still signed in: the refused logout did nothing.
	if rec := b.get("/manage"); rec.Code != http.StatusOK {
		t.Errorf("signed out by a cross-site POST /logout: %d", rec.Code)
	}
}

func TestEditorEditsProfileWithValidationConflictAndIndexJob(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	org := f.orgID(t, "ecpat-luxembourg")
	jobs := f.indexJobs(t, org)

	owner, editor := f.browser(t), f.browser(t)
	owner.login("owner@example.org")
	editor.login("editor@example.org")
	wantStatus(t, owner.get("/manage"), http.StatusOK, `href="/manage/ecpat-luxembourg"`, "ECPAT Luxembourg", "Responsable")

	form := func(b *browser) url.Values {
		rec := b.get("/manage/ecpat-luxembourg")
		wantStatus(t, rec, http.StatusOK, `name="description_fr"`, `value="https://www.facebook.com/ecpatlux"`)
		body := rec.Body.String()
		v := url.Values{"name": {"ECPAT Luxembourg"}, "alternate_name": {"ECPAT"}, "kind": {"22"},
			"themes": {"child-protection", "human-rights-solidarity"}, "countries": {"LU", "ML"},
			"website": {"https://ecpat.lu"}, "social_facebook": {"https://www.facebook.com/ecpatlux"}}
		i := strings.Index(body, `name="version" value="`)
		v.Set("version", body[i+len(`name="version" value="`):][:1])
		return v
	}
	ov, ev := form(owner), form(editor)

	// Invalid input: errors next to the fields, the input kept.
	bad := url.Values{}
	for k, x := range ov {
		bad[k] = x
	}
	bad.Set("website", "ecpat.lu")
	bad.Set("name", "")
	bad.Set("mission_fr", "Une mission gardée")
	rec := owner.post("/manage/ecpat-luxembourg", bad)
	wantStatus(t, rec, http.StatusUnprocessableEntity, `id="err-website"`, "Doit être une adresse web commençant par http://",
		`id="err-name"`, "Obligatoire.", "Une mission gardée", `value="ecpat.lu"`)

	ov.Set("description_fr", "Texte de la responsable")
	rec = owner.post("/manage/ecpat-luxembourg", ov)
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, owner.get(rec.Header().Get("Location")), http.StatusOK, "Modifications enregistrées", "Texte de la responsable")

	// The editor read the same version: their save is refused, not lost
	// silently, and their text is still on the page.
	ev.Set("description_fr", "Texte de l'éditeur")
	rec = editor.post("/manage/ecpat-luxembourg", ev)
	wantStatus(t, rec, http.StatusConflict, "Quelqu&#39;un d&#39;autre a enregistré cette fiche", "Texte de l&#39;éditeur")
	p, _ := f.dir.ProfileByID(context.Background(), org, directory.ProfileOptions{Unpublished: true})
	if p.Description.FR != "Texte de la responsable" {
		t.Errorf("description %q", p.Description.FR)
	}
	if got := f.indexJobs(t, org) - jobs; got != 1 {
		t.Errorf("%d index jobs, want 1", got)
	}
	var actor string
	_ = f.pool.QueryRow(context.Background(), `SELECT actor FROM audit_log WHERE organisation_id = $1 AND action = 'organisation.update'`, org).Scan(&actor)
	if actor != "owner@example.org" {
		t.Errorf("audit actor %q", actor)
	}

	// A project added through the form is on the public profile.
	owner.get("/manage/ecpat-luxembourg/projects/new")
	rec = owner.post("/manage/ecpat-luxembourg/projects/new", url.Values{"title": {"Écoles sûres à Ségou"}, "slug": {"ecoles-segou"},
		"status": {"2"}, "summary_fr": {"Un projet neuf."}, "support_sought": {"volunteering"}, "themes": {"education"}, "countries": {"ML"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, owner.get("/organisations/ecpat-luxembourg"), http.StatusOK, "Écoles sûres à Ségou")

	// An office, a private member and a reorder.
	owner.get("/manage/ecpat-luxembourg/offices/new")
	rec = owner.post("/manage/ecpat-luxembourg/offices/new", url.Values{"name": {"Antenne de Ségou"}, "kind": {"field"},
		"city": {"Ségou"}, "country": {"ML"}, "latitude": {"13,45"}, "longitude": {"-6.26"}})
	wantStatus(t, rec, http.StatusSeeOther)
	rec = owner.post("/manage/ecpat-luxembourg/team/new", url.Values{"full_name": {"Personne Discrète"}, "visibility": {"private"}})
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, owner.get("/manage/ecpat-luxembourg/team"), http.StatusOK, "Personne Discrète", "Privé")
	if strings.Contains(owner.get("/organisations/ecpat-luxembourg").Body.String(), "Personne Discrète") {
		t.Error("a private member is on the public profile")
	}
	rec = owner.post("/manage/ecpat-luxembourg/offices/new", url.Values{"name": {"Doublon"}, "kind": {"headquarters"}, "city": {"Paris"}, "country": {"FR"}})
	wantStatus(t, rec, http.StatusUnprocessableEntity, "L&#39;organisation a déjà un siège.", `value="Doublon"`)
}

func TestSessionsPageAndEndingSessions(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	uid := f.owner(t)
	laptop, phone := f.browser(t), f.browser(t)
	laptop.header.Set("User-Agent", "Laptop Browser")
	phone.header.Set("User-Agent", "Phone Browser")
	laptop.login("owner@example.org")
	phone.login("owner@example.org")

	rec := laptop.get("/account/sessions")
	wantStatus(t, rec, http.StatusOK, "Laptop Browser", "Phone Browser", "Cette session", "Se déconnecter partout")
	// End the phone's session from the laptop.
	body := rec.Body.String()
	i := strings.Index(body, `action="/account/sessions/`)
	action := body[i+len(`action="`):]
	action = action[:strings.Index(action, `"`)]
	wantStatus(t, laptop.post(action, nil), http.StatusSeeOther)
	if rec := phone.get("/manage"); rec.Code != http.StatusSeeOther {
		t.Errorf("the ended phone session still works: %d", rec.Code)
	}
	if rec := laptop.get("/manage"); rec.Code != http.StatusOK {
		t.Errorf("the laptop was signed out: %d", rec.Code)
	}

	// Sign out everywhere ends this session too.
	phone.login("owner@example.org")
	laptop.get("/account/sessions")
	rec = laptop.post("/account/sessions/end-all", nil)
	wantStatus(t, rec, http.StatusSeeOther)
	for name, b := range map[string]*browser{"laptop": laptop, "phone": phone} {
		if rec := b.get("/manage"); rec.Code != http.StatusSeeOther {
			t.Errorf("%s still signed in after sign out everywhere: %d", name, rec.Code)
		}
	}

	// A disabled user's sessions stop working; so do all sessions after a
	// password change.
	laptop.login("owner@example.org")
	if err := f.acc.SetDisabled(context.Background(), audit.System("admin"), uid, true); err != nil {
		t.Fatal(err)
	}
	if rec := laptop.get("/manage"); rec.Code != http.StatusSeeOther {
		t.Errorf("disabled user still signed in: %d", rec.Code)
	}
	_ = f.acc.SetDisabled(context.Background(), audit.System("admin"), uid, false)
	laptop.login("owner@example.org")
	if err := f.acc.SetPassword(context.Background(), audit.System("admin"), uid, "a brand new passphrase"); err != nil {
		t.Fatal(err)
	}
	if rec := laptop.get("/manage"); rec.Code != http.StatusSeeOther {
		t.Errorf("session survived a password change: %d", rec.Code)
	}
}

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
	f.owner(t)
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
// dateFR is how a French page writes t's date ("1 décembre 2026").
func dateFR(t time.Time) string {
	months := [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}
