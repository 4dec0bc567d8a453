package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/web"
)

// getJSON requests target and decodes its JSON body into v.
func getJSON(t *testing.T, h http.Handler, target string, v any, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	rec := get(t, h, target, header...)
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %v\n%s", target, rec.Code, err, rec.Body.String())
	}
	return rec
}

// What a script gets from `curl /api/v1/organisations/ecpat-luxembourg`:
// the Luxembourg and Bamako offices and the Bamako team with their roles;
// the Mali list names it; a second request with the ETag is a 304; no
// answer sets a cookie, and any page may read them.
func TestAPIShowsECPATLuxembourg(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	var org struct {
		Name    string `json:"name"`
		Offices []struct {
			ID         int64    `json:"id"`
			City       string   `json:"city"`
			Country    string   `json:"country"`
			Kind       string   `json:"kind"`
			OpenedYear *int     `json:"opened_year"`
			Latitude   *float64 `json:"latitude"`
		} `json:"offices"`
		Team []struct {
			Name     string `json:"name"`
			Role     string `json:"role"`
			OfficeID *int64 `json:"office_id"`
		} `json:"team"`
		Projects []struct {
			Title string `json:"title"`
		} `json:"projects"`
		SocialLinks []struct {
			URL string `json:"url"`
		} `json:"social_links"`
	}
	rec := getJSON(t, h, "/api/v1/organisations/ecpat-luxembourg", &org)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if len(org.Offices) != 2 || org.Offices[0].City != "Luxembourg" || org.Offices[0].Kind != "headquarters" ||
		org.Offices[1].City != "Bamako" || org.Offices[1].Country != "ML" || org.Offices[1].OpenedYear == nil ||
		*org.Offices[1].OpenedYear != 2007 || org.Offices[1].Latitude == nil {
		t.Errorf("offices %+v, want the Luxembourg headquarters and the Bamako office opened in 2007 with its coordinates", org.Offices)
	}
	roles := map[string]string{}
	for _, m := range org.Team {
		roles[m.Name] = m.Role
		if len(org.Offices) == 2 && (m.OfficeID == nil || *m.OfficeID != org.Offices[1].ID) {
			t.Errorf("%s's office %v, want Bamako's", m.Name, m.OfficeID)
		}
	}
	for name, role := range map[string]string{"Fabienne": "Représentante légale et coordinatrice de projets",
		"Boubacar": "Finances et administration", "Halimatou": "Gestion de projets"} {
		if roles[name] != role {
			t.Errorf("%s's role %q, want %q", name, roles[name], role)
		}
	}
	if len(org.Projects) == 0 || len(org.SocialLinks) == 0 {
		t.Errorf("projects %v, social links %v: want both", org.Projects, org.SocialLinks)
	}
	for name, want := range map[string]string{"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*",
		"X-Content-Type-Options": "nosniff", "Content-Type": "application/json; charset=utf-8"} {
		if got := rec.Header().Get(name); got != want {
			t.Errorf("%s %q, want %q", name, got, want)
		}
	}
	// The answer does not depend on the visitor's language or cookie; only
	// its coding varies (compression).
	if rec.Header().Get("Access-Control-Allow-Credentials") != "" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("Allow-Credentials %q, Vary %q: want none and Accept-Encoding alone", rec.Header().Get("Access-Control-Allow-Credentials"), rec.Header().Get("Vary"))
	}
	etag := rec.Header().Get("ETag")
	if !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag %q, want a strong tag", etag)
	}
	if again := get(t, h, "/api/v1/organisations/ecpat-luxembourg", "If-None-Match", `"other", `+etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("If-None-Match with the ETag: %d with %d bytes, want 304 and nothing", again.Code, again.Body.Len())
	}
	if other := get(t, h, "/api/v1/organisations/ecpat-luxembourg", "If-None-Match", `"other"`); other.Code != http.StatusOK {
		t.Errorf("If-None-Match with another tag: %d, want 200", other.Code)
	}

	var list struct {
		Data []struct {
			Slug      string   `json:"slug"`
			Countries []string `json:"countries"`
		} `json:"data"`
		Total *int `json:"total"`
	}
	rec = getJSON(t, h, "/api/v1/organisations?country=ML", &list)
	found := false
	for _, o := range list.Data {
		found = found || o.Slug == "ecpat-luxembourg"
	}
	if !found || list.Total == nil || *list.Total != len(list.Data) {
		t.Errorf("?country=ML: %+v, want ECPAT Luxembourg among them and the total", list)
	}
	// Signed in or not, an API answer never sets a cookie.
	for _, path := range []string{"/api/v1/organisations?country=ML", "/api/v1/themes", "/api/v1/nope", "/api/v1/organisations?limit=0", "/api"} {
		if c := get(t, h, path).Header().Values("Set-Cookie"); len(c) > 0 {
			t.Errorf("GET %s sets cookies %v", path, c)
		}
	}
}

