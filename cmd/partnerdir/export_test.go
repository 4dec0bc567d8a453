package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/hsds"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

// TestExportHSDSCommand: export hsds writes one record per published demo
// organisation and an index naming each, every record valid against our
// schema; a second run replaces the first; a folder holding anything else
// is refused and left as it was.
func TestExportHSDSCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	vars := map[string]string{"DATABASE_URL": pgtest.NewDB(t), "MEILI_URL": "http://127.0.0.1:1"}
	do := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, args, envFrom(vars), nil, &out, &out)
		return out.String(), err
	}
	if out, err := do("seed", "demo"); err != nil {
		t.Fatalf("seed demo: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "open-data")
	for round := range 2 {
		out, err := do("export", "hsds", "--out", dir)
		if err != nil || !strings.Contains(out, "organisation(s) written to "+dir) {
			t.Fatalf("round %d: %v\n%s", round, err, out)
		}
		b, err := os.ReadFile(filepath.Join(dir, hsds.IndexFile))
		if err != nil {
			t.Fatal(err)
		}
		var idx hsds.Index
		if err := json.Unmarshal(b, &idx); err != nil {
			t.Fatalf("index.json: %v\n%s", err, b)
		}
		if idx.Count < 3 || idx.Count != len(idx.Organizations) || idx.GeneratedAt.IsZero() || idx.Version != "3.0" {
			t.Fatalf("index: count %d, %d entries, generated %v", idx.Count, len(idx.Organizations), idx.GeneratedAt)
		}
		files, _ := os.ReadDir(filepath.Join(dir, hsds.RecordsDir))
		if len(files) != idx.Count {
			t.Errorf("%d record files for %d organisations", len(files), idx.Count)
		}
		schema, err := hsds.OwnSchema()
		if err != nil {
			t.Fatal(err)
		}
		ecpat := false
		for _, e := range idx.Organizations {
			rec, err := os.ReadFile(filepath.Join(dir, e.File))
			if err != nil {
				t.Fatalf("%s: %v", e.File, err)
			}
			if err := schema.Validate(rec); err != nil {
				t.Errorf("%s does not match our schema: %v", e.File, err)
			}
			if e.File != "organizations/"+e.ID+".json" || !strings.Contains(string(rec), `"id":"`+e.ID+`"`) {
				t.Errorf("entry %+v does not name its record", e)
			}
			ecpat = ecpat || e.Name == "ECPAT Luxembourg"
		}
		if !ecpat {
			t.Error("ECPAT Luxembourg is not in the index")
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".open-data.tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary folders left behind: %v", leftovers)
	}

	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "thesis.txt"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := do("export", "hsds", "--out", other); !errors.Is(err, hsds.ErrNotAnExport) {
		t.Errorf("export over a folder of other files: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(other, "thesis.txt")); string(b) != "precious" {
		t.Error("the refused export touched the folder")
	}

	var ue *usageError
	for _, args := range [][]string{{"export", "hsds"}, {"export", "hsds", "--out"}, {"export", "hsds", "--out", dir, "extra"}, {"export", "csv"}} {
		if _, err := do(args...); !errors.As(err, &ue) {
			t.Errorf("%v: %v, want a usage error (exit 2)", args, err)
		} else if code := exitCode(err, &bytes.Buffer{}); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// TestImportHSDSOfAnExport: every record of an export goes into an empty
// database (waiting for review: a public record carries no contact point,
// which publishing needs), with its HSDS id kept; a second import changes
// nothing; a record broken by hand is refused naming its field.
func TestImportHSDSOfAnExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	runIn := func(db string) func(args ...string) (string, error) {
		vars := map[string]string{"DATABASE_URL": db, "MEILI_URL": "http://127.0.0.1:1"}
		return func(args ...string) (string, error) {
			t.Helper()
			var out bytes.Buffer
			err := run(ctx, args, envFrom(vars), nil, &out, &out)
			return out.String(), err
		}
	}
	secondDB := pgtest.NewDB(t)
	first, second := runIn(pgtest.NewDB(t)), runIn(secondDB)
	if out, err := first("seed", "demo"); err != nil {
		t.Fatalf("seed demo: %v\n%s", err, out)
	}
	one := filepath.Join(t.TempDir(), "one")
	if out, err := first("export", "hsds", "--out", one); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	// The second database has the platform's reference data (countries,
	// and the themes seed demo loads) and no organisation.
	if out, err := second("migrate", "up"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	pool, err := pgxpool.New(ctx, secondDB)
	if err != nil {
		t.Fatal(err)
	}
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		return directory.NewStore(pool, nil).UpsertThemes(ctx, tx, demo.Themes)
	})
	pool.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err := second("import", "hsds", one)
	if err != nil || !strings.Contains(out, "import: 14 created, 0 updated, 0 unchanged, 0 refused") {
		t.Fatalf("import hsds: %v\n%s", err, out)
	}
	idx, err := readHSDSIndex(one)
	if err != nil {
		t.Fatal(err)
	}
	pool, err = pgxpool.New(ctx, secondDB)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, e := range idx.Organizations {
		var status string
		if err := pool.QueryRow(ctx, `SELECT status FROM organisations WHERE uuid = $1`, e.ID).Scan(&status); err != nil || status != "pending" {
			t.Errorf("%s (%s): status %q, %v; want it pending under its HSDS id", e.Name, e.ID, status, err)
		}
	}
	var people int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM team_members m JOIN organisations o ON o.id = m.organisation_id
		WHERE o.slug = 'ecpat-luxembourg' AND m.full_name IN ('Fabienne', 'Boubacar', 'Halimatou')`).Scan(&people); err != nil || people != 3 {
		t.Errorf("ECPAT's Bamako team: %d of 3, %v", people, err)
	}
	out, err = second("import", "hsds", one)
	if err != nil || !strings.Contains(out, "import: 0 created, 0 updated, 14 unchanged, 0 refused") {
		t.Fatalf("second import: %v\n%s", err, out)
	}

	// A record broken by hand: refused, naming its field; the rest go on.
	broken := filepath.Join(one, filepath.FromSlash(idx.Organizations[0].File))
	rec, _ := os.ReadFile(broken)
	var m map[string]any
	if err := json.Unmarshal(rec, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, "name")
	rec, _ = json.Marshal(m)
	if err := os.WriteFile(broken, rec, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = second("import", "hsds", one, "--dry-run")
	if err == nil || !strings.Contains(out, "line 1") || !strings.Contains(out, "name") {
		t.Fatalf("a record without its name: %v\n%s", err, out)
	}
}
