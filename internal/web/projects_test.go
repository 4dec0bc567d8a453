package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

const trainingBox = "/organisations/ecpat-luxembourg/projects/mallette-formation-esec"

// decodeJSONLD decodes the page's JSON-LD, decoded into v.
func decodeJSONLD(t *testing.T, body string, v any) {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD on the page")
	}
	if err := json.Unmarshal([]byte(m[1]), v); err != nil {
		t.Fatalf("JSON-LD is not valid JSON: %v\n%s", err, m[1])
	}
}

func TestProjectPageShowsWhatTheOrganisationEntered(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)

	rec := get(t, h, trainingBox)
	wantStatus(t, rec, http.StatusOK,
		"<h1>Mallette de formation sur l&#39;ESEC</h1>", "Projet porté par ECPAT Luxembourg", "En cours",
		"Protection de l&#39;enfance", "Éducation", `href="/countries/ML"`,
		"Bureau responsable", "Bureau exécutif régional — Bamako (Bamako, Mali)",
		"Soutien recherché", "Compétences", "Don",
		// Its date, in the visitor's locale.
		"Commencé le", `<time datetime="2016-10-13">13 octobre 2016</time>`,
		// The communiqué of 13 October 2016 presents the training box.
		`href="/news/we-love-ecpat"`, "Actualités de ce projet",
		`href="/organisations/ecpat-luxembourg/offer?project=mallette-formation-esec"`, "Proposer un soutien à ce projet")
	if n := strings.Count(rec.Body.String(), "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	var ld struct {
		Context string `json:"@context"`
		Type    string `json:"@type"`
		Name    string
		URL     string
		Parent  struct {
			Type string `json:"@type"`
			Name string
		} `json:"parentOrganization"`
		AreaServed []struct{ Name, Identifier string }
		Location   struct{ Name string }
	}
	decodeJSONLD(t, rec.Body.String(), &ld)
	if ld.Context != "https://schema.org" || ld.Type != "Project" || ld.Name != "Mallette de formation sur l'ESEC" ||
		ld.URL != "http://partners.test"+trainingBox || ld.Parent.Type != "NGO" || ld.Parent.Name != "ECPAT Luxembourg" ||
		len(ld.AreaServed) != 1 || ld.AreaServed[0].Identifier != "ML" || ld.Location.Name != "Bureau exécutif régional — Bamako" {
		t.Errorf("JSON-LD: %+v", ld)
	}

	// In English: the English summary, no lang attribute needed.
	en := get(t, h, trainingBox, "Accept-Language", "en")
	wantStatus(t, en, http.StatusOK, `<html lang="en">`, "A project of ECPAT Luxembourg", "A training box that teaches field workers",
		"Offer support to this project", "Lead office")

	// Dates in the visitor's language, from a (fictional) project that has them.
	eai := "/organisations/enfance-et-avenir-international/projects/programme-principal"
	wantStatus(t, get(t, h, eai), http.StatusOK, "Début prévu", `<time datetime="2024-01-01">1 janvier 2024</time>`,
		"Commencé le", `<time datetime="2024-03-04">4 mars 2024</time>`, "Fin prévue", "31 décembre 2027")
	wantStatus(t, get(t, h, eai, "Accept-Language", "en"), http.StatusOK, "Planned start", "4 March 2024", "31 December 2027")

	for _, path := range []string{
		"/organisations/ecpat-luxembourg/projects/no-such-project",
		"/organisations/ecpat-luxembourg/projects/Not_A_Slug",
		"/organisations/no-such-organisation/projects/mallette-formation-esec",
		// Another organisation's project under ECPAT's address.
		"/organisations/ecpat-luxembourg/projects/programme-principal",
	} {
		if rec := get(t, h, path); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, rec.Code)
		}
	}
}

