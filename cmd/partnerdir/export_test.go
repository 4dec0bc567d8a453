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

	"github.com/partnerdir/partnerdir/internal/hsds"
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
