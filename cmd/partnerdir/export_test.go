package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/partnerdir/partnerdir/internal/audit"
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
		if err != nil || !strings.Contains(out, "organisations written to "+dir) {
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

// TestHSDSRoundTrip: export hsds, then import hsds --publish into an
// empty database, then export hsds again, all through the command line,
// gives the same files: every record byte for byte, and the index but for
// its generated_at (the time of the export, the one field that cannot be
// stable). The first database holds the demo data and two fixtures with
// everything a record carries: offices, public and private contact points
// and team members, identifiers, themes, links. A record naming no
// default contact (the default is private, so the public record leaves
// it out) is published with its offers going to the platform's triage;
// the others keep their default contact. A second import changes
// nothing; a record broken by hand is refused naming its field.
func TestHSDSRoundTrip(t *testing.T) {
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
	firstDB, secondDB := pgtest.NewDB(t), pgtest.NewDB(t)
	first, second := runIn(firstDB), runIn(secondDB)
	if out, err := first("seed", "demo"); err != nil {
		t.Fatalf("seed demo: %v\n%s", err, out)
	}
	pool, err := pgxpool.New(ctx, firstDB)
	if err != nil {
		t.Fatal(err)
	}
	store := directory.NewStore(pool, nil)
	for _, n := range roundTripFixtures() {
		if _, err := store.Create(ctx, audit.System("test"), n); err != nil {
			t.Fatalf("fixture %s: %v", n.Slug, err)
		}
	}
	pool.Close()
	one, two := filepath.Join(t.TempDir(), "one"), filepath.Join(t.TempDir(), "two")
	if out, err := first("export", "hsds", "--out", one); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	idx, err := readHSDSIndex(one)
	if err != nil {
		t.Fatal(err)
	}
	// The second database has the platform's reference data (countries,
	// and the themes seed demo loads) and no organisation.
	if out, err := second("migrate", "up"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	pool, err = pgxpool.New(ctx, secondDB)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	err = postgres.InTx(ctx, pool, func(tx pgx.Tx) error {
		return directory.NewStore(pool, nil).UpsertThemes(ctx, tx, demo.Themes)
	})
	if err != nil {
		t.Fatal(err)
	}
	created := fmt.Sprintf("import: %d created, 0 updated, 0 unchanged, 0 refused", idx.Count)
	out, err := second("import", "hsds", one, "--publish")
	if err != nil || !strings.Contains(out, created) {
		t.Fatalf("import hsds: %v\n%s", err, out)
	}
	if out, err := second("export", "hsds", "--out", two); err != nil {
		t.Fatalf("second export: %v\n%s", err, out)
	}
	sameExports(t, one, two)

	for _, e := range idx.Organizations {
		rec, err := os.ReadFile(filepath.Join(one, e.File))
		if err != nil {
			t.Fatal(err)
		}
		var status string
		var triage, hasDefault bool
		if err := pool.QueryRow(ctx, `SELECT status, offers_to_triage, default_contact_id IS NOT NULL FROM organisations WHERE uuid = $1`,
			e.ID).Scan(&status, &triage, &hasDefault); err != nil || status != "published" {
			t.Errorf("%s (%s): status %q, %v; want it published under its HSDS id", e.Name, e.ID, status, err)
		}
		flagged := strings.Contains(string(rec), `"code":"`+hsds.FlagDefault+`"`)
		if hasDefault != flagged || triage == flagged {
			t.Errorf("%s: default contact %v, offers to triage %v; its record marks a default: %v", e.Name, hasDefault, triage, flagged)
		}
	}
	var people, triaged int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM team_members m JOIN organisations o ON o.id = m.organisation_id
		WHERE o.slug = 'ecpat-luxembourg' AND m.full_name IN ('Fabienne', 'Boubacar', 'Halimatou')`).Scan(&people); err != nil || people != 3 {
		t.Errorf("ECPAT's Bamako team: %d of 3, %v", people, err)
	}
	// ECPAT's default contact is private: its offers go to triage, and
	// so do those of the fixture whose public contact is not the default.
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE offers_to_triage
		AND slug IN ('ecpat-luxembourg', 'reseau-sahel-fictif')`).Scan(&triaged); err != nil || triaged != 2 {
		t.Errorf("%d of ECPAT and reseau-sahel-fictif route offers to triage, %v", triaged, err)
	}
	out, err = second("import", "hsds", one)
	if err != nil || !strings.Contains(out, fmt.Sprintf("import: 0 created, 0 updated, %d unchanged, 0 refused", idx.Count)) {
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

// sameExports fails unless exports a and b hold the same files with the
// same bytes, but for the index's generated_at.
func sameExports(t *testing.T, a, b string) {
	t.Helper()
	files := func(dir string) map[string][]byte {
		m := map[string][]byte{}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			m[rel], err = os.ReadFile(path)
			if rel == hsds.IndexFile {
				m[rel] = regexp.MustCompile(`"generated_at":"[^"]*"`).ReplaceAll(m[rel], []byte(`"generated_at":""`))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	fa, fb := files(a), files(b)
	if len(fa) < 3 || len(fa) != len(fb) {
		t.Errorf("%d files, then %d", len(fa), len(fb))
	}
	for name, data := range fa {
		if again, ok := fb[name]; !ok {
			t.Errorf("%s is missing from the second export", name)
		} else if !bytes.Equal(data, again) {
			t.Errorf("%s differs:\n%s\n%s", name, data, again)
		}
	}
}

// roundTripFixtures are two organisations with every part of a record:
// one whose default contact point is public (a private one and a private
// team member beside it), one whose default is private and whose other
// contact point is public.
func roundTripFixtures() []*directory.NewOrganisation {
	lat, lon := 13.5116, 2.1254
	hq := directory.Office{Name: "Siège — Niamey", Kind: directory.OfficeHeadquarters, Address: "12, rue du Fleuve",
		PostalCode: "BP 100", City: "Niamey", Country: "NE", Latitude: &lat, Longitude: &lon, OpenedYear: 1998,
		Email: "niamey@eau-claire.example.org", Phone: "+227 20 00 00 00", Covers: []string{"NE", "ML"}}
	field := directory.Office{Name: "Antenne de Tillabéri", Kind: directory.OfficeField, City: "Tillabéri", Country: "NE", Position: 1}
	a := &directory.NewOrganisation{
		Organisation: directory.Organisation{Slug: "eau-claire-fictive", Name: "Eau claire (fictive)", AlternateName: "ECF",
			Kind: directory.KindNational, Status: directory.StatusPublished, FoundedYear: 1998,
			Description: directory.Localized{FR: "Forages et comités de l'eau.", EN: "Boreholes and water committees."},
			Mission:     directory.Localized{FR: "L'eau pour tous.", EN: "Water for all."},
			Website:     "https://eau-claire.example.org", Email: "contact@eau-claire.example.org", Phone: "+227 20 11 11 11",
			NewsletterURL: "https://eau-claire.example.org/lettre", Countries: []string{"ML", "NE"},
			Identifiers: []directory.Identifier{{Scheme: "NE-RCCM", Value: "NE-NIA-1998-B-0042"}, {Scheme: "XI-IATI", Value: "NE-ECF-1"}},
			SocialLinks: []directory.SocialLink{{Network: "facebook", URL: "https://www.facebook.com/eauclaire.example"},
				{Network: "linkedin", URL: "https://www.linkedin.com/company/eauclaire-example"}}},
		ThemeSlugs: []string{"health", "water-sanitation"},
		Offices:    []directory.Office{hq, field},
		Members: []directory.NewMember{
			{Office: hq.Name, Member: directory.Member{FullName: "Aïcha Moussa", RoleTitle: "Coordinatrice", Bio: "Ingénieure hydraulicienne.",
				JoinedYear: 2004, Email: "aicha@eau-claire.example.org", Responsibilities: "Forages", Public: true, Position: 1}},
			{Office: field.Name, Member: directory.Member{FullName: "Ibrahim Privé", RoleTitle: "Comptable", Public: false, Position: 2}},
			{Member: directory.Member{FullName: "Zara Public", RoleTitle: "Animatrice", Public: true, Position: 3}},
		},
		Contacts: []directory.NewContact{
			{Office: hq.Name, ContactPoint: directory.ContactPoint{Name: "Offres", Email: "offres@eau-claire.example.org", RoleCode: 1, Public: true}},
			{ContactPoint: directory.ContactPoint{Name: "Finances", Email: "finances@eau-claire.example.org", RoleCode: 3}},
			{Office: field.Name, ContactPoint: directory.ContactPoint{Name: "Antenne", Email: "antenne@eau-claire.example.org", RoleCode: 2, Public: true}},
		},
	}
	b := &directory.NewOrganisation{
		Organisation: directory.Organisation{Slug: "reseau-sahel-fictif", Name: "Réseau Sahel (fictif)", Kind: directory.KindInternational,
			Status: directory.StatusPublished, Countries: []string{"BF"},
			Identifiers: []directory.Identifier{{Scheme: "FR-RNA", Value: "W123456789"}}},
		ThemeSlugs: []string{"education"},
		Offices:    []directory.Office{{Name: "Ouagadougou", Kind: directory.OfficeHeadquarters, City: "Ouagadougou", Country: "BF"}},
		Contacts: []directory.NewContact{
			{ContactPoint: directory.ContactPoint{Name: "Direction", Email: "direction@reseau-sahel.example.org", RoleCode: 1}},
			{ContactPoint: directory.ContactPoint{Name: "Communication", Email: "com@reseau-sahel.example.org", RoleCode: 4, Public: true}},
		},
	}
	return []*directory.NewOrganisation{a, b}
}
