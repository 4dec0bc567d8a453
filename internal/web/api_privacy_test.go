package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/web"
)

// privateMarks are distinctive strings that only private data holds in
// the privacy fixture: none may appear in any API answer.
var privateMarks = []string{
	"zorglub",                       // a private team member of ECPAT Luxembourg (name, bio, email)
	"member-address@leak.example",   // a public member's own address
	"quixotic",                      // a private contact point's name
	"secret-desk@leak.example",      // its address
	"xylophone",                     // a pending organisation (name, office, project)
	"suspendium",                    // a suspended organisation
	"wobblefish",                    // a draft article
	"quokkaplan",                    // an article in review
	"narwhalnote",                   // a withdrawn article
	"pendingnews",                   // a published article of the pending organisation
	"donor.person@leak.example",     // a donor's address, in an offer
	"dorothea donorova",             // the donor's name
	"offer-message-marker",          // the offer's message
	"account.holder@leak.example",   // a user's address
	"ursula accountova",             // the user's name
	"sent-back-reason-marker",       // a reason staff gave an author
	"private-responsibility-marker", // a member's responsibilities (not on the page either)
}

// TestAPINeverShowsPrivateData fills the demo directory with private data
// of every kind — private team members and contact points with
// distinctive strings, a member's address, a pending and a suspended
// organisation with their offices and news, draft, submitted and
// withdrawn articles, a published article presenting a private member,
// an offer with its donor, a user account — then walks every endpoint:
// every list to its last page through the cursor, every organisation's
// profile and projects, every article, search for each distinctive word
// in both types, countries, themes, the contract and the API page. No
// distinctive string appears in any body or header.
func TestAPINeverShowsPrivateData(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{Options: app.Options{APILimit: web.RateLimit{Rate: 1000, Burst: 5000}}})
	f := newFixture(a)
	ecpat := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `INSERT INTO team_members (organisation_id, office_id, full_name, role_title, bio, email, visibility)
		SELECT $1, id, 'Zorglub Hidden', 'Zorglub role', 'Zorglub bio', 'zorglub@leak.example', 'private'
		FROM offices WHERE organisation_id = $1 AND kind = 'regional'`, ecpat)
	f.exec(t, `UPDATE team_members SET email = 'member-address@leak.example', responsibilities = 'private-responsibility-marker'
		WHERE organisation_id = $1 AND full_name = 'Fabienne'`, ecpat)
	f.exec(t, `INSERT INTO contact_points (organisation_id, name, email, visibility) VALUES ($1, 'Quixotic desk', 'secret-desk@leak.example', 'private')`, ecpat)
	f.exec(t, `INSERT INTO routing_rules (organisation_id, support_kind, contact_point_id)
		SELECT $1, 'goods', id FROM contact_points WHERE email = 'secret-desk@leak.example'`, ecpat)
	for _, o := range []struct{ slug, name, status string }{
		{"xylophone-aid", "Xylophone Aid", "pending"}, {"suspendium-trust", "Suspendium Trust", "suspended"},
	} {
		f.exec(t, `INSERT INTO organisations (slug, name, iati_type, mission_fr, status) VALUES ($1, $2, 22, $2 || ' mission', $3)`, o.slug, o.name, o.status)
		id := f.orgID(t, o.slug)
		f.exec(t, `INSERT INTO offices (organisation_id, name, kind, city, country_code) VALUES ($1, $2 || ' office', 'headquarters', $2 || 'ville', 'ML')`, id, o.name)
		f.exec(t, `INSERT INTO projects (organisation_id, slug, title) VALUES ($1, 'p', $2 || ' project')`, id, o.name)
		f.exec(t, `INSERT INTO organisation_themes (organisation_id, theme_id) SELECT $1, id FROM themes WHERE slug = 'education'`, id)
		f.exec(t, `INSERT INTO organisation_countries (organisation_id, country_code) VALUES ($1, 'ML')`, id)
	}
	article := func(org int64, slug, title, status string) {
		f.exec(t, `INSERT INTO articles (organisation_id, slug, status, published_at, first_published_at, submitted_at, sent_back_reason)
			VALUES ($1, $2, $3, CASE WHEN $3 IN ('published', 'withdrawn') THEN now() - interval '1 hour' END,
				CASE WHEN $3 IN ('published', 'withdrawn') THEN now() - interval '1 hour' END,
				CASE WHEN $3 = 'submitted' THEN now() END, CASE WHEN $3 = 'draft' THEN 'sent-back-reason-marker' ELSE '' END)`,
			org, slug, status)
		f.exec(t, `INSERT INTO article_translations (article_id, lang, title, lead, body_markdown, body_html)
			SELECT id, 'fr', $2, $2 || ' lead', $2 || ' body', '<p>' || $2 || ' body</p>' FROM articles WHERE slug = $1`, slug, title)
		f.exec(t, `INSERT INTO article_countries (article_id, country_code) SELECT id, 'ML' FROM articles WHERE slug = $1`, slug)
	}
	article(ecpat, "wobblefish-draft", "Wobblefish draft", "draft")
	article(ecpat, "quokkaplan-review", "Quokkaplan in review", "submitted")
	article(ecpat, "narwhalnote-gone", "Narwhalnote withdrawn", "withdrawn")
	article(f.orgID(t, "xylophone-aid"), "pendingnews-story", "Pendingnews story", "published")
	// The demo's published communiqué also presents the private member.
	f.exec(t, `INSERT INTO article_members (organisation_id, article_id, member_id)
		SELECT $1, a.id, m.id FROM articles a, team_members m WHERE a.slug = 'we-love-ecpat' AND m.full_name = 'Zorglub Hidden'`, ecpat)
	f.exec(t, `INSERT INTO offers (reference, organisation_id, support_kind, message, donor_name, donor_email, donor_lang,
			consent_version, consent_at, routing_basis, routed_to_email)
		VALUES ('OFR-2026-999999', $1, 'goods', 'offer-message-marker', 'Dorothea Donorova', 'donor.person@leak.example', 'en',
			'v1', now(), 'triage', 'secret-desk@leak.example')`, ecpat)
	f.exec(t, `UPDATE organisations SET version = version + 1, updated_at = now() WHERE id = $1`, ecpat)
	uid := f.user(t, "account.holder@leak.example", accounts.RoleStaff, "ecpat-luxembourg", accounts.OrgOwner)
	f.exec(t, `UPDATE users SET name = 'Ursula Accountova' WHERE id = $1`, uid)
	f.exec(t, `UPDATE articles SET author_user_id = $1`, uid)
	apptest.Index(t, a) // search finds what is published, from both engines' documents

	seen := map[string]bool{}
	var queue []string
	visit := func(target string) {
		if target = strings.TrimPrefix(target, apptest.BaseURL); target != "" && !seen[target] {
			seen[target] = true
			queue = append(queue, target)
		}
	}
	for _, p := range []string{"/api/v1/openapi.json", "/api/v1/organisations", "/api/v1/organisations?limit=1",
		"/api/v1/organisations?country=ML&limit=2", "/api/v1/organisations?theme=education", "/api/v1/organisations?q=xylophone",
		"/api/v1/organisations?q=suspendium", "/api/v1/countries", "/api/v1/themes", "/api/v1/articles", "/api/v1/articles?limit=1",
		"/api/v1/articles?organisation=ecpat-luxembourg", "/api/v1/articles?country=ML&limit=2", "/api/v1/articles/we-love-ecpat",
		"/api/v1/organisations/xylophone-aid", "/api/v1/organisations/suspendium-trust/projects",
		"/api/v1/articles/wobblefish-draft", "/api/v1/articles/quokkaplan-review", "/api/v1/articles/narwhalnote-gone",
		"/api/v1/articles/pendingnews-story", "/api", "/api?lang=en"} {
		visit(p)
	}
	for _, m := range append(privateMarks, "bamako", "halimatou", "ecpat") {
		word := strings.SplitN(strings.SplitN(m, "@", 2)[0], " ", 2)[0]
		visit("/api/v1/search?q=" + url.QueryEscape(word))
		visit("/api/v1/search?type=news&q=" + url.QueryEscape(word))
	}
	// Follow every link an answer gives: next pages, profiles, articles.
	var links func(v any)
	links = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "next" || k == "api_url") {
					visit(s)
				}
				links(e)
			}
		case []any:
			for _, e := range x {
				links(e)
			}
		}
	}
	statuses := map[int]int{}
	for i := 0; i < len(queue); i++ {
		// Each request from its own address: /search's bucket (20 at
		// once) would otherwise cut the walk short.
		req := httptest.NewRequest(http.MethodGet, queue[i], nil)
		req.RemoteAddr = fmt.Sprintf("10.1.%d.%d:40000", i/250, i%250+1)
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		statuses[rec.Code]++
		var whole strings.Builder
		for k, vs := range rec.Header() {
			whole.WriteString(k + ": " + strings.Join(vs, ", ") + "\n")
		}
		whole.Write(rec.Body.Bytes())
		text := strings.ToLower(whole.String())
		// What the request itself says (its path, its words) comes back
		// in instance, q and next: that is no leak.
		u, _ := url.Parse(queue[i])
		echoes := strings.Split(u.Path, "/")
		for _, vs := range u.Query() {
			echoes = append(echoes, vs...)
		}
		for _, e := range echoes {
			if e != "" {
				text = strings.ReplaceAll(text, strings.ToLower(e), "")
			}
		}
		for _, m := range privateMarks {
			if strings.Contains(text, m) {
				t.Errorf("GET %s (%d) shows private %q:\n%s", queue[i], rec.Code, m, truncate(rec.Body.String(), 3000))
			}
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			var v any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Errorf("GET %s: %v", queue[i], err)
			}
			links(v)
		}
	}
	// The walk reached what it must have: every published profile, the
	// demo's articles, and the refusals of the unpublished.
	published := f.count(t, `SELECT count(*) FROM organisations WHERE status = 'published'`)
	profiles := 0
	for p := range seen {
		if strings.HasPrefix(p, "/api/v1/organisations/") && !strings.Contains(p, "?") && strings.Count(p, "/") == 4 {
			profiles++
		}
	}
	if profiles < published || statuses[http.StatusTooManyRequests] > 0 || statuses[http.StatusOK] < published+20 || statuses[http.StatusNotFound] < 6 {
		t.Errorf("walked %d answers (%v), %d profiles of %d published: want every profile and the unpublished refused",
			len(queue), statuses, profiles, published)
	}
	t.Logf("%d answers walked: %v", len(queue), statuses)
}
