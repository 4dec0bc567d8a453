package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
)

// privatePrefixes are the areas whose every GET route must be in
// privateRoutes, so a new page there cannot slip through untested.
var privatePrefixes = []string{"/manage", "/account", "/staff", "/admin", "/login", "/password", "/invitation",
	"/signup", "/join", "/claims", "/organisations/:slug/claim", "/organisations/:slug/offer", "/newsletter",
	"/organisations/:slug/suggest"}

// privateRoutes are the GET routes that are never stored by a cache, with
// the path they are requested at.
func privateRoutes(orgID, userID, articleID int64) map[string]string {
	m := "/manage/ecpat-luxembourg"
	return map[string]string{
		"/manage":                         "/manage",
		"/manage/offers":                  "/manage/offers",
		"/manage/offers/:id":              "/manage/offers/1",
		"/manage/offers.csv":              "/manage/offers.csv",
		"/manage/:org":                    m,
		"/manage/:org/offices":            m + "/offices",
		"/manage/:org/offices/new":        m + "/offices/new",
		"/manage/:org/offices/:id":        m + "/offices/1",
		"/manage/:org/team":               m + "/team",
		"/manage/:org/team/new":           m + "/team/new",
		"/manage/:org/team/:id":           m + "/team/1",
		"/manage/:org/projects":           m + "/projects",
		"/manage/:org/projects/new":       m + "/projects/new",
		"/manage/:org/projects/:id":       m + "/projects/1",
		"/manage/:org/contacts":           m + "/contacts",
		"/manage/:org/contacts/new":       m + "/contacts/new",
		"/manage/:org/contacts/:id":       m + "/contacts/1",
		"/manage/:org/access":             m + "/access",
		"/manage/:org/news":               m + "/news",
		"/manage/:org/news/new":           m + "/news/new",
		"/manage/:org/news/:id":           fmt.Sprintf("%s/news/%d", m, articleID),
		"/manage/:org/export.hsds.json":   m + "/export.hsds.json",
		"/manage/:org/documents":          m + "/documents",
		"/staff/news":                     "/staff/news",
		"/staff/news/:id":                 fmt.Sprintf("/staff/news/%d", articleID),
		"/account":                        "/account",
		"/account/verify":                 "/account/verify?token=not-a-token",
		"/account/sessions":               "/account/sessions",
		"/account/password":               "/account/password",
		"/account/2fa":                    "/account/2fa",
		"/account/delete":                 "/account/delete",
		"/staff/offers":                   "/staff/offers",
		"/staff/offers.csv":               "/staff/offers.csv",
		"/staff/offers/:id":               "/staff/offers/1",
		"/staff/dashboard":                "/staff/dashboard",
		"/admin":                          "/admin",
		"/admin/donors":                   "/admin/donors",
		"/admin/import":                   "/admin/import",
		"/admin/organisations":            "/admin/organisations",
		"/admin/organisations/:id":        fmt.Sprintf("/admin/organisations/%d", orgID),
		"/admin/organisations/:id/merge":  fmt.Sprintf("/admin/organisations/%d/merge", orgID),
		"/admin/users":                    "/admin/users",
		"/admin/users/:id":                fmt.Sprintf("/admin/users/%d", userID),
		"/admin/claims":                   "/admin/claims",
		"/login":                          "/login",
		"/login/2fa":                      "/login/2fa",
		"/password/forgot":                "/password/forgot",
		"/password/reset":                 "/password/reset?token=not-a-token",
		"/invitation":                     "/invitation?token=not-a-token",
		"/invitation/accept":              "/invitation/accept?token=not-a-token",
		"/claims/confirm":                 "/claims/confirm?token=not-a-token",
		"/signup":                         "/signup",
		"/join":                           "/join",
		"/join/received":                  "/join/received",
		"/organisations/:slug/claim":      "/organisations/ecpat-luxembourg/claim",
		"/organisations/:slug/offer":      "/organisations/ecpat-luxembourg/offer",
		"/organisations/:slug/offer/sent": "/organisations/ecpat-luxembourg/offer/sent",
		// The newsletter's form and the pages of its mailed links.
		"/newsletter":             "/newsletter",
		"/newsletter/sent":        "/newsletter/sent",
		"/newsletter/confirm":     "/newsletter/confirm?token=not-a-token",
		"/newsletter/unsubscribe": "/newsletter/unsubscribe?s=1&sig=not-a-signature",
		"/staff/newsletter":       "/staff/newsletter",
		// Keeping profiles true: suggestions, History.
		"/organisations/:slug/suggest":      "/organisations/ecpat-luxembourg/suggest",
		"/organisations/:slug/suggest/sent": "/organisations/ecpat-luxembourg/suggest/sent",
		"/manage/:org/suggestions":          m + "/suggestions",
		"/manage/:org/history":              m + "/history",
		"/staff/suggestions":                "/staff/suggestions",
	}
}

func wantNoStore(t *testing.T, who, path string, rec interface{ Header() http.Header }, code int) {
	t.Helper()
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s GET %s (%d): Cache-Control %q, want no-store", who, path, code, got)
	}
}

