package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"regexp"
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
		"<h1>Mallette de formation sur l&#39;ESEC</h1>", "Un projet de ECPAT Luxembourg", "En cours",
		"Protection de l&#39;enfance", "Éducation", `href="/countries/ML"`,
		"Bureau responsable", "Bureau exécutif régional — Bamako (Bamako, Mali)",
		"Soutien recherché", "Compétences", "Don",
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

	// Another process changes the organisation (no generation bump here):
	// the stamp still catches it.
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
