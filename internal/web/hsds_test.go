package web_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// hsdsSchemas are our schema and, when at hand ($HSDS_SCHEMA_DIR, or
// ../shared/hsds-3.0 beside the repository), the official HSDS 3.0
// compiled organization schema; its absence is logged, never a failure.
func hsdsSchemas(t *testing.T) map[string]*hsds.Schema {
	t.Helper()
	own, err := hsds.OwnSchema()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*hsds.Schema{"ours": own}
	var paths []string
	if dir := os.Getenv("HSDS_SCHEMA_DIR"); dir != "" {
		paths = append(paths, filepath.Join(dir, "compiled", "organization.json"))
	}
	paths = append(paths, filepath.Join("..", "..", "..", "shared", "hsds-3.0", "compiled", "organization.json"))
	for _, p := range paths {
		doc, err := os.ReadFile(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if out["official"], err = hsds.CompileSchema("https://raw.githubusercontent.com/openreferral/specification/3.0/schema/compiled/organization.json", doc); err != nil {
			t.Fatal(err)
		}
		return out
	}
	t.Logf("official HSDS schema not found (%s): checking against our own schema only", strings.Join(paths, ", "))
	return out
}

func wantConforms(t *testing.T, schemas map[string]*hsds.Schema, what string, record []byte) {
	t.Helper()
	for name, s := range schemas {
		if err := s.Validate(record); err != nil {
			t.Errorf("%s does not match %s schema: %v\n%s", what, name, err, record)
		}
	}
}

type hsdsPage struct {
	TotalItems int               `json:"total_items"`
	TotalPages int               `json:"total_pages"`
	PageNumber int               `json:"page_number"`
	Size       int               `json:"size"`
	FirstPage  bool              `json:"first_page"`
	LastPage   bool              `json:"last_page"`
	Empty      bool              `json:"empty"`
	Contents   []json.RawMessage `json:"contents"`
}

func browserJSON(t *testing.T, b *browser, path string, status int, v any) *httptest.ResponseRecorder {
	t.Helper()
	rec := b.get(path)
	if rec.Code != status {
		t.Fatalf("GET %s: %d, want %d\n%s", path, rec.Code, status, rec.Body.String())
	}
	if v != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, rec.Body.String())
		}
	}
	return rec
}