func TestPrivatePagesAreNeverStored(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	org := f.orgID(t, "ecpat-luxembourg")
	// An admin who also owns ECPAT Luxembourg reaches every page: the
	// account, management, staff and admin areas.
	id := f.user(t, "admin@partners.test", accounts.RoleAdmin, "ecpat-luxembourg", accounts.OrgOwner)
	routes := privateRoutes(org, id, int64(f.count(t, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`)))
	for _, r := range f.h.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		for _, p := range privatePrefixes {
			if strings.HasPrefix(r.Path, p) {
				if _, ok := routes[r.Path]; !ok {
					t.Errorf("GET %s is not in privateRoutes", r.Path)
				}
			}
		}
	}

	signedIn := f.signedIn(t, "admin@partners.test", true)
	anon := f.browser(t)
	ok := 0
	for _, path := range routes {
		rec := signedIn.get(path)
		wantNoStore(t, "signed in", path, rec, rec.Code)
		if rec.Code == http.StatusOK {
			ok++
		}
		// Anonymous visitors reach the forms and token pages, and are sent
		// to the login page from the rest: never stored either.
		rec = anon.get(path)
		wantNoStore(t, "anonymous", path, rec, rec.Code)
	}
	// The walk really rendered the pages, not only redirects.
	if ok < len(routes)*2/3 {
		t.Errorf("only %d of %d private pages rendered for the signed-in admin", ok, len(routes))
	}

	// A refused form, re-rendered with the session's token: never stored.
	rec := anon.post("/login", url.Values{"email": {"nobody@example.org"}, "password": {"wrong password!"}})
	wantNoStore(t, "anonymous", "POST /login", rec, rec.Code)

	// Public pages shown to a signed-in user carry the account header.
	for _, path := range []string{"/", "/organisations", "/organisations/ecpat-luxembourg", "/countries/ML", "/search?q=ecpat", "/privacy", "/no-such-page",
		"/news", "/news/we-love-ecpat", "/news/we-love-ecpat?read=1", "/themes", "/themes/human-rights-solidarity"} {
		rec := signedIn.get(path)
		wantNoStore(t, "signed in", path, rec, rec.Code)
	}
}

func TestPublicPagesKeepTheirCaching(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	anon := f.browser(t)
	home := anon.get("/")
	css := regexp.MustCompile(`href="(/static/css/site\.[0-9a-f]+\.css)"`).FindStringSubmatch(home.Body.String())
	if css == nil {
		t.Fatal("no stylesheet link on the home page")
	}
	for _, path := range []string{"/", "/organisations", "/organisations/ecpat-luxembourg", "/countries/ML", "/privacy", css[1],
		"/news", "/news/we-love-ecpat", "/themes", "/themes/human-rights-solidarity", "/news.atom", "/countries/ML/news.atom"} {
		rec := anon.get(path)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", path, rec.Code)
		}
		if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "no-store") {
			t.Errorf("anonymous GET %s: Cache-Control %q, a public page must stay cacheable", path, cc)
		}
	}
	// The page cache still serves anonymous visitors, and the static
	// assets keep their long lifetime.
	if got := anon.get("/organisations").Header().Get("X-Page-Cache"); got != "hit" {
		t.Errorf("second anonymous /organisations: X-Page-Cache %q, want hit", got)
	}
	if cc := anon.get(css[1]).Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("static asset: Cache-Control %q", cc)
	}
	// A signed-in user's static assets are the same files for everyone.
	f.users(t, "someone@example.org")
	b := f.browser(t)
	b.login("someone@example.org")
	if cc := b.get(css[1]).Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("static asset, signed in: Cache-Control %q", cc)
	}
	// So are the Atom feeds: nothing in them depends on the session.
	if cc := b.get("/news.atom").Header().Get("Cache-Control"); cc != "public, max-age=300" {
		t.Errorf("feed, signed in: Cache-Control %q", cc)
	}
}

func TestReadinessShowsStatesNotErrors(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"MEILI_URL": "http://127.0.0.1:1"}})
	rec := get(t, engine(a), "/readyz")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, `"status":"degraded"`) || !strings.Contains(body, `"meilisearch":{"state":"degraded"}`) {
		t.Fatalf("readyz with Meilisearch down: %d %s", rec.Code, body)
	}
	for _, leak := range []string{"connection refused", "127.0.0.1", ":1", "dial", "error", "meili:", "http://"} {
		if strings.Contains(body, leak) {
			t.Errorf("readyz tells the public %q: %s", leak, body)
		}
	}
	// Only states: every dependency is an object with one key, state.
	var r struct {
		Status       string
		Dependencies map[string]map[string]any
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	for name, d := range r.Dependencies {
		if len(d) != 1 || d["state"] == nil {
			t.Errorf("dependency %s: %v, want only its state", name, d)
		}
	}
	// PostgreSQL gone: still 503 and "down", still no detail.
	a.Pool.Close()
	rec = get(t, engine(a), "/readyz")
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"postgres":{"state":"down"}`) ||
		strings.Contains(rec.Body.String(), "closed") || strings.Contains(rec.Body.String(), "error") {
		t.Errorf("readyz with PostgreSQL down: %d %s", rec.Code, rec.Body.String())
	}
}
