package web_test

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web"
)

// get requests target from h, with header given as name, value pairs.
func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// indexJobs is how many index jobs were enqueued for organisation id.
func (f *accountsFixture) indexJobs(t *testing.T, id int64) int {
	t.Helper()
	return f.count(t, `SELECT count(*) FROM river_job WHERE kind = 'index_document' AND args->>'index' = 'organisations' AND (args->>'id')::bigint = $1`, id)
}

// searchServer is the real engine over the demo data, with search served
// from a per-test Meilisearch index, or by an instance whose Meilisearch
// is unreachable.
type searchServer struct {
	h       *gin.Engine
	pool    *pgxpool.Pool
	indexer *search.Indexer
}

// newSearchServer indexes the demo data; with meiliDown it serves from a
// second instance on the same database whose MEILI_URL is a closed port,
// and whose fallback uses fallbackPool when not nil.
func newSearchServer(t *testing.T, meiliDown bool, fallbackPool *pgxpool.Pool) *searchServer {
	t.Helper()
	// A generous deadline: the machine is shared, and a fallback answer
	// would change what the tests see.
	a := apptest.New(t, apptest.Setup{Options: app.Options{SearchTimeout: 5 * time.Second}})
	apptest.Index(t, a)
	serving := a
	if meiliDown {
		serving = apptest.New(t, apptest.Setup{NoDemo: true,
			Env:     map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "MEILI_URL": "http://127.0.0.1:1", "MEILI_INDEX": a.Config.MeiliIndex},
			Options: app.Options{FallbackPool: fallbackPool}})
	}
	return &searchServer{h: engine(serving), pool: a.Pool, indexer: a.Indexer}
}
func TestPublicPages(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	tests := []struct {
		path string
		want []string
	}{
		{"/", []string{`<html lang="fr">`, "ECPAT Luxembourg", `action="/search"`, "Protection de l&#39;enfance", "Mali"}},
		{"/organisations", []string{"<h1>Organisations partenaires</h1>", "14 organisations", "ECPAT Luxembourg", "Bamako"}},
		{"/organisations/ecpat-luxembourg", []string{
			"<h1>ECPAT Luxembourg", "Siège — Luxembourg", "Bureau exécutif régional — Bamako", "depuis 2007",
			"Fabienne", "Représentante légale et coordinatrice de projets", "Boubacar", "Finances et administration",
			"Halimatou", "Gestion de projets", "Mallette de formation sur l&#39;ESEC", "Suivi juridique des plaintes",
			"Appui aux centres d&#39;assistance sociale", "Information, éducation et sensibilisation",
			"https://www.facebook.com/ecpatlux", "https://www.linkedin.com/company/ecpat-luxembourg",
			`href="/organisations/ecpat-luxembourg/offer"`, "Droits humains &amp; solidarité"}},
		{"/countries/ML", []string{"Partenaires au Mali", "ECPAT Luxembourg"}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := get(t, h, tt.path)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d", rec.Code)
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if n := strings.Count(body, "<h1"); n != 1 {
				t.Errorf("%d h1 elements, want exactly 1", n)
			}
			if !strings.Contains(body, "<main") || !strings.Contains(body, "<nav") {
				t.Error("missing main or nav landmark")
			}
		})
	}
}

func TestProfileInEnglishAndPrivateDataHidden(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	body := get(t, h, "/organisations/ecpat-luxembourg", "Accept-Language", "en-GB,en;q=0.9").Body.String()
	for _, w := range []string{`<html lang="en">`, "commercial sexual exploitation of children", "Offer support", "Regional office", "since 2007"} {
		if !strings.Contains(body, w) {
			t.Errorf("English profile lacks %q", w)
		}
	}
	if strings.Contains(body, "c.wantz@ecpat.lu") {
		t.Error("the private default contact address is shown on the public page")
	}
	eai := get(t, h, "/organisations/enfance-et-avenir-international").Body.String()
	if strings.Contains(eai, "Private Person") {
		t.Error("a private team member is shown")
	}
	rec := get(t, h, "/organisations/ecpat-luxembourg", "Cookie", "lang=en", "Accept-Language", "fr")
	if !strings.Contains(rec.Body.String(), `<html lang="en">`) {
		t.Error("the lang cookie does not win over Accept-Language")
	}
}