// A script follows next from the first page to the last: every published
// organisation once, by name, as many as the total says; a filter's pages
// keep the filter.
func TestAPICursorPagesThroughEverything(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	type page struct {
		Data []struct {
			Slug string `json:"slug"`
			Name string `json:"name"`
		} `json:"data"`
		Total *int   `json:"total"`
		Next  string `json:"next"`
	}
	for _, first := range []string{"/api/v1/organisations?limit=3", "/api/v1/organisations?theme=education&limit=2"} {
		var names, slugs []string
		total := -1
		for target, n := first, 0; target != ""; n++ {
			if n > 50 {
				t.Fatalf("%s: more than 50 pages", first)
			}
			var p page
			rec := getJSON(t, h, target, &p)
			if rec.Code != http.StatusOK || p.Total == nil {
				t.Fatalf("GET %s: %d %+v", target, rec.Code, p)
			}
			if link := rec.Header().Get("Link"); p.Next != "" && link != "<"+p.Next+`>; rel="next"` {
				t.Errorf("Link %q, want next %q", link, p.Next)
			}
			total = *p.Total
			for _, o := range p.Data {
				names, slugs = append(names, o.Name), append(slugs, o.Slug)
			}
			target = strings.TrimPrefix(p.Next, apptest.BaseURL)
		}
		sorted := slices.Clone(slugs)
		slices.Sort(sorted)
		if len(slugs) != total || len(slices.Compact(sorted)) != total || total < 2 {
			t.Errorf("%s: %d organisations over the pages (%v), total %d", first, len(slugs), slugs, total)
		}
		t.Logf("%s: %d organisations: %v", first, total, names)
	}
}

