package web_test

import (
	"net/http"
	"os"
	"regexp"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

var confirmAction = regexp.MustCompile(`action="(/admin/import/[0-9a-f]+/confirm)"`)

// TestAdminImportsACSVAfterItsDryRun: an admin uploads the sample, sees
// what would happen (the bad row with its line and reason) while nothing
// is written, confirms, and the organisations exist, pending review; a
// second confirmation imports nothing; another admin cannot confirm the
// first one's file; a non-admin never reaches the page.
func TestAdminImportsACSVAfterItsDryRun(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	f.user(t, "other-admin@partners.test", accounts.RoleAdmin, "", "")
	f.user(t, "editor@ecpat.test", "", "ecpat-luxembourg", accounts.OrgEditor)
	sample, err := os.ReadFile("../../testdata/import/organisations.csv")
	if err != nil {
		t.Fatal(err)
	}
	slugs := []string{"eau-vive-sahel", "ecoles-du-delta", "femmes-et-terre", "forets-vivantes"}
	imported := func() int {
		return f.count(t, `SELECT count(*) FROM organisations WHERE slug = ANY($1)`, slugs)
	}

	editor := f.signedIn(t, "editor@ecpat.test", false)
	wantStatus(t, editor.get("/admin/import"), http.StatusForbidden)

	b := f.signedIn(t, "admin@partners.test", true)
	b.header.Set("Accept-Language", "en")
	wantStatus(t, b.get("/admin/import"), http.StatusOK, `enctype="multipart/form-data"`, `name="file"`)

	audits := f.count(t, `SELECT count(*) FROM audit_log`)
	rec := b.upload("/admin/import", "file", "organisations.csv", sample)
	wantStatus(t, rec, http.StatusOK, "What the import would do", "4 to create, 0 to update, 0 unchanged, 1 refused.",
		"Would be created", "<td>5</td>", "<code>countries</code>", "Unknown country code.")
	if n := imported(); n != 0 {
		t.Fatalf("the dry run stored %d organisations", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log`); n != audits {
		t.Errorf("the dry run wrote %d audit entries", n-audits)
	}
	m := confirmAction.FindStringSubmatch(rec.Body.String())
	if m == nil {
		t.Fatalf("no confirmation form:\n%s", rec.Body.String())
	}

	// Another admin does not get this admin's file.
	other := f.signedIn(t, "other-admin@partners.test", true)
	wantStatus(t, other.post(m[1], nil), http.StatusNotFound)

	rec = b.post(m[1], nil)
	wantStatus(t, rec, http.StatusOK, "What the import did", "4 created, 0 updated, 0 unchanged, 1 refused.")
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE slug = ANY($1) AND status = 'pending'`, slugs); n != 4 {
		t.Fatalf("%d of 4 organisations imported pending", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE actor = 'admin@partners.test' AND action = 'organisation.create'`); n != 4 {
		t.Errorf("%d creations audited as the admin", n)
	}
	jobs := f.count(t, `SELECT count(*) FROM river_job`)

	rec = b.post(m[1], nil)
	wantStatus(t, rec, http.StatusConflict, "This file has already been imported.")
	if n := f.count(t, `SELECT count(*) FROM river_job`); n != jobs || imported() != 4 {
		t.Errorf("the second confirmation imported again: %d jobs (was %d)", n, jobs)
	}
	if n := f.count(t, `SELECT count(*) FROM import_uploads WHERE used_at IS NOT NULL AND content = ''`); n != 1 {
		t.Errorf("the used upload still holds its bytes (%d)", n)
	}
}

func TestAdminImportRefusesABadFileAtItsLine(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	b := f.signedIn(t, "admin@partners.test", true)
	b.header.Set("Accept-Language", "en")
	rec := b.upload("/admin/import", "file", "x.csv", []byte("name,kind,colour\nA,22,red\n"))
	wantStatus(t, rec, http.StatusUnprocessableEntity, "The file was refused at line 1: Unknown column “colour”.")
	if confirmAction.MatchString(rec.Body.String()) {
		t.Error("a refused file can be confirmed")
	}
	wantStatus(t, b.upload("/admin/import", "file", "x.csv", nil), http.StatusUnprocessableEntity, "The file is empty")
	if n := f.count(t, `SELECT count(*) FROM import_uploads`); n != 0 {
		t.Errorf("%d refused files kept", n)
	}
}
