package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/web"
)

// TestBuildRefusesAnUnmigratedDatabase: the program says what to run
// instead of failing later on some page.
func TestBuildRefusesAnUnmigratedDatabase(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"DATABASE_URL": pgtest.NewEmptyDB(t)}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	if a, err := app.Build(context.Background(), cfg, app.Options{}); err == nil || !strings.Contains(err.Error(), "partnerdir migrate up") {
		if a != nil {
			a.Close()
		}
		t.Fatalf("Build on an empty database: %v, want the advice to migrate", err)
	}
}

// TestBuildWiresEveryPart: the program built for a test has every store,
// the search service, the workers and the handler, and serves its pages.
func TestBuildWiresEveryPart(t *testing.T) {
	t.Parallel()
	a := apptest.New(t, apptest.Setup{})
	if a.Directory == nil || a.Accounts == nil || a.Offers == nil || a.Joining == nil || a.News == nil || a.Outbox == nil ||
		a.Search == nil || a.Indexer == nil || a.Workers == nil || a.Locale == nil || a.Handler == nil {
		t.Fatalf("a part is missing: %+v", a)
	}
	for path, want := range map[string]int{"/": 200, "/organisations/ecpat-luxembourg": 200, "/login": 200, "/readyz": 200, "/manage": 303} {
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != want {
			t.Errorf("GET %s: %d, want %d", path, rec.Code, want)
		}
	}
}

// TestWebRefusesMissingDependencies: a part left out is a construction
// error naming it, never a route quietly missing.
func TestWebRefusesMissingDependencies(t *testing.T) {
	_, err := web.New(context.Background(), web.Deps{})
	if err == nil {
		t.Fatal("web.New without dependencies succeeded")
	}
	for _, name := range []string{"Accounts", "Directory", "Joining", "Locale", "Offers", "Search", "UploadDir"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("the error does not name %s: %v", name, err)
		}
	}
}
