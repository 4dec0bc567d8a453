package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/web"
)

// testPDF is a small well-formed PDF.
func testPDF(title string) []byte {
	return []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Title (" + title + ") >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
}

// uploadDocument posts the document form with a file named name.
func (b *browser) uploadDocument(path string, fields url.Values, name string, data []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField(web.CSRFField, b.token)
	for k, vs := range fields {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	if data != nil {
		fw, _ := w.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.do(req)
}

func documentFields(title, visibility string) url.Values {
	return url.Values{"kind": {"annual_report"}, "year": {"2025"}, "title": {title}, "visibility": {visibility}}
}

// endless is a body that never ends, counting what was read of it.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	e.n += int64(len(p))
	return len(p), nil
}

var documentLink = regexp.MustCompile(`href="(/organisations/ecpat-luxembourg/documents/[0-9]+)"`)

// TestDocumentUploadRefusals: what is not a small PDF with a title gets a
// message next to its field, or a 413 before the body is read, and
// changes nothing.
func TestDocumentUploadRefusals(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	b := f.browser(t)
	b.login("owner@example.org")
	wantStatus(t, b.get("/manage/ecpat-luxembourg/documents"), http.StatusOK, "Aucun document pour l&#39;instant", `name="file"`)
	org := f.orgID(t, "ecpat-luxembourg")
	before := f.fingerprint(t, org)

	path := "/manage/ecpat-luxembourg/documents"
	html := []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
	for name, tc := range map[string]struct {
		fields   url.Values
		file     string
		data     []byte
		contains []string
	}{
		"html named .pdf": {documentFields("Rapport", "public"), "rapport.pdf", html, []string{`id="err-file"`, "n&#39;est pas un document PDF"}},
		"no file":         {documentFields("Rapport", "public"), "", nil, []string{`id="err-file"`, "Choisissez un fichier PDF"}},
		"no title":        {documentFields(" ", "public"), "r.pdf", testPDF("x"), []string{`id="err-title"`, "Donnez un titre"}},
		"unknown kind": {url.Values{"kind": {"love_letter"}, "year": {"1850"}, "title": {"x"}}, "r.pdf", testPDF("x"),
			[]string{`id="err-kind"`, `id="err-year"`}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := b.uploadDocument(path, tc.fields, tc.file, tc.data)
			wantStatus(t, rec, http.StatusUnprocessableEntity, tc.contains...)
		})
	}

	// 50 MB announced: refused from its Content-Length, nothing read.
	body := &endless{}
	req := httptest.NewRequest(http.MethodPost, path, io.LimitReader(body, 50<<20))
	req.ContentLength = 50 << 20
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	rec := b.do(req)
	wantStatus(t, rec, http.StatusRequestEntityTooLarge, "dépasse 10 Mo")
	if body.n != 0 {
		t.Errorf("read %d bytes of an upload announced at 50 MB", body.n)
	}
	// 50 MB unannounced (chunked): refused once past the limit.
	body = &endless{}
	head := "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n"
	req = httptest.NewRequest(http.MethodPost, path, io.MultiReader(strings.NewReader(head), io.LimitReader(body, 50<<20)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	if rec := b.do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("50 MB chunked: %d", rec.Code)
	}
	if body.n > web.MaxDocumentFormBytes+1<<20 {
		t.Errorf("read %d bytes of a 50 MB upload, limit %d", body.n, web.MaxDocumentFormBytes)
	}

	if n := f.count(t, `SELECT count(*) FROM documents WHERE organisation_id = $1`, org); n != 0 {
		t.Errorf("%d documents stored", n)
	}
	if after := f.fingerprint(t, org); after != before {
		t.Errorf("a refused upload changed the organisation:\n%s\n%s", before, after)
	}
}

// TestDocumentsPublicAndPrivate: a public document is on the profile and
// anyone downloads it as an attachment that never runs; a private one is
// not listed and is a 404 for everyone but the organisation's members
// and staff; deletion removes row and file; an erased uploader leaves the
// document without their name.
func TestDocumentsPublicAndPrivate(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ownerID := f.owner(t)
	f.user(t, "editor@example.org", "", "ecpat-luxembourg", accounts.OrgEditor)
	f.user(t, "other@example.org", "", "sahel-eau-vive", accounts.OrgOwner)
	f.user(t, "staff@example.org", accounts.RoleStaff, "", "")
	f.user(t, "staff2@example.org", accounts.RoleStaff, "", "")
	org := f.orgID(t, "ecpat-luxembourg")
	b := f.browser(t)
	b.login("owner@example.org")
	b.get("/manage/ecpat-luxembourg/documents")

	public, private := testPDF("public"), testPDF("private")
	wantStatus(t, b.uploadDocument("/manage/ecpat-luxembourg/documents", documentFields("Rapport annuel « 2025 » / bilan", "public"), "C:\\x\\..\\evil.html", public), http.StatusSeeOther)
	wantStatus(t, b.uploadDocument("/manage/ecpat-luxembourg/documents", documentFields("Statuts signés", "private"), "statuts.pdf", private), http.StatusSeeOther)
	list := b.get("/manage/ecpat-luxembourg/documents?saved=1")
	wantStatus(t, list, http.StatusOK, "Rapport annuel « 2025 » / bilan", "Statuts signés", "Privé", "Rapport annuel</td>")
	links := documentLink.FindAllStringSubmatch(list.Body.String(), -1)
	if len(links) != 2 {
		t.Fatalf("%d document links on the manage page", len(links))
	}
	// Latest year first, then latest upload: the private one comes first.
	privURL, pubURL := links[0][1], links[1][1]

	anon := f.browser(t)
	profile := anon.get("/organisations/ecpat-luxembourg")
	wantStatus(t, profile, http.StatusOK, `id="documents-h"`, "Rapport annuel « 2025 » / bilan", "2025", "PDF, 1 ko", `href="`+pubURL+`"`)
	if strings.Contains(profile.Body.String(), "Statuts signés") || strings.Contains(profile.Body.String(), privURL) {
		t.Error("the profile lists the private document")
	}

	rec := anon.get(pubURL)
	wantStatus(t, rec, http.StatusOK)
	h := rec.Header()
	if !bytes.Equal(rec.Body.Bytes(), public) || h.Get("Content-Type") != "application/pdf" ||
		h.Get("Content-Disposition") != `attachment; filename=ecpat-luxembourg-rapport-annuel-2025-bilan.pdf` ||
		h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("public download: %q\n%v", rec.Body.String(), h)
	}
	// Its digest is its ETag.
	req := httptest.NewRequest(http.MethodGet, pubURL, nil)
	req.Header.Set("If-None-Match", h.Get("ETag"))
	if rec := anon.do(req); rec.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", rec.Code)
	}

	staff := f.signedIn(t, "staff@example.org", true)
	for _, tc := range []struct {
		who    string
		b      *browser
		status int
	}{
		{"anonymous", anon, http.StatusNotFound},
		{"another organisation's owner", f.signedIn(t, "other@example.org", false), http.StatusNotFound},
		{"staff without two-factor", f.signedIn(t, "staff2@example.org", false), http.StatusNotFound},
		{"owner", b, http.StatusOK},
		{"editor", f.signedIn(t, "editor@example.org", false), http.StatusOK},
		{"staff", staff, http.StatusOK},
	} {
		t.Run("private document, "+tc.who, func(t *testing.T) {
			rec := tc.b.get(privURL)
			if rec.Code != tc.status {
				t.Fatalf("%d, want %d", rec.Code, tc.status)
			}
			if tc.status == http.StatusOK && (!bytes.Equal(rec.Body.Bytes(), private) || rec.Header().Get("Cache-Control") != "private, no-store") {
				t.Errorf("body %q, Cache-Control %q", rec.Body.String(), rec.Header().Get("Cache-Control"))
			}
			if tc.status == http.StatusNotFound && strings.Contains(rec.Body.String(), "Statuts") {
				t.Error("the 404 names the document")
			}
		})
	}
	// Another organisation's slug with this document's id is a 404 too.
	if rec := staff.get(strings.Replace(privURL, "ecpat-luxembourg", "sahel-eau-vive", 1)); rec.Code != http.StatusNotFound {
		t.Errorf("document through another slug: %d", rec.Code)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.create' AND organisation_id = $1 AND actor_user_id = $2`, org, ownerID); n != 2 {
		t.Errorf("%d document.create audit entries", n)
	}

	// Admins find the private one on the organisation's review page.
	f.user(t, "admin@example.org", accounts.RoleAdmin, "", "")
	admin := f.signedIn(t, "admin@example.org", true)
	wantStatus(t, admin.get(fmt.Sprintf("/admin/organisations/%d", org)), http.StatusOK, `href="`+privURL+`"`, "Statuts signés", "Privé")

	// Deleting: the row, then the file.
	id := privURL[strings.LastIndex(privURL, "/")+1:]
	wantStatus(t, b.post("/manage/ecpat-luxembourg/documents/"+id+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, b.get("/manage/ecpat-luxembourg/documents?deleted=1"), http.StatusOK, "Le document a été supprimé")
	if rec := b.get(privURL); rec.Code != http.StatusNotFound {
		t.Errorf("deleted document: %d", rec.Code)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'document.delete' AND entity_id = $1`, id); n != 1 {
		t.Errorf("%d document.delete audit entries", n)
	}

	// The uploader erased: the document stays, without them.
	if err := f.acc.Erase(context.Background(), audit.System("test"), ownerID, accounts.EraseOptions{LeaveOwnerless: true}); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT count(*) FROM documents WHERE organisation_id = $1 AND uploaded_by IS NULL`, org); n != 1 {
		t.Errorf("%d documents without uploader after the erasure, want 1", n)
	}
	wantStatus(t, anon.get(pubURL), http.StatusOK)
}