// TestHSDSOrganizationsAPI: another directory pages through the published
// organisations (HSDS's Page envelope), reads each whole record, and
// every record conforms; nothing private or unpublished appears; a
// repeated request with the ETag is a 304; any site may read it.
func TestHSDSOrganizationsAPI(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	schemas := hsdsSchemas(t)
	ecpat := f.orgID(t, "ecpat-luxembourg")
	// Private parts, and an organisation waiting for review.
	f.exec(t, `INSERT INTO team_members (organisation_id, full_name, role_title, email, visibility) VALUES ($1, 'Secret Sabine', 'Trésorière', 'sabine@secret.example', 'private')`, ecpat)
	f.exec(t, `UPDATE organisations SET status = 'pending' WHERE slug = (SELECT slug FROM organisations WHERE status = 'published' AND slug <> 'ecpat-luxembourg' ORDER BY id LIMIT 1)`)
	var pending string
	if err := f.pool.QueryRow(t.Context(), `SELECT name FROM organisations WHERE status = 'pending' ORDER BY id LIMIT 1`).Scan(&pending); err != nil {
		t.Fatal(err)
	}
	published := f.count(t, `SELECT count(*) FROM organisations WHERE status = 'published'`)
	b := f.browser(t)

	var all hsdsPage
	rec := browserJSON(t, b, "/api/hsds/organizations", http.StatusOK, &all)
	if all.TotalItems != published || all.Size != published || all.TotalPages != 1 || all.PageNumber != 1 || !all.FirstPage || !all.LastPage || all.Empty {
		t.Errorf("first page: %+v, want all %d published organisations", all, published)
	}
	// organization_list records: the organisation's own fields.
	found := false
	for _, c := range all.Contents {
		var o map[string]any
		_ = json.Unmarshal(c, &o)
		if o["id"] == hsds.OrganizationID(ecpat) {
			found = o["name"] == "ECPAT Luxembourg" && o["description"] != "" && o["website"] != nil && o["locations"] == nil
		}
		if o["id"] == nil || o["name"] == nil || o["description"] == nil {
			t.Errorf("a summary lacks a field HSDS requires: %s", c)
		}
	}
	if !found {
		t.Error("ECPAT Luxembourg's summary is not on the first page as it should be")
	}
	if rec.Header().Get("Access-Control-Allow-Origin") != "*" || rec.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("CORS headers: %v", rec.Header())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %s", ct)
	}
	if rec.Header().Get("Set-Cookie") != "" {
		t.Errorf("the API set a cookie: %s", rec.Header().Get("Set-Cookie"))
	}
	etag := rec.Header().Get("ETag")
	b.header.Set("If-None-Match", etag)
	if again := b.get("/api/hsds/organizations"); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("with If-None-Match: %d %q", again.Code, again.Body.String())
	}
	b.header.Del("If-None-Match")

	// Page by page, one at a time, the whole records.
	var ids []string
	for page := 1; ; page++ {
		var pg hsdsPage
		browserJSON(t, b, "/api/hsds/organizations?full=true&per_page=2&page="+itoa(page), http.StatusOK, &pg)
		if pg.PageNumber != page || pg.TotalItems != published || pg.TotalPages != (published+1)/2 || pg.FirstPage != (page == 1) {
			t.Fatalf("page %d: %+v", page, pg)
		}
		for _, c := range pg.Contents {
			wantConforms(t, schemas, "a listed record", c)
			var o struct{ ID, Name string }
			_ = json.Unmarshal(c, &o)
			ids = append(ids, o.ID)
			one := browserJSON(t, b, "/api/hsds/organizations/"+o.ID, http.StatusOK, nil)
			wantConforms(t, schemas, o.Name, one.Body.Bytes())
			if one.Body.String() != string(c) {
				t.Errorf("%s: the record alone differs from the listed one", o.Name)
			}
			for _, secret := range []string{"Secret Sabine", "sabine@secret.example", "c.wantz@ecpat.lu", pending, `"private"`} {
				if strings.Contains(string(c), secret) {
					t.Errorf("%s's record shows %q", o.Name, secret)
				}
			}
		}
		if pg.LastPage {
			break
		}
		if page > published {
			t.Fatal("the pages never end")
		}
	}
	if len(ids) != published {
		t.Errorf("%d records over the pages, want %d", len(ids), published)
	}
	var beyond hsdsPage
	browserJSON(t, b, "/api/hsds/organizations?page=999", http.StatusOK, &beyond)
	if !beyond.Empty || beyond.Size != 0 || len(beyond.Contents) != 0 || !beyond.LastPage {
		t.Errorf("beyond the last page: %+v", beyond)
	}

	// ECPAT Luxembourg's record: its offices and its public team.
	one := browserJSON(t, b, "/api/hsds/organizations/"+hsds.OrganizationID(ecpat), http.StatusOK, nil)
	for _, want := range []string{"Bamako", "Fabienne", "Boubacar", "Halimatou", "Gestion de projets"} {
		if !strings.Contains(one.Body.String(), want) {
			t.Errorf("ECPAT's record lacks %q", want)
		}
	}
	// Unknown, pending and malformed ids.
	pendingID := int64(f.count(t, `SELECT id FROM organisations WHERE status = 'pending' ORDER BY id LIMIT 1`))
	for path, status := range map[string]int{
		"/api/hsds/organizations/" + hsds.OrganizationID(999999):    http.StatusNotFound,
		"/api/hsds/organizations/" + hsds.OrganizationID(pendingID): http.StatusNotFound,
		"/api/hsds/organizations/not-a-uuid":                        http.StatusBadRequest,
	} {
		var p kit.Problem
		rec := browserJSON(t, b, path, status, &p)
		if rec.Header().Get("Content-Type") != kit.ProblemJSON || p.Status != status {
			t.Errorf("%s: %s %+v", path, rec.Header().Get("Content-Type"), p)
		}
	}
}