func TestProjectPageFallsBackToTheOtherLanguageMarked(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `UPDATE projects SET description_fr = 'Une description écrite en français seulement.', summary_en = ''
		WHERE organisation_id = $1 AND slug = 'mallette-formation-esec'`, org)
	f.exec(t, `UPDATE organisations SET updated_at = now() WHERE id = $1`, org)
	body := get(t, f.h, trainingBox, "Accept-Language", "en").Body.String()
	for _, w := range []string{`<div class="project-description" lang="fr"><p>Une description écrite en français seulement.</p></div>`,
		`<p class="lead" lang="fr">Une mallette pédagogique`} {
		if !strings.Contains(body, w) {
			t.Errorf("English page lacks %s", w)
		}
	}
	if strings.Contains(get(t, f.h, trainingBox).Body.String(), `lang="fr"><p>Une description`) {
		t.Error("the French page marks its own language as foreign")
	}
	// The profile's project card says it too.
	if !strings.Contains(get(t, f.h, "/organisations/ecpat-luxembourg", "Accept-Language", "en").Body.String(), `<p lang="fr">Une mallette pédagogique`) {
		t.Error("the English profile's project card does not mark its French summary")
	}
}

func TestProjectPageIsCachedAndFollowsItsOrganisation(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	first := get(t, f.h, trainingBox)
	wantStatus(t, first, http.StatusOK)
	if got := first.Header().Get("X-Page-Cache"); got != "miss" {
		t.Fatalf("first visit: X-Page-Cache %q", got)
	}
	if got := get(t, f.h, trainingBox).Header().Get("X-Page-Cache"); got != "hit" {
		t.Fatalf("second visit: X-Page-Cache %q, want hit", got)
	}

	// The organisation's editors rename the project: the next visit shows it.
	org := f.orgID(t, "ecpat-luxembourg")
	p, err := f.dir.ProfileByID(ctx, org, directory.ProfileOptions{Private: true})
	if err != nil {
		t.Fatal(err)
	}
	pr := *p.Project("mallette-formation-esec")
	pr.Title = "Mallette ESEC, deuxième édition"
	if err := f.dir.UpdateProject(ctx, audit.System("test"), org, &pr, []string{"child-protection"}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, get(t, f.h, trainingBox), http.StatusOK, "<h1>Mallette ESEC, deuxième édition</h1>")

	// Another process changes the project (no generation bump of this
	// process's stores): its notification still reaches the cache.
	f.exec(t, `UPDATE projects SET title = 'Changée ailleurs' WHERE organisation_id = $1 AND slug = 'mallette-formation-esec'`, org)
	f.exec(t, `UPDATE organisations SET version = version + 1, updated_at = now() WHERE id = $1`, org)
	wantStatus(t, get(t, f.h, trainingBox), http.StatusOK, "<h1>Changée ailleurs</h1>")

	// Unpublished, its projects are gone with it, cached or not.
	f.exec(t, `UPDATE organisations SET status = 'suspended', version = version + 1, updated_at = now() WHERE id = $1`, org)
	if rec := get(t, f.h, trainingBox); rec.Code != http.StatusNotFound {
		t.Errorf("a project of a suspended organisation: %d, want 404", rec.Code)
	}
}