func TestLanguageSwitchSetsCookieAndRefusesOpenRedirect(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	rec := get(t, h, "/lang?to=en&next=%2Forganisations%3Ftheme%3Deducation")
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/organisations?theme=education" ||
		!strings.Contains(rec.Header().Get("Set-Cookie"), "lang=en") {
		t.Errorf("switch: %d %q %q", rec.Code, rec.Header().Get("Location"), rec.Header().Get("Set-Cookie"))
	}
	for _, next := range []string{"https://evil.example", "//evil.example", "/\\evil.example", "/\t/evil.example", "/%09/evil.example",
		"/%5Cevil.example", "%2F%2Fevil.example", "/%2Fevil.example", "https:evil.example"} {
		rec := get(t, h, "/lang?to=fr&next="+url.QueryEscape(next))
		if rec.Header().Get("Location") != "/" {
			t.Errorf("next=%q redirected to %q", next, rec.Header().Get("Location"))
		}
	}
	// The attack as a browser sends it: the tab percent-encoded in the URL.
	if rec := get(t, h, "/lang?to=en&next=/%09/evil.example"); rec.Header().Get("Location") != "/" {
		t.Errorf("next=/%%09/evil.example redirected to %q", rec.Header().Get("Location"))
	}
}

func TestBadInputGetsAClearError(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	long := strings.Repeat("a", 300)
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/organisations?page=abc", 400, "page"},
		{"/organisations?page=-1", 400, "page"},
		{"/organisations?country=XX", 400, "country: code de pays inconnu : XX"},
		{"/organisations?theme=nope", 400, "theme: thème inconnu : nope"},
		{"/organisations?kind=alien", 400, "kind: type d’organisation inconnu : alien"},
		{"/organisations?theme=" + long, 400, "theme: trop long"},
		{"/organisations?after=%25%25", 400, "after"},
		{"/organisations?country=ML&country=LU", 400, "country: donné plusieurs fois"},
		{"/organisations/unknown-org", 404, "Page introuvable"},
		{"/organisations/NOT_A_SLUG", 404, "Page introuvable"},
		{"/countries/XX", 404, "Page introuvable"},
		{"/no/such/page", 404, "Page introuvable"},
		{"/static/css/site.css", 404, "Page introuvable"},
	}
	for _, tt := range tests {
		rec := get(t, h, tt.path)
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.path[:min(len(tt.path), 60)], rec.Code, tt.status, tt.want)
		}
		if !strings.Contains(rec.Body.String(), `<html lang="fr">`) {
			t.Errorf("%s: not the site's error page", tt.path[:min(len(tt.path), 60)])
		}
	}
	// The reason is in the page's language: English for an English reader.
	if rec := get(t, h, "/organisations?country=XX", "Accept-Language", "en"); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "country: unknown country code XX") || strings.Contains(rec.Body.String(), "param.err") {
		t.Errorf("country=XX in English: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/countries/ml"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/countries/ML" {
		t.Errorf("/countries/ml: %d → %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestPanicBecomesA500PageAndServingGoesOn(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	h.GET("/test-panic", func(c *gin.Context) { panic("boom") })
	rec := get(t, h, "/test-panic")
	id := rec.Header().Get("X-Request-Id")
	if rec.Code != 500 || id == "" || !strings.Contains(rec.Body.String(), id) {
		t.Fatalf("panic: status %d, request id %q shown: %v", rec.Code, id, strings.Contains(rec.Body.String(), id))
	}
	if rec := get(t, h, "/"); rec.Code != 200 {
		t.Errorf("after a panic: %d", rec.Code)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	h.POST("/test-echo", func(c *gin.Context) {
		if _, err := io.ReadAll(c.Request.Body); err != nil {
			c.Status(http.StatusRequestEntityTooLarge)
			return
		}
		c.Status(http.StatusNoContent)
	})
	big := strings.NewReader(strings.Repeat("x", web.MaxBodyBytes+1))
	req := httptest.NewRequest(http.MethodPost, "/test-echo", big)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", rec.Code)
	}
	req = httptest.NewRequest(http.MethodPost, "/test-echo", io.MultiReader(strings.NewReader(strings.Repeat("x", web.MaxBodyBytes)), strings.NewReader("y")))
	req.ContentLength = -1 // chunked: the limit must hold while reading too
	// A form: the first reader is the check of its form token.
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized chunked body: %d, want 413", rec.Code)
	}
}

func TestSecurityHeadersAndStaticCaching(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	rec := get(t, h, "/")
	csp := rec.Header().Get("Content-Security-Policy")
	for _, w := range []string{"object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"} {
		if !strings.Contains(csp, w) {
			t.Errorf("CSP lacks %s: %s", w, csp)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Error("CSP allows unsafe-inline")
	}
	if rec.Header().Get("X-Content-Type-Options") != "nosniff" || rec.Header().Get("Referrer-Policy") == "" {
		t.Error("missing nosniff or Referrer-Policy")
	}
	if rec.Header().Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over http")
	}
	css := regexp.MustCompile(`href="(/static/css/site\.[0-9a-f]+\.css)"`).FindStringSubmatch(rec.Body.String())
	if css == nil {
		t.Fatal("no hashed stylesheet link")
	}
	st := get(t, h, css[1])
	if st.Code != 200 || !strings.Contains(st.Header().Get("Cache-Control"), "immutable") || !strings.HasPrefix(st.Header().Get("Content-Type"), "text/css") {
		t.Errorf("static: %d %q %q", st.Code, st.Header().Get("Cache-Control"), st.Header().Get("Content-Type"))
	}
	// No inline script or style anywhere: the CSP would block it.
	for _, p := range []string{"/", "/organisations", "/organisations/ecpat-luxembourg"} {
		body := get(t, h, p).Body.String()
		// JSON-LD is data, not script: the CSP does not apply to it.
		body = regexp.MustCompile(`(?s)<script type="application/ld\+json">.*?</script>`).ReplaceAllString(body, "")
		if regexp.MustCompile(`<script(?: [^>]*)?>[^<]|style="|<style`).MatchString(body) {
			t.Errorf("%s has inline script or style", p)
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	type readiness struct {
		Status       string
		Dependencies map[string]web.DependencyState
	}
	readyz := func(h http.Handler) (int, readiness, string) {
		rec := get(t, h, "/readyz")
		var body readiness
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("readyz: %v in %s", err, rec.Body)
		}
		return rec.Code, body, rec.Body.String()
	}
	// Meilisearch reachable (or not configured at all: then it is optional
	// and degraded, never down), PostgreSQL up.
	h := newTestServer(t)
	if rec := get(t, h, "/healthz"); rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
	if code, body, raw := readyz(h); code != 200 || body.Dependencies["postgres"].State != "up" {
		t.Fatalf("readyz: %d %s", code, raw)
	}
	// Meilisearch, optional, unreachable: degraded, still 200.
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"MEILI_URL": "http://127.0.0.1:1"}})
	if code, body, raw := readyz(engine(a)); code != 200 || body.Status != "degraded" || body.Dependencies["meilisearch"].State != "degraded" {
		t.Errorf("meilisearch down: %d %s", code, raw)
	}
	// PostgreSQL, required, gone: 503 and down.
	a.Pool.Close()
	if code, body, raw := readyz(engine(a)); code != 503 || body.Dependencies["postgres"].State != "down" {
		t.Errorf("postgres down: %d %s", code, raw)
	}
	if rec := get(t, engine(a), "/healthz"); rec.Code != 200 {
		t.Errorf("healthz with PostgreSQL down: %d (the process is up)", rec.Code)
	}
}