// TestHSDSAPIRefusesBadParameters: each mistaken parameter is a 400
// problem naming it.
func TestHSDSAPIRefusesBadParameters(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	b := f.browser(t)
	for query, param := range map[string]string{
		"per_page=101":                         "per_page",
		"per_page=100000":                      "per_page",
		"per_page=99999999999999999999":        "per_page",
		"per_page=0":                           "per_page",
		"per_page=ten":                         "per_page",
		"page=0":                               "page",
		"page=-1":                              "page",
		"page=1&page=2":                        "page",
		"page=99999999":                        "page",
		"limit=10":                             "limit",
		"full=maybe":                           "full",
		"format=ndjson":                        "format",
		"search=ecpat":                         "search",
		"per_page=" + strings.Repeat("9", 300): "per_page",
	} {
		var p kit.Problem
		rec := browserJSON(t, b, "/api/hsds/organizations?"+query, http.StatusBadRequest, &p)
		named := false
		for _, ip := range p.InvalidParams {
			named = named || (ip.Name == param && ip.Reason != "" && !strings.Contains(ip.Reason, "hsds."))
		}
		if !named || rec.Header().Get("Content-Type") != kit.ProblemJSON {
			t.Errorf("?%s: %+v, want a problem naming %s with a sentence", query, p, param)
		}
	}
	var p kit.Problem
	browserJSON(t, b, "/api/hsds/organizations/"+hsds.OrganizationID(1)+"?full=true", http.StatusBadRequest, &p)
	if len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != "full" {
		t.Errorf("an unknown parameter of one record: %+v", p)
	}
}

// TestOwnerDownloadsTheWholeRecord: an owner downloads the organisation's
// whole HSDS record, private team members and contact points included and
// marked; an editor is refused, another organisation's owner finds
// nothing, an anonymous visitor is asked to sign in.
func TestOwnerDownloadsTheWholeRecord(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	schemas := hsdsSchemas(t)
	f.owner(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	other := f.count(t, `SELECT min(id) FROM organisations WHERE slug <> 'ecpat-luxembourg' AND status = 'published'`)
	var otherSlug string
	_ = f.pool.QueryRow(t.Context(), `SELECT slug FROM organisations WHERE id = $1`, other).Scan(&otherSlug)
	f.user(t, "other-owner@example.org", "", otherSlug, accounts.OrgOwner)
	ecpat := f.orgID(t, "ecpat-luxembourg")
	f.exec(t, `INSERT INTO team_members (organisation_id, full_name, role_title, email, visibility) VALUES ($1, 'Secret Sabine', 'Trésorière', 'sabine@secret.example', 'private')`, ecpat)
	const path = "/manage/ecpat-luxembourg/export.hsds.json"

	owner := f.browser(t)
	owner.login("owner@example.org")
	wantStatus(t, owner.get("/manage/ecpat-luxembourg"), http.StatusOK, `href="`+path+`"`, "Vos données")
	rec := owner.get(path)
	wantStatus(t, rec, http.StatusOK, "Secret Sabine", "sabine@secret.example", "c.wantz@ecpat.lu", "Fabienne", `"code": "private"`)
	if cd := rec.Header().Get("Content-Disposition"); cd != `attachment; filename="ecpat-luxembourg.hsds.json"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
	wantConforms(t, schemas, "the owner's record", rec.Body.Bytes())
	back, err := hsds.Decode(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	private := 0
	for _, m := range back.Members {
		if !m.Public {
			private++
		}
	}
	for _, c := range back.Contacts {
		if !c.Public {
			private++
		}
	}
	if private < 2 {
		t.Errorf("%d private people and contacts in the download, want Sabine and c.wantz@ecpat.lu", private)
	}

	editor := f.browser(t)
	editor.login("editor@example.org")
	if rec := editor.get("/manage/ecpat-luxembourg"); strings.Contains(rec.Body.String(), path) {
		t.Error("the editor's page links the owners' download")
	}
	wantStatus(t, editor.get(path), http.StatusForbidden)
	stranger := f.browser(t)
	stranger.login("other-owner@example.org")
	wantStatus(t, stranger.get(path), http.StatusNotFound)
	if rec := f.browser(t).get(path); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s, want the login page", rec.Code, rec.Header().Get("Location"))
	}
}
