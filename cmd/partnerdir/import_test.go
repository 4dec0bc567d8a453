package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/postgres/pgtest"
)

const sampleCSV = "../../testdata/import/organisations.csv"

// TestImportCSVCommand runs import csv as a user would: the sample's bad
// row is printed with its line, column and reason and the command exits
// 1; the report file has every row; a second run changes nothing; a dry
// run of a good file writes nothing and exits 0.
func TestImportCSVCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dbURL := pgtest.NewDB(t)
	vars := map[string]string{"DATABASE_URL": dbURL, "MEILI_URL": "http://127.0.0.1:1"}
	do := func(args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, args, envFrom(vars), nil, &out, &out)
		return out.String(), err
	}
	if out, err := do("seed", "demo"); err != nil {
		t.Fatalf("seed: %v\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	countOf := func(q string) int {
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	report := filepath.Join(t.TempDir(), "report.csv")
	out, err := do("import", "csv", sampleCSV, "--report", report)
	if err == nil || exitCode(err, &bytes.Buffer{}) != 1 || !strings.Contains(err.Error(), "1 of 5 rows refused") {
		t.Fatalf("a file with a refused row: %v, want exit 1", err)
	}
	for _, want := range []string{"import: 4 created, 0 updated, 0 unchanged, 1 refused\n",
		"line 5\tsante-pour-tous-lac\tcountries\tUnknown country code.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != 6 || strings.Join(rows[0], ",") != "line,slug,outcome,field,message" ||
		strings.Join(rows[4], ",") != "5,sante-pour-tous-lac,refused,countries,Unknown country code." ||
		strings.Join(rows[1][:3], ",") != "2,eau-vive-sahel,created" {
		t.Errorf("report: %v %q", err, rows)
	}
	if n := countOf(`SELECT count(*) FROM audit_log WHERE actor = 'cli' AND action = 'organisation.create'`); n != 4 {
		t.Errorf("%d creations audited as the CLI, want 4", n)
	}

	out, _ = do("import", "csv", sampleCSV)
	if !strings.Contains(out, "import: 0 created, 0 updated, 4 unchanged, 1 refused") {
		t.Errorf("second run:\n%s", out)
	}

	// The good rows of another file, checked first: exit 0, nothing written.
	good := filepath.Join(t.TempDir(), "good.csv")
	if err := os.WriteFile(good, []byte("name,kind,countries,contact_email\nNouvelle (fictive),national-ngo,ML,info@nouvelle.example.org\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before := countOf(`SELECT count(*) FROM organisations`) + countOf(`SELECT count(*) FROM river_job`)
	out, err = do("import", "csv", "--dry-run", good)
	if err != nil || !strings.Contains(out, "import (dry run, nothing written): 1 created") {
		t.Errorf("dry run: %v\n%s", err, out)
	}
	if after := countOf(`SELECT count(*) FROM organisations`) + countOf(`SELECT count(*) FROM river_job`); after != before {
		t.Error("the dry run wrote rows or jobs")
	}
	if out, err := do("import", "csv", good, "--publish"); err != nil || !strings.Contains(out, "1 created") {
		t.Errorf("import --publish: %v\n%s", err, out)
	}
	if n := countOf(`SELECT count(*) FROM organisations WHERE slug = 'nouvelle-fictive' AND status = 'published'`); n != 1 {
		t.Error("--publish did not publish the new organisation")
	}

	// A file refused as a whole: one line naming the line and the column.
	bad := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(bad, []byte("name,kind,colour\nA,22,red\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = do("import", "csv", bad)
	if err == nil || !strings.Contains(err.Error(), "refused at line 1: Unknown column “colour”.") {
		t.Errorf("bad header: %v", err)
	}
}

func TestImportCSVUsageErrors(t *testing.T) {
	t.Parallel()
	for args, problem := range map[string]string{
		"import csv":                "missing FILE",
		"import csv a.csv b.csv":    `unexpected argument "b.csv"`,
		"import csv a.csv --nope":   "flag provided but not defined: -nope",
		"import csv a.csv --report": "flag needs an argument: -report",
		"import":                    "missing command",
		"import xml a.xml":          `unknown command "xml"`,
	} {
		err := run(context.Background(), strings.Fields(args), envFrom(nil), nil, &bytes.Buffer{}, &bytes.Buffer{})
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(ue.problem, problem) || exitCode(err, &bytes.Buffer{}) != 2 {
			t.Errorf("%s: %v, want a usage error (exit 2) about %s", args, err, problem)
		}
	}
}
