package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/hsds"
)

// duplicate lists ECPAT Luxembourg a second time, published, with an
// office the first listing lacks (in Ségou), and returns its id.
func (f *accountsFixture) duplicate(t *testing.T) int64 {
	t.Helper()
	dup := demo.Organisations()[0]
	dup.Slug = "ecpat-luxembourg-2"
	dup.Offices = append(dup.Offices, directory.Office{Name: "Antenne — Ségou", Kind: directory.OfficeField, City: "Ségou", Country: "ML"})
	id, err := f.dir.Create(context.Background(), audit.System("test"), dup)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAdminMergesADuplicate(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	kept, dup := f.orgID(t, "ecpat-luxembourg"), f.duplicate(t)
	f.user(t, "admin@partners.test", accounts.RoleAdmin, "", "")
	f.user(t, "owner@dup.test", "", "ecpat-luxembourg-2", accounts.OrgOwner)
	admin := f.signedIn(t, "admin@partners.test", true)
	anon := f.browser(t)
	// Both profiles are in the page cache before the merge.
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg-2"), http.StatusOK, "Ségou")
	if body := anon.get("/organisations/ecpat-luxembourg").Body.String(); strings.Contains(body, "Ségou") {
		t.Fatal("the kept profile shows the duplicate's office before the merge")
	}
	jobsBefore := f.indexJobs(t, kept) + f.indexJobs(t, dup)

	page := fmt.Sprintf("/admin/organisations/%d", dup)
	wantStatus(t, admin.get(page), http.StatusOK, `action="`+page+`/merge"`)
	// Refusals: each redraws the form with its reason and changes nothing.
	for _, c := range []struct{ into, msg string }{
		{"ecpat-luxembourg-2", "ne peut pas être fusionnée avec elle-même"},
		{"nobody-has-this", "Aucune organisation n&#39;a cette adresse"},
	} {
		wantStatus(t, admin.get(page+"/merge?into="+c.into), http.StatusUnprocessableEntity, c.msg, `href="#f-into"`)
		wantStatus(t, admin.post(page+"/merge", url.Values{"into": {c.into}}), http.StatusUnprocessableEntity, c.msg)
	}
	if n := f.count(t, `SELECT count(*) FROM organisations WHERE status = 'merged'`); n != 0 {
		t.Fatal("a refused merge merged")
	}
	// The preview shows what moves; the merge does it.
	wantStatus(t, admin.get(page+"/merge?into=ecpat-luxembourg"), http.StatusOK, "Bureaux", "Projets", `name="into" value="ecpat-luxembourg"`)
	rec := admin.post(page+"/merge", url.Values{"into": {"ecpat-luxembourg"}})
	if want := fmt.Sprintf("/admin/organisations/%d?done=merged", kept); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != want {
		t.Fatalf("merge: %d → %q, want 303 → %s\n%s", rec.Code, rec.Header().Get("Location"), want, rec.Body.String())
	}
	wantStatus(t, admin.get(rec.Header().Get("Location")), http.StatusOK, "Fusion faite")
	if n := f.count(t, `SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE u.email = 'owner@dup.test' AND m.organisation_id = $1 AND m.role = 'owner'`, kept); n != 1 {
		t.Error("the duplicate's owner is not an owner of the kept organisation")
	}
	if f.indexJobs(t, kept)+f.indexJobs(t, dup) < jobsBefore+2 {
		t.Error("no index jobs for the two organisations")
	}
	// Merging again is a conflict.
	wantStatus(t, admin.post(page+"/merge", url.Values{"into": {"enfance-et-avenir-international"}}), http.StatusConflict, "a déjà été fusionnée")

	// The kept profile, cached before, shows the moved office at once.
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg"), http.StatusOK, "Ségou")
	renamed := f.count(t, `SELECT count(*) FROM projects WHERE organisation_id = $1 AND slug LIKE 'mallette-formation-esec-%'`, kept)
	if renamed != 1 {
		t.Fatalf("%d renamed training box projects, want 1", renamed)
	}
	var newSlug string
	if err := f.pool.QueryRow(context.Background(), `SELECT slug FROM projects WHERE organisation_id = $1 AND slug LIKE 'mallette-formation-esec-%'`, kept).Scan(&newSlug); err != nil {
		t.Fatal(err)
	}
	// Every old address answers 301 to the kept organisation's.
	for old, want := range map[string]string{
		"/organisations/ecpat-luxembourg-2":                                  "/organisations/ecpat-luxembourg",
		"/organisations/ecpat-luxembourg-2?lang=en":                          "/organisations/ecpat-luxembourg?lang=en",
		"/organisations/ecpat-luxembourg-2/projects/mallette-formation-esec": "/organisations/ecpat-luxembourg/projects/" + newSlug,
		"/organisations/ecpat-luxembourg-2/news.atom":                        "/organisations/ecpat-luxembourg/news.atom",
		"/organisations/ecpat-luxembourg-2/offer":                            "/organisations/ecpat-luxembourg/offer",
		"/organisations/ecpat-luxembourg-2/suggest":                          "/organisations/ecpat-luxembourg/suggest",
		"/api/v1/organisations/ecpat-luxembourg-2":                           "/api/v1/organisations/ecpat-luxembourg",
		"/api/v1/organisations/ecpat-luxembourg-2/projects":                  "/api/v1/organisations/ecpat-luxembourg/projects",
		"/api/hsds/organizations/" + hsds.OrganizationID(dup):                "/api/hsds/organizations/" + hsds.OrganizationID(kept),
	} {
		rec := anon.get(old)
		if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != want {
			t.Errorf("GET %s: %d → %q, want 301 → %s", old, rec.Code, rec.Header().Get("Location"), want)
		}
	}
	wantStatus(t, anon.get("/organisations/ecpat-luxembourg/projects/"+newSlug), http.StatusOK, "Mallette de formation")
	// The kept organisation and everyone else's addresses stay as they were.
	wantStatus(t, anon.get("/organisations/enfance-et-avenir-international"), http.StatusOK)
	if rec := anon.get("/organisations/no-such-organisation"); rec.Code != http.StatusNotFound {
		t.Errorf("unknown organisation: %d, want 404", rec.Code)
	}
	// The audit of both organisations says so.
	for _, id := range []int64{kept, dup} {
		if n := f.count(t, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action LIKE 'organisation.merge%' AND actor_role = 'admin'`, id); n != 1 {
			t.Errorf("organisation %d: %d merge entries in the audit", id, n)
		}
	}
}