func TestProfileCarriesValidJSONLDAndSharingTags(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	body := get(t, h, "/organisations/ecpat-luxembourg").Body.String()
	m := regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD on the profile")
	}
	var ld struct {
		Context  string `json:"@context"`
		Type     string `json:"@type"`
		Name     string
		URL      string
		SameAs   []string
		Location []struct {
			Address struct {
				AddressLocality string
				AddressCountry  string
			}
		}
		ContactPoint struct {
			Type string `json:"@type"`
			URL  string
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD is not valid JSON: %v\n%s", err, m[1])
	}
	if ld.Context != "https://schema.org" || ld.Type != "NGO" || ld.Name != "ECPAT Luxembourg" ||
		ld.URL != "http://partners.test/organisations/ecpat-luxembourg" {
		t.Errorf("JSON-LD identity: %+v", ld)
	}
	if len(ld.Location) != 2 || ld.Location[1].Address.AddressLocality != "Bamako" || ld.Location[1].Address.AddressCountry != "ML" {
		t.Errorf("JSON-LD offices: %+v", ld.Location)
	}
	if !strings.Contains(strings.Join(ld.SameAs, " "), "facebook.com/ecpatlux") || ld.ContactPoint.Type != "ContactPoint" {
		t.Errorf("JSON-LD sameAs/contact: %v %+v", ld.SameAs, ld.ContactPoint)
	}
	if strings.Contains(m[1], "c.wantz@ecpat.lu") {
		t.Error("the private default contact leaks into JSON-LD")
	}
	for _, w := range []string{`property="og:title" content="ECPAT Luxembourg"`, `name="twitter:card"`,
		`<link rel="canonical" href="http://partners.test/organisations/ecpat-luxembourg">`} {
		if !strings.Contains(body, w) {
			t.Errorf("profile lacks %s", w)
		}
	}
}