// A refused request is a problem document naming the parameter; an
// unknown route or method under /api/ is a problem too, not the HTML page;
// a preflight is answered for GET without credentials.
func TestAPIRefusalsAreProblems(t *testing.T) {
	t.Parallel()
	h := newTestServer(t)
	for _, tt := range []struct {
		method, path string
		status       int
		param        string
	}{
		{"GET", "/api/v1/organisations?limit=100000", 400, "limit"},
		{"GET", "/api/v1/organisations?limit=0", 400, "limit"},
		{"GET", "/api/v1/organisations?limit=ten", 400, "limit"},
		{"GET", "/api/v1/organisations?status=pending", 400, "status"},
		{"GET", "/api/v1/organisations?country=XX", 400, "country"},
		{"GET", "/api/v1/organisations?theme=knitting", 400, "theme"},
		{"GET", "/api/v1/organisations?kind=club", 400, "kind"},
		{"GET", "/api/v1/organisations?support=money", 400, "support"},
		{"GET", "/api/v1/organisations?cursor=%25%25", 400, "cursor"},
		{"GET", "/api/v1/organisations?country=ML&country=LU", 400, "country"},
		{"GET", "/api/v1/organisations?q=" + strings.Repeat("a", 201), 400, "q"},
		{"GET", "/api/v1/organisations?q=ab", 400, "q"},
		{"GET", "/api/v1/articles?lang=de", 400, "lang"},
		{"GET", "/api/v1/articles?organisation=nobody", 400, "organisation"},
		{"GET", "/api/v1/articles?cursor=bm90OmFjdXJzb3I", 400, "cursor"},
		{"GET", "/api/v1/search?type=people", 400, "type"},
		{"GET", "/api/v1/search?page=0", 400, "page"},
		{"GET", "/api/v1/search?limit=51", 400, "limit"},
		{"GET", "/api/v1/search?office=Bamako", 400, "office"},
		{"GET", "/api/v1/search?q=x&type=news&kind=foundation", 400, "kind"},
		{"GET", "/api/v1/organisations/nobody", 404, ""},
		{"GET", "/api/v1/organisations/NOT_A_SLUG", 404, ""},
		{"GET", "/api/v1/nothing/here", 404, ""},
		{"GET", "/api/v2/organisations", 404, ""},
		{"POST", "/api/v1/organisations", 405, ""},
		{"DELETE", "/api/v1/organisations/ecpat-luxembourg", 405, ""},
	} {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var p struct {
			Status        int `json:"status"`
			InvalidParams []struct {
				Name   string `json:"name"`
				Reason string `json:"reason"`
			} `json:"invalid_params"`
		}
		if rec.Code != tt.status || rec.Header().Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(rec.Body.Bytes(), &p) != nil || p.Status != tt.status {
			t.Errorf("%s %s: %d %s, want a %d problem\n%s", tt.method, tt.path, rec.Code, rec.Header().Get("Content-Type"), tt.status, rec.Body.String())
			continue
		}
		if tt.param != "" && (len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != tt.param || p.InvalidParams[0].Reason == "") {
			t.Errorf("%s %s: invalid_params %+v, want %s with a reason", tt.method, tt.path, p.InvalidParams, tt.param)
		}
		if rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s %s: Cache-Control %q, Allow-Origin %q", tt.method, tt.path, rec.Header().Get("Cache-Control"),
				rec.Header().Get("Access-Control-Allow-Origin"))
		}
	}
	req := httptest.NewRequest(http.MethodOptions, "/api/v1/organisations/ecpat-luxembourg", nil)
	req.Header.Set("Origin", "https://elsewhere.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "if-none-match")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "*" ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "GET") ||
		!strings.Contains(rec.Header().Get("Access-Control-Allow-Headers"), "If-None-Match") ||
		rec.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
}

// A burst from one client address gets exactly its bucket (5 here), then
// 429 problems with Retry-After; another address is served meanwhile.
func TestAPIRateLimitPerClient(t *testing.T) {
	t.Parallel()
	// A bucket that does not refill during the test, so the count is exact.
	a := apptest.New(t, apptest.Setup{Options: app.Options{APILimit: web.RateLimit{Rate: 0.001, Burst: 5}}})
	h := engine(a)
	from := func(addr, target string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		req.RemoteAddr = addr + ":40000"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	paths := []string{"/api/v1/themes", "/api/v1/organisations", "/api/v1/countries", "/api/v1/organisations/ecpat-luxembourg",
		"/api/v1/articles", "/api/v1/themes", "/api/v1/organisations?limit=1", "/api/v1/openapi.json"}
	var codes []int
	for _, p := range paths {
		rec := from("198.51.100.7", p)
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusTooManyRequests {
			secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
			if err != nil || secs < 1 || rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Errorf("429 with Retry-After %q and %s, want whole seconds and a problem", rec.Header().Get("Retry-After"), rec.Header().Get("Content-Type"))
			}
		}
	}
	if want := []int{200, 200, 200, 200, 200, 429, 429, 429}; !slices.Equal(codes, want) {
		t.Errorf("a burst of %d from one address: %v, want %v", len(paths), codes, want)
	}
	if rec := from("198.51.100.8", "/api/v1/themes"); rec.Code != http.StatusOK {
		t.Errorf("another address during the burst: %d, want 200", rec.Code)
	}
	// A preflight costs no token: a browser's page still gets its answer.
	req := httptest.NewRequest(http.MethodOptions, "/api/v1/themes", nil)
	req.RemoteAddr = "198.51.100.7:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		t.Errorf("preflight from the limited address: %d, want 204", rec.Code)
	}
}

