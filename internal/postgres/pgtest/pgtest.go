// Package pgtest gives each test its own real PostgreSQL database, cloned
// from a migrated template, so tests can run in parallel and never see each
// other's rows.
//
// The server comes from DATABASE_URL (make test provides one). Without it a
// test is skipped, except under CI=true where it fails: a missing service is
// never a silent pass.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/testenv"
	"github.com/partnerdir/partnerdir/migrations"
)

// URL returns the server's DATABASE_URL, skipping or failing t when none is
// configured.
func URL(t testing.TB) string {
	t.Helper()
	return testenv.Require(t, "DATABASE_URL", "PostgreSQL", "run make test to provide PostgreSQL")
}

// NewDB creates a fresh, fully migrated database for t, dropped when t ends,
// and returns its URL.
func NewDB(t testing.TB) string {
	t.Helper()
	base := URL(t)
	tmpl, err := ensureTemplate(context.Background(), base)
	if err != nil {
		t.Fatalf("pgtest: template database: %v", err)
	}
	return newDB(t, base, tmpl)
}

// NewEmptyDB creates a database with no schema at all, dropped when t
// ends, and returns its URL: for testing migrations themselves.
func NewEmptyDB(t testing.TB) string {
	t.Helper()
	return newDB(t, URL(t), "template0")
}

func newDB(t testing.TB, base, tmpl string) string {
	t.Helper()
	ctx := context.Background()
	name := "pdtest_" + randomHex(6)
	admin, err := pgx.Connect(ctx, withDB(t, base, "postgres"))
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer admin.Close(ctx)
	var createErr error
	for attempt := 0; attempt < 20; attempt++ {
		_, createErr = admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tmpl))
		// A template is briefly busy while another test clones it.
		if createErr == nil || !strings.Contains(createErr.Error(), "is being accessed by other users") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if createErr != nil {
		t.Fatalf("pgtest: create database: %v", createErr)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), withDB(t, base, "postgres"))
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDB(t, base, name)
}

// NewPool is NewDB plus an open pool on it, closed when t ends.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(context.Background(), NewDB(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// ensureTemplate creates, once per schema version, a migrated template
// database. Test binaries run in parallel, so an advisory lock serialises
// its creation.
func ensureTemplate(ctx context.Context, base string) (string, error) {
	sum, err := schemaHash()
	if err != nil {
		return "", err
	}
	name := "pdtmpl_" + sum[:12]
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/postgres"
	admin, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return "", err
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(7262001)"); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, "SELECT pg_advisory_unlock(7262001)") //nolint:errcheck
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	u.Path = "/" + name
	pool, err := postgres.Open(ctx, u.String())
	if err != nil {
		return "", err
	}
	m, err := postgres.NewMigrator(pool)
	if err == nil {
		err = m.Up(ctx, io.Discard)
	}
	pool.Close()
	if err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" IS_TEMPLATE true"); err != nil {
		return "", err
	}
	return name, nil
}

func schemaHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%s\x00", path, b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func withDB(t testing.TB, base, db string) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: DATABASE_URL: %v", err)
	}
	u.Path = "/" + db
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