func TestSitemapListsPublishedProfilesAndRobotsPointsAtIt(t *testing.T) {
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
	locs := map[string]bool{}
	for _, u := range set.URLs {
		locs[u.Loc] = true
	}
	if !locs["http://partners.test/organisations/ecpat-luxembourg"] || len(set.URLs) != 14+4+4+17 { // profiles, home/lists/news/themes, articles, projects
		t.Errorf("sitemap has %d URLs; ECPAT listed: %v", len(set.URLs), locs["http://partners.test/organisations/ecpat-luxembourg"])
	}
	robots := get(t, h, "/robots.txt").Body.String()
	if !strings.Contains(robots, "Sitemap: http://partners.test/sitemap.xml") || !strings.Contains(robots, "Disallow: /manage") {
		t.Errorf("robots.txt:\n%s", robots)
	}
	if rec := get(t, h, "/sitemaps/sitemap-9.xml"); rec.Code != 404 {
		t.Errorf("a sitemap page past the end: %d", rec.Code)
	}
}

// TestTwitterCardFollowsTheLogoWidth: a profile's link preview is large
// (summary_large_image) only with a logo at least 480 pixels wide; a
// smaller logo is still its og:image, beside the text (summary), and no
// logo is a summary without image.
func TestTwitterCardFollowsTheLogoWidth(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	owner := f.browser(t)
	owner.login("owner@example.org")
	owner.get("/manage/ecpat-luxembourg")
	anon := f.browser(t)
	card := func(want string, image bool) {
		t.Helper()
		body := anon.get("/organisations/ecpat-luxembourg").Body.String()
		if !strings.Contains(body, `<meta name="twitter:card" content="`+want+`">`) {
			t.Errorf("twitter:card is not %s", want)
		}
		if got := strings.Contains(body, `<meta property="og:image" content="http://partners.test/uploads/logos/`); got != image {
			t.Errorf("og:image shown: %v, want %v", got, image)
		}
	}
	card("summary", false)
	wantStatus(t, owner.upload("/manage/ecpat-luxembourg/logo", "logo", "small.jpg", testPicture(t, 120, 60)), http.StatusSeeOther)
	card("summary", true)
	wantStatus(t, owner.upload("/manage/ecpat-luxembourg/logo", "logo", "large.jpg", testPicture(t, 640, 320)), http.StatusSeeOther)
	card("summary_large_image", true)
}