// With the page cache on (as served), an answer asked again is the kept
// one — same body, ETag and headers, 304 to its ETag — until what it shows
// changes: another process's edit of the profile gives the new text once
// its notification is heard, a write through this one renews the lists at
// once.
func TestAPIAnswersAreKeptUntilTheyChange(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"PAGE_CACHE_BYTES": "8MiB"}})
	f := newFixture(a)
	const profile = "/api/v1/organisations/ecpat-luxembourg"
	first := get(t, f.h, profile)
	again := get(t, f.h, profile)
	if first.Code != http.StatusOK || again.Header().Get("X-Page-Cache") != "hit" || again.Body.String() != first.Body.String() {
		t.Fatalf("asked twice: %d then %d (%s), same body %v", first.Code, again.Code, again.Header().Get("X-Page-Cache"),
			again.Body.String() == first.Body.String())
	}
	for _, h := range []string{"ETag", "Content-Type", "Cache-Control", "Access-Control-Allow-Origin"} {
		if again.Header().Get(h) != first.Header().Get(h) || again.Header().Get(h) == "" {
			t.Errorf("kept answer's %s %q, first %q", h, again.Header().Get(h), first.Header().Get(h))
		}
	}
	if rec := get(t, f.h, profile, "If-None-Match", first.Header().Get("ETag")); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("kept answer with If-None-Match: %d, %d bytes; want 304", rec.Code, rec.Body.Len())
	}
	f.exec(t, `UPDATE team_members SET role_title = 'Directrice du bureau' WHERE full_name = 'Fabienne'`)
	f.exec(t, `UPDATE organisations SET version = version + 1, updated_at = now() WHERE slug = 'ecpat-luxembourg'`)
	changed := get(t, f.h, profile)
	if !strings.Contains(changed.Body.String(), "Directrice du bureau") || changed.Header().Get("ETag") == first.Header().Get("ETag") {
		t.Errorf("after an edit: %s, ETag %s (was %s); want the new role and a new tag", changed.Header().Get("X-Page-Cache"),
			changed.Header().Get("ETag"), first.Header().Get("ETag"))
	}

	const list = "/api/v1/organisations?country=ML"
	get(t, f.h, list)
	if rec := get(t, f.h, list); rec.Header().Get("X-Page-Cache") != "hit" || !strings.Contains(rec.Body.String(), "ecpat-luxembourg") {
		t.Errorf("list asked twice: %s", rec.Header().Get("X-Page-Cache"))
	}
	id := f.orgID(t, "ecpat-luxembourg")
	if err := a.Directory.Decide(context.Background(), audit.System("test"), id, directory.DecisionSuspend, "a test"); err != nil {
		t.Fatal(err)
	}
	if rec := get(t, f.h, list); rec.Header().Get("X-Page-Cache") == "hit" || strings.Contains(rec.Body.String(), "ecpat-luxembourg") {
		t.Errorf("after suspending ECPAT Luxembourg the list is %s and still names it", rec.Header().Get("X-Page-Cache"))
	}
	if rec := get(t, f.h, profile); rec.Code != http.StatusNotFound {
		t.Errorf("suspended profile: %d, want 404", rec.Code)
	}
}

// A signed-in visitor's browser sends its session cookie along: the API
// answers exactly what anyone gets, sets no cookie and asks for no form
// token.
func TestAPIIgnoresTheSession(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	b := f.browser(t)
	b.login("owner@example.org")
	const target = "/api/v1/organisations/ecpat-luxembourg"
	anonymous := get(t, f.h, target)
	signedIn := b.get(target)
	if signedIn.Code != http.StatusOK || signedIn.Body.String() != anonymous.Body.String() ||
		signedIn.Header().Get("ETag") != anonymous.Header().Get("ETag") {
		t.Errorf("signed in: %d, same body %v; want the anonymous answer", signedIn.Code, signedIn.Body.String() == anonymous.Body.String())
	}
	if c := signedIn.Header().Values("Set-Cookie"); len(c) > 0 {
		t.Errorf("signed in, the API sets cookies %v", c)
	}
	if cc := signedIn.Header().Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("signed in: Cache-Control %q, want the public answer's", cc)
	}
}