var (
	cardLogo   = regexp.MustCompile(`<img class="logo logo-card" src="(/uploads/logos/sahel-eau-vive-[0-9a-f]{16}-w96\.png)" alt=""`)
	ecpatTile  = `<span class="logo logo-card logo-initials" aria-hidden="true">EL</span>`
	largeLogo  = regexp.MustCompile(`<img class="logo logo-large" src="(/uploads/logos/sahel-eau-vive-[0-9a-f]{16}-w480\.png)" alt=""`)
	ogImage    = regexp.MustCompile(`<meta property="og:image" content="([^"]+)">`)
	smallLogo  = regexp.MustCompile(`<img class="logo logo-small" src="/uploads/logos/[a-z0-9-]+-[0-9a-f]{16}-w96\.png" alt=""`)
	smallTiles = `<span class="logo logo-small logo-initials" aria-hidden="true">EL</span>ECPAT Luxembourg`
)

// TestLogosEverywhereAnOrganisationShows: the demo's fictional
// organisations show their logos on every card (lists, country and theme
// pages, search, news cards, the article's organisation card), on the
// profile, as og:image and in JSON-LD; ECPAT Luxembourg its initials,
// read once (the tile is hidden from screen readers, the name is text).
func TestLogosEverywhereAnOrganisationShows(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{Media: true})
	apptest.Index(t, a)
	f := newFixture(a)
	b := f.browser(t)

	list := b.get("/organisations").Body.String()
	m := cardLogo.FindStringSubmatch(list)
	if m == nil || !strings.Contains(list, ecpatTile) {
		t.Fatalf("the list's cards lack the logo or ECPAT's initials:\n%s", list)
	}
	for _, path := range []string{"/countries/NE", "/themes/water-sanitation", "/", "/search?q=puits"} {
		if body := b.get(path).Body.String(); !strings.Contains(body, m[1]) {
			t.Errorf("%s: no logo on Sahel Eau Vive's card", path)
		}
	}
	// After the seed's logos and reports (written last, by the platform
	// itself), the home page's recently updated partners still start with
	// ECPAT Luxembourg.
	home := b.get("/").Body.String()
	if _, recent, _ := strings.Cut(home, `id="recent-h"`); !strings.Contains(recent, `href="/organisations/ecpat-luxembourg"`) {
		t.Errorf("the home page's recently updated partners lack ECPAT Luxembourg:\n%s", recent)
	}
	if body := b.get("/search?q=ecpat").Body.String(); !strings.Contains(body, ecpatTile) {
		t.Error("search results: no initials for ECPAT")
	}
	rec := b.get(m[1])
	cfg, err := png.DecodeConfig(bytes.NewReader(rec.Body.Bytes()))
	if rec.Code != http.StatusOK || err != nil || cfg.Width != 96 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("card logo: %d %v %d px, Cache-Control %q", rec.Code, err, cfg.Width, rec.Header().Get("Cache-Control"))
	}

	profile := b.get("/organisations/sahel-eau-vive").Body.String()
	large := largeLogo.FindStringSubmatch(profile)
	if large == nil {
		t.Fatalf("the profile's header has no logo:\n%s", profile)
	}
	if og := ogImage.FindStringSubmatch(profile); og == nil || og[1] != apptest.BaseURL+large[1] {
		t.Errorf("og:image %v, want %s", og, apptest.BaseURL+large[1])
	}
	var ld map[string]any
	if j := jsonLD.FindStringSubmatch(profile); j == nil || json.Unmarshal([]byte(j[1]), &ld) != nil || ld["logo"] != apptest.BaseURL+large[1] {
		t.Errorf("JSON-LD logo %v, want %s", ld["logo"], apptest.BaseURL+large[1])
	}
	if rec := b.get(large[1]); rec.Code != http.StatusOK {
		t.Errorf("profile logo: %d", rec.Code)
	}

	ecpat := b.get("/organisations/ecpat-luxembourg").Body.String()
	if !strings.Contains(ecpat, `<span class="logo logo-large logo-initials" aria-hidden="true">EL</span>`) ||
		ogImage.MatchString(ecpat) || strings.Contains(ecpat, `"logo"`) {
		t.Errorf("ECPAT Luxembourg's profile: no initials placeholder, or a logo it does not have")
	}
	// The name is read once: the tile is hidden, no alt text repeats it.
	if strings.Contains(ecpat, `alt="ECPAT`) {
		t.Error("ECPAT's name is repeated as a text alternative")
	}

	news := b.get("/news").Body.String()
	if !strings.Contains(news, smallTiles) || !smallLogo.MatchString(news) {
		t.Errorf("news cards: no initials beside ECPAT's name, or no logo beside a fictional organisation's")
	}
	article := regexp.MustCompile(`href="(/news/[a-z0-9-]+)"`).FindStringSubmatch(news)
	if article == nil {
		t.Fatal("no article on /news")
	}
	if body := b.get(article[1]).Body.String(); !strings.Contains(body, "logo-card") {
		t.Errorf("%s: the organisation's card has no logo or placeholder", article[1])
	}
}

// document records a private document of organisation orgID (its file
// is not stored: for the routes that refuse before reading it) and
// returns its id.
func (f *accountsFixture) document(t *testing.T, orgID int64) int64 {
	t.Helper()
	id, err := f.dir.AddDocument(context.Background(), audit.System("test"), orgID, directory.NewDocument{
		Kind: directory.DocumentStatutes, Title: "Statuts", FileName: "b-0123456789abcdef.pdf", Size: 1000,
		SHA256: strings.Repeat("ab", 32)})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