func TestProfileLinksProjectsShowsResponsibilitiesAndTheOfficeMap(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	body := get(t, h, "/organisations/ecpat-luxembourg").Body.String()
	for _, w := range []string{
		`<a href="/organisations/ecpat-luxembourg/projects/mallette-formation-esec">Mallette de formation sur l&#39;ESEC</a>`,
		`<a href="/organisations/ecpat-luxembourg/projects/suivi-juridique-victimes-mineures">`,
		"Responsabilités", "Gestion financière et administrative du bureau de Bamako.",
		`role="img" aria-labelledby="office-map-title"`, "Carte des bureaux de ECPAT Luxembourg",
	} {
		if !strings.Contains(body, w) {
			t.Errorf("profile lacks %s", w)
		}
	}
	m := regexp.MustCompile(`(?s)<svg.*?</svg>`).FindString(body)
	var svg struct {
		Title   string `xml:"title"`
		Markers []struct {
			Title  string `xml:"title"`
			Circle struct {
				CX float64 `xml:"cx,attr"`
				CY float64 `xml:"cy,attr"`
			} `xml:"circle"`
			Text string `xml:"text"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(m), &svg); err != nil {
		t.Fatalf("the map is not well-formed SVG: %v\n%s", err, m)
	}
	if len(svg.Markers) != 2 || svg.Markers[0].Title != "Siège — Luxembourg" || svg.Markers[0].Text != "Luxembourg" ||
		svg.Markers[1].Title != "Bureau exécutif régional — Bamako" || svg.Markers[1].Text != "Bamako" {
		t.Fatalf("map markers: %+v", svg.Markers)
	}
	// North is up and east is right: Luxembourg is north-east of Bamako.
	lux, bko := svg.Markers[0].Circle, svg.Markers[1].Circle
	if !(lux.CY < bko.CY && lux.CX > bko.CX) {
		t.Errorf("Luxembourg at (%v, %v), Bamako at (%v, %v)", lux.CX, lux.CY, bko.CX, bko.CY)
	}
	if strings.Contains(body, "tile") || strings.Contains(m, "http://") && !strings.Contains(m, `xmlns="http://www.w3.org/2000/svg"`) {
		t.Error("the map requests something from elsewhere")
	}

	// A profile whose offices have no coordinates draws no map; one with
	// a single located office draws it with its one point.
	if strings.Contains(get(t, h, "/organisations/sahel-eau-vive").Body.String(), "<svg") {
		t.Error("a map without any located office")
	}
	if n := strings.Count(get(t, h, "/organisations/partage-luxembourg-afrique").Body.String(), `class="office-marker"`); n != 1 {
		t.Errorf("Partage Luxembourg–Afrique's map has %d markers, want its one office", n)
	}
}

func TestSitemapListsProjects(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	rec := get(t, h, "/sitemap.xml")
	var set struct {
		URLs []struct {
			Loc string `xml:"loc"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &set); err != nil || rec.Code != 200 {
		t.Fatalf("sitemap: %d %v", rec.Code, err)
	}
	found := 0
	for _, u := range set.URLs {
		if strings.Contains(u.Loc, "/projects/") {
			found++
			if u.Loc == "http://partners.test"+trainingBox {
				found += 100
			}
		}
	}
	if found < 100+4 {
		t.Errorf("sitemap lists %d project pages (the training box: %v)", found%100, found >= 100)
	}
	if rec := get(t, h, "/sitemaps/projects-1.xml"); rec.Code != 200 || !strings.Contains(rec.Body.String(), trainingBox) {
		t.Errorf("/sitemaps/projects-1.xml: %d", rec.Code)
	}
}

func TestOwnerEditsIdentifiersFromTheSchemeList(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	owner := f.browser(t)
	owner.login("owner@example.org")
	body := owner.get("/manage/ecpat-luxembourg").Body.String()
	for _, w := range []string{`name="identifier_scheme_0"`, `name="identifier_value_1"`, `<option value="LU-RCS">LU-RCS — Luxembourg Business Registers (RCS)</option>`,
		`<option value="FR-RNA">`} {
		if !strings.Contains(body, w) {
			t.Errorf("profile form lacks %s", w)
		}
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	form := func(kv ...string) url.Values {
		v := url.Values{"name": {"ECPAT Luxembourg"}, "alternate_name": {"ECPAT"}, "kind": {"21"},
			"themes": {"child-protection", "human-rights-solidarity"}, "countries": {"LU", "ML"}, "website": {"https://www.ecpat.lu"},
			"version": {version}}
		for j := 0; j+1 < len(kv); j += 2 {
			v.Set(kv[j], kv[j+1])
		}
		return v
	}
	before := f.fingerprint(t, org)
	for name, tc := range map[string]struct {
		form       url.Values
		field, msg string
	}{
		"unknown scheme":        {form("identifier_scheme_0", "ZZ-NOPE", "identifier_value_0", "123"), "err-identifier_scheme_0", "Choisissez un registre de la liste."},
		"LU-RCS without letter": {form("identifier_scheme_0", "LU-RCS", "identifier_value_0", "1234"), "err-identifier_value_0", "format de ce registre"},
		"RNA too short":         {form("identifier_scheme_0", "FR-RNA", "identifier_value_0", "W12"), "err-identifier_value_0", "format de ce registre"},
		"value without scheme":  {form("identifier_value_0", "F1234"), "err-identifier_scheme_0", "Choisissez un registre"},
		"scheme without value":  {form("identifier_scheme_0", "FR-SIRET"), "err-identifier_value_0", "Obligatoire."},
		"the same scheme twice": {form("identifier_scheme_0", "LU-RCS", "identifier_value_0", "F1", "identifier_scheme_1", "LU-RCS", "identifier_value_1", "F2"),
			"err-identifier_scheme_1", "Indiqué deux fois"},
	} {
		t.Run(name, func(t *testing.T) {
			rec := owner.post("/manage/ecpat-luxembourg", tc.form)
			wantStatus(t, rec, http.StatusUnprocessableEntity, `id="`+tc.field+`"`, tc.msg,
				// the error summary links to the field
				`href="#f-`+strings.TrimPrefix(tc.field, "err-")+`"`)
		})
	}
	if after := f.fingerprint(t, org); after != before {
		t.Errorf("a refused identifier changed the organisation")
	}

	rec := owner.post("/manage/ecpat-luxembourg", form("identifier_scheme_1", "LU-RCS", "identifier_value_1", "F1234"))
	wantStatus(t, rec, http.StatusSeeOther)
	wantStatus(t, get(t, f.h, "/organisations/ecpat-luxembourg"), http.StatusOK,
		"Immatriculations", "Luxembourg Business Registers (RCS)", "(LU-RCS)", "<code>F1234</code>")
	wantStatus(t, owner.get("/manage/ecpat-luxembourg"), http.StatusOK, `<option value="LU-RCS" selected>`, `value="F1234"`, "Exemple pour LU-RCS : F1234")
	var fields string
	_ = f.pool.QueryRow(context.Background(), `SELECT details->>'fields' FROM audit_log WHERE organisation_id = $1 AND action = 'organisation.update' ORDER BY id DESC LIMIT 1`, org).Scan(&fields)
	if !strings.Contains(fields, "identifiers") {
		t.Errorf("audit names %s, not the identifiers", fields)
	}
	// Emptied, the row removes it.
	version = regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(owner.get("/manage/ecpat-luxembourg").Body.String())[1]
	wantStatus(t, owner.post("/manage/ecpat-luxembourg", form()), http.StatusSeeOther)
	if strings.Contains(get(t, f.h, "/organisations/ecpat-luxembourg").Body.String(), "F1234") {
		t.Error("the emptied registration is still on the profile")
	}
}

func TestEveryRefusedFormStartsWithASummaryLinkingToItsFields(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	owner := f.browser(t)
	owner.login("owner@example.org")
	owner.get("/manage/ecpat-luxembourg")
	rec := owner.post("/manage/ecpat-luxembourg", url.Values{"version": {"1"}, "name": {""}, "kind": {"21"}, "website": {"ecpat.lu"},
		"identifier_scheme_0": {"ZZ-NOPE"}, "identifier_value_0": {"1"}})
	body := rec.Body.String()
	wantStatus(t, rec, http.StatusUnprocessableEntity,
		`<div class="alert error-summary" role="alert" id="form-alert"`,
		"Certains champs sont à corriger",
		`<a href="#f-name">Nom : Obligatoire.</a>`,
		`<a href="#f-website">Site web : Doit être une adresse web`,
		`<a href="#f-identifier_scheme_0">Registre 1 : Choisissez un registre de la liste.</a>`,
		// and each target exists
		`id="f-name"`, `id="f-website"`, `id="f-identifier_scheme_0"`)
	// The summary comes before the form's fields.
	if strings.Index(body, "error-summary") > strings.Index(body, `id="f-name"`) {
		t.Error("the summary follows the fields")
	}
	// Fields in their order: the name before the registrations' rows.
	if strings.Index(body, `href="#f-name"`) > strings.Index(body, `href="#f-identifier_scheme_0"`) {
		t.Error("the rows' messages come before the others")
	}

	// The donor's offer form (ids without a prefix) and the join form.
	donor := f.browser(t)
	donor.get("/organisations/ecpat-luxembourg/offer")
	rec = donor.post("/organisations/ecpat-luxembourg/offer", url.Values{"message": {""}, "email": {"not-an-address"}})
	body = rec.Body.String()
	for _, w := range []string{`role="alert" id="form-alert"`, `href="#email"`, `href="#message"`, `href="#kind"`, `id="kind"`, `id="email"`,
		`aria-describedby="form-alert"`} {
		if !strings.Contains(body, w) {
			t.Errorf("refused offer form lacks %s (status %d)", w, rec.Code)
		}
	}
	visitor := f.browser(t)
	visitor.get("/join")
	rec = visitor.post("/join", url.Values{"email": {"x"}})
	if !strings.Contains(rec.Body.String(), `href="#f-email"`) || !strings.Contains(rec.Body.String(), "Votre adresse e-mail") {
		t.Errorf("refused join form (%d) has no summary linking to the email field", rec.Code)
	}
}

func TestManageCountsNewOffersAndStaffHaveAnInboxLink(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	org := f.orgID(t, "ecpat-luxembourg")
	owner := f.browser(t)
	owner.login("owner@example.org")
	body := owner.get("/manage").Body.String()
	if !strings.Contains(body, `<a href="/manage/offers?org=ecpat-luxembourg">Offres reçues</a>`) || strings.Contains(body, "nouvelle") {
		t.Errorf("/manage without offers:\n%s", body)
	}
	for i, status := range []string{"new", "new", "in_review"} {
		f.exec(t, `INSERT INTO offers (reference, organisation_id, support_kind, message, donor_name, donor_email, donor_lang,
				consent_version, consent_at, status, routing_basis, routed_to_email)
			VALUES ($1, $2, 'donation', 'Bonjour', 'Donor', 'donor@example.com', 'fr', 'v1', now(), $3, 'triage', 'triage@example.org')`,
			"OFR-2026-99999"+strconv.Itoa(i), org, status)
	}
	wantStatus(t, owner.get("/manage"), http.StatusOK, `href="/manage/offers?org=ecpat-luxembourg&amp;status=new">2 nouvelles offres</a>`)
	owner.header.Set("Accept-Language", "en")
	wantStatus(t, owner.get("/manage"), http.StatusOK, "2 new offers")
	owner.header.Del("Accept-Language")

	// Staff find the inbox in the header; members do not.
	f.user(t, "staff@example.org", "staff", "", "")
	st := f.browser(t)
	st.login("staff@example.org")
	if !strings.Contains(st.get("/account").Body.String(), `<a href="/staff/offers">Offres reçues (équipe)</a>`) {
		t.Error("staff have no inbox link in the header")
	}
	if strings.Contains(owner.get("/account").Body.String(), `href="/staff/offers"`) {
		t.Error("a member sees the staff inbox link")
	}
}

func TestListCountsAreLocalisedAndPlural(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	for _, tc := range []struct{ path, lang, want string }{
		{"/organisations", "fr", ">14 organisations</h2>"},
		{"/organisations?country=JP", "fr", ">0 organisation</h2>"},
		{"/organisations?country=JP", "en", ">0 organisations</h2>"},
		{"/organisations?kind=foundation", "en", ">1 organisation</h2>"},
		{"/organisations?kind=foundation", "fr", ">1 organisation</h2>"},
	} {
		body := get(t, h, tc.path, "Accept-Language", tc.lang).Body.String()
		if !strings.Contains(body, tc.want) {
			i := strings.Index(body, `class="count-line"`)
			t.Errorf("%s in %s lacks %q: %s", tc.path, tc.lang, tc.want, body[i:min(len(body), i+80)])
		}
	}
}
