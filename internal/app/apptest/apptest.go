// Package apptest builds the whole program for a test through the one
// wiring (internal/app): its own database cloned from the migrated
// template, its own Meilisearch index name, the configuration loaded by
// config.Load from variables the test may override, and fast password
// hashing. Handler tests use its Handler; browser tests also Start it.
package apptest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/config"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/invalidate"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/testenv"
)

// BaseURL is the public address of a test program unless BASE_URL is
// given.
const BaseURL = "http://partners.test"

// Setup is what a test changes in the program.
type Setup struct {
	// Env overrides configuration variables (BASE_URL, SMTP_URL,
	// PAGE_CACHE_BYTES — 0 unless given —, UPLOAD_DIR, …).
	Env map[string]string
	// Options are passed to app.Build; fast password hashing is always
	// added.
	Options app.Options
	// NoDemo leaves the database empty instead of loading the demo data.
	NoDemo bool
	// Media also gives the demo organisations their logos and documents
	// (demo.LoadMedia, as `seed demo` does): about two seconds on a
	// shared machine, so only the tests about them ask for it.
	Media bool
}

// New builds the program for t with the demo data (organisations and
// articles), closed when t ends.
func New(t testing.TB, s Setup) *app.App {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL":     pgtest.NewDB(t),
		"MEILI_URL":        os.Getenv("MEILI_URL"),
		"MEILI_MASTER_KEY": os.Getenv("MEILI_MASTER_KEY"),
		"MEILI_INDEX":      "t_" + randomHex(5),
		"BASE_URL":         BaseURL,
		"MAIL_FROM":        "Partnerdir <no-reply@partners.test>",
		"TRIAGE_EMAIL":     "triage@partners.test",
		"UPLOAD_DIR":       t.TempDir(),
		// Off, so a test that changes rows directly sees them; the page
		// cache's own tests turn it on.
		"PAGE_CACHE_BYTES": "0",
		"SESSION_KEYS":     hex.EncodeToString([]byte("test-session-authentication-key0")) + ":" + hex.EncodeToString([]byte("test-session-encryption-key-0123")),
	}
	for k, v := range s.Env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	o := s.Options
	o.Accounts = append([]accounts.Option{accounts.WithFastHashing()}, o.Accounts...)
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ctx := context.Background()
	a, err := app.Build(ctx, cfg, o)
	if err != nil {
		t.Fatalf("apptest: build: %v", err)
	}
	t.Cleanup(a.Close)
	// The change listener runs as under serve, so caches follow writes
	// made directly in the database; the page cache serves nothing
	// until it is live.
	a.Listen(ctx)
	for deadline := time.Now().Add(10 * time.Second); !a.Changes.Live(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("apptest: the change listener did not connect within 10 s")
		}
	}
	if !s.NoDemo {
		if _, err := demo.Load(ctx, a.Pool, a.Directory); err != nil {
			t.Fatalf("apptest: demo data: %v", err)
		}
		if _, err := demo.LoadNews(ctx, a.Pool, a.News); err != nil {
			t.Fatalf("apptest: demo news: %v", err)
		}
		if s.Media {
			if _, err := demo.LoadMedia(ctx, a.Directory, a.Config.UploadDir); err != nil {
				t.Fatalf("apptest: demo media: %v", err)
			}
		}
	}
	Settle(t, a)
	return a
}

// Settle waits until a's change listener has heard every change committed
// so far (the demo data's, a fixture's), so a page kept from now on is
// not dropped by a late notification of an earlier write.
func Settle(t testing.TB, a *app.App) {
	t.Helper()
	token := invalidate.SyncPrefix + randomHex(8)
	if _, err := a.Pool.Exec(context.Background(), `SELECT pg_notify($1, $2)`, invalidate.Channel, token); err != nil {
		t.Fatalf("apptest: settle: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); !a.Changes.Heard(token); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("apptest: the change listener did not hear a notification within 10 s")
		}
	}
}

// Index sets up the test's Meilisearch index and indexes every published
// organisation, so searches find them at once; the index, its rebuilds and
// its keys are deleted when t ends. Without MEILI_URL it skips t, or fails
// it under CI=true.
func Index(t testing.TB, a *app.App) {
	t.Helper()
	url, key := RequireMeili(t)
	index := a.Config.MeiliIndex
	t.Cleanup(func() { DropIndex(url, key, index) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := a.Meili.Setup(ctx); err != nil {
		t.Fatalf("apptest: meilisearch setup: %v", err)
	}
	if _, err := a.Indexer.Reindex(ctx, nil); err != nil {
		t.Fatalf("apptest: reindex: %v", err)
	}
}

// RequireMeili returns MEILI_URL and MEILI_MASTER_KEY, skipping t (or
// failing it under CI=true) when Meilisearch is not configured.
func RequireMeili(t testing.TB) (url, key string) {
	t.Helper()
	return testenv.Require(t, "MEILI_URL", "Meilisearch", "run make test"), os.Getenv("MEILI_MASTER_KEY")
}

// DropIndex deletes index, its rebuilds and its derived keys.
func DropIndex(meiliURL, key, index string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	master := meilisearch.New(meiliURL, meilisearch.WithAPIKey(key))
	if res, err := master.ListIndexes(ctx, &meilisearch.IndexesQuery{Limit: 1000}); err == nil {
		for _, i := range res.Results {
			if i.UID == index || strings.HasPrefix(i.UID, index+"_") {
				_, _ = master.DeleteIndex(ctx, i.UID)
			}
		}
	}
	search.DeleteKeys(ctx, meiliURL, key, index)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
