package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// TestTwoInstancesInvalidateEachOther runs two programs on one database,
// as two instances behind a load balancer: a profile edited through A is
// fresh on B within a second, and when B's listener loses its connection
// B never serves the page it kept from before.
func TestTwoInstancesInvalidateEachOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"PAGE_CACHE_BYTES": "8MiB"},
		Options: app.Options{ListenerName: "partnerdir listener A"}})
	const bName = "partnerdir listener B"
	b := apptest.New(t, apptest.Setup{NoDemo: true, Env: map[string]string{"DATABASE_URL": a.Config.DatabaseURL, "PAGE_CACHE_BYTES": "8MiB"},
		Options: app.Options{ListenerName: bName}})
	const profile = "/organisations/ecpat-luxembourg"
	get := func() (state, body string) {
		t.Helper()
		rec := httptest.NewRecorder()
		b.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, profile, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("B: GET %s: %d", profile, rec.Code)
		}
		return rec.Header().Get("X-Page-Cache"), rec.Body.String()
	}
	var org int64
	if err := a.Pool.QueryRow(ctx, `SELECT id FROM organisations WHERE slug = 'ecpat-luxembourg'`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	addMember := func(name string) {
		t.Helper()
		if err := a.Directory.AddMember(ctx, audit.System("test"), org, &directory.Member{FullName: name, RoleTitle: "Stagiaire", Public: true}); err != nil {
			t.Fatal(err)
		}
	}

	// B keeps the profile.
	get()
	if state, body := get(); state != "hit" || strings.Contains(body, "Awa Traoré") {
		t.Fatalf("B's second visit: X-Page-Cache %q, want a hit of the profile as it was", state)
	}

	// Edited through A: fresh on B within a second, and kept again.
	addMember("Awa Traoré")
	written := time.Now()
	for {
		state, body := get()
		if strings.Contains(body, "Awa Traoré") {
			if state == "hit" {
				t.Fatal("B's first fresh answer came from its cache")
			}
			break
		}
		if time.Since(written) > time.Second {
			t.Fatalf("B still serves the profile without A's new member 1 s after the write (X-Page-Cache %q)", state)
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("B fresh %v after A's write", time.Since(written).Round(time.Millisecond))
	if state, body := get(); state != "hit" || !strings.Contains(body, "Awa Traoré") {
		t.Fatalf("B after the change: X-Page-Cache %q, want a hit of the fresh profile", state)
	}

	// B's listener connection is killed; A writes while B cannot hear it.
	// From the write on, B must never answer without the new member.
	gen := b.Changes.Generation()
	var killed int
	if err := a.Pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, bName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("terminated %d connections named %q, want B's listener", killed, bName)
	}
	for deadline := time.Now().Add(5 * time.Second); b.Changes.Generation() == gen; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("B's listener did not notice its connection was killed within 5 s")
		}
	}
	addMember("Moussa Keïta")
	var states []string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		state, body := get()
		if !strings.Contains(body, "Moussa Keïta") {
			t.Fatalf("B served the profile without the member A added while B's listener was down (X-Page-Cache %q, before: %v)", state, states)
		}
		if len(states) == 0 || states[len(states)-1] != state {
			states = append(states, state)
		}
		if b.Changes.Live() && state == "hit" {
			break // listening again, and caching again
		}
		if time.Now().After(deadline) {
			t.Fatalf("B's listener is not back within 10 s (live %v, X-Page-Cache states %v)", b.Changes.Live(), states)
		}
	}
	t.Logf("B's X-Page-Cache after the kill: %v", states)
	if v := value(scrape(t, b), "partnerdir_invalidation_reconnects_total", nil); v == nil || *v != 1 {
		t.Errorf("B's partnerdir_invalidation_reconnects_total = %v, want 1", v)
	}

	// Listening again: A's next write reaches B as the first did.
	addMember("Fatou Diallo")
	soon := time.Now().Add(time.Second)
	for {
		if _, body := get(); strings.Contains(body, "Fatou Diallo") {
			break
		}
		if time.Now().After(soon) {
			t.Fatal("after B's listener came back, A's write did not reach B within 1 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
