package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

func cacheState(t *testing.T, b *browser, path string) (string, string) {
	t.Helper()
	rec := b.get(path)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d", path, rec.Code)
	}
	return rec.Header().Get("X-Page-Cache"), rec.Body.String()
}

func TestPageCacheServesAnonymousVisitorsAndFollowsChanges(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	ctx := context.Background()
	anon := f.browser(t)
	org := f.orgID(t, "ecpat-luxembourg")

	for _, path := range []string{"/organisations", "/organisations/ecpat-luxembourg", "/countries/ML", "/"} {
		state, first := cacheState(t, anon, path)
		if state != "miss" {
			t.Fatalf("%s: first visit X-Page-Cache %q, want miss", path, state)
		}
		state, again := cacheState(t, anon, path)
		if state != "hit" || again != first {
			t.Fatalf("%s: second visit X-Page-Cache %q (same body: %v), want a hit with the same page", path, state, again == first)
		}
	}

	// The claim link of an organisation without owner goes as soon as it
	// has one (memberships are not directory writes: their notification
	// tells).
	if _, body := cacheState(t, anon, "/organisations/ecpat-luxembourg"); !strings.Contains(body, "/organisations/ecpat-luxembourg/claim") {
		t.Fatal("an organisation without owner shows no claim link")
	}
	f.owner(t)
	if state, body := cacheState(t, anon, "/organisations/ecpat-luxembourg"); state != "miss" || strings.Contains(body, "/claim") {
		t.Fatalf("profile once owned: X-Page-Cache %q, claim link still there: %v", state, strings.Contains(body, "/claim"))
	}

	// Another process renames the organisation (a write this process
	// hears of only through PostgreSQL's notification; f.exec waits until
	// it is heard): the profile and the lists change, and a hit runs no
	// query.
	f.exec(t, `UPDATE organisations SET name = 'ECPAT Lëtzebuerg', updated_at = now() WHERE id = $1`, org)
	for _, path := range []string{"/organisations/ecpat-luxembourg", "/organisations"} {
		if state, body := cacheState(t, anon, path); state != "miss" || !strings.Contains(body, "ECPAT Lëtzebuerg") {
			t.Fatalf("%s after another process's change: X-Page-Cache %q, renamed: %v", path, state, strings.Contains(body, "ECPAT Lëtzebuerg"))
		}
		if state, _ := cacheState(t, anon, path); state != "hit" {
			t.Fatalf("%s read twice after the change: X-Page-Cache %q, want hit", path, state)
		}
	}

	// A change through this process's directory invalidates every page.
	if err := f.dir.AddMember(ctx, audit.System("test"), org, &directory.Member{FullName: "Awa", RoleTitle: "Stagiaire", Public: true}); err != nil {
		t.Fatal(err)
	}
	state, body := cacheState(t, anon, "/organisations")
	if state != "miss" || !strings.Contains(body, "ECPAT Lëtzebuerg") {
		t.Fatalf("list after a change here: X-Page-Cache %q, renamed: %v", state, strings.Contains(body, "ECPAT Lëtzebuerg"))
	}
	if state, body := cacheState(t, anon, "/organisations/ecpat-luxembourg"); state != "miss" || !strings.Contains(body, "Awa") {
		t.Fatalf("profile after a new team member: X-Page-Cache %q, shows Awa: %v", state, strings.Contains(body, "Awa"))
	}

	// Each language is its own page.
	en := f.browser(t)
	en.header.Set("Accept-Language", "en")
	if state, body := cacheState(t, en, "/organisations"); state != "miss" || !strings.Contains(body, `<html lang="en">`) {
		t.Fatalf("English list: X-Page-Cache %q, english: %v", state, strings.Contains(body, `lang="en"`))
	}

	// Errors are not kept.
	for range 2 {
		rec := anon.get("/organisations/no-such-organisation")
		if rec.Code != http.StatusNotFound || rec.Header().Get("X-Page-Cache") == "hit" {
			t.Fatalf("unknown profile: %d, X-Page-Cache %q", rec.Code, rec.Header().Get("X-Page-Cache"))
		}
	}

	// Suspending (another process) takes the profile down.
	f.exec(t, `UPDATE organisations SET status = 'suspended', updated_at = now() WHERE id = $1`, org)
	if rec := anon.get("/organisations/ecpat-luxembourg"); rec.Code != http.StatusNotFound {
		t.Fatalf("suspended profile: %d, want 404", rec.Code)
	}
}

func TestPageCacheSkipsSignedInVisitors(t *testing.T) {
	t.Parallel()
	f := newAccountsFixture(t)
	f.owner(t)
	anon := f.browser(t)
	cacheState(t, anon, "/organisations")
	cacheState(t, anon, "/organisations")

	owner := f.browser(t)
	owner.login("owner@example.org")
	for range 2 {
		rec := owner.get("/organisations")
		wantStatus(t, rec, http.StatusOK, "ECPAT Luxembourg")
		if got := rec.Header().Get("X-Page-Cache"); got != "" {
			t.Fatalf("signed-in visitor: X-Page-Cache %q, want none", got)
		}
	}
}

// TestCachedPagesRunNoQuery: a hit of a profile, a project, an article or
// a list costs no query — served with the program's pool closed (the
// change listener has its own connection, so the cache stays live).
func TestCachedPagesRunNoQuery(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	anon := f.browser(t)
	paths := []string{"/organisations/ecpat-luxembourg", "/organisations", "/news/we-love-ecpat", "/api/v1/organisations/ecpat-luxembourg"}
	var project string
	if err := f.pool.QueryRow(context.Background(), `SELECT p.slug FROM projects p JOIN organisations o ON o.id = p.organisation_id
		WHERE o.slug = 'ecpat-luxembourg' ORDER BY p.id LIMIT 1`).Scan(&project); err != nil {
		t.Fatal(err)
	}
	paths = append(paths, "/organisations/ecpat-luxembourg/projects/"+project)
	for _, path := range paths {
		cacheState(t, anon, path)
	}
	f.pool.Close()
	for _, path := range paths {
		if state, _ := cacheState(t, anon, path); state != "hit" {
			t.Errorf("%s with the pool closed: X-Page-Cache %q, want a hit", path, state)
		}
	}
}
