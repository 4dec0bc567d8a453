package importing_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/importing"
)

const sample = "../../testdata/import/organisations.csv"

// The sample's organisations, all fictional; line 5 (Santé pour tous —
// Lac) works in "XX", which is no country.
var sampleSlugs = []string{"eau-vive-sahel", "ecoles-du-delta", "femmes-et-terre", "forets-vivantes"}

func newApp(t *testing.T) *app.App {
	t.Helper()
	return apptest.New(t, apptest.Setup{})
}

func count(t *testing.T, a *app.App, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func exec(t *testing.T, a *app.App, sql string, args ...any) {
	t.Helper()
	if _, err := a.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// importText runs an import of a CSV text.
func importText(t *testing.T, a *app.App, text string, o importing.Options) *importing.Report {
	t.Helper()
	items, err := importing.ParseCSV(strings.NewReader(text))
	if err != nil {
		t.Fatalf("file refused: %v", err)
	}
	if o.Actor == (audit.Actor{}) {
		o.Actor = audit.System("test import")
	}
	rep, err := a.Importer.Run(context.Background(), items, o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func importSample(t *testing.T, a *app.App, o importing.Options) *importing.Report {
	t.Helper()
	b, err := os.ReadFile(sample)
	if err != nil {
		t.Fatal(err)
	}
	return importText(t, a, string(b), o)
}

func outcomes(rep *importing.Report) []string {
	var out []string
	for _, r := range rep.Rows {
		out = append(out, r.Outcome)
	}
	return out
}

// fingerprint is every table an import writes to, counted.
func fingerprint(t *testing.T, a *app.App) [7]int {
	t.Helper()
	var f [7]int
	for i, table := range []string{"organisations", "offices", "contact_points", "organisation_identifiers", "organisation_themes",
		"audit_log", "river_job"} {
		f[i] = count(t, a, `SELECT count(*) FROM `+table)
	}
	return f
}

func TestSampleImportsAllButItsBadRowThenReportsEverythingUnchanged(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rep := importSample(t, a, importing.Options{})
	want := []string{"created", "created", "created", "refused", "created"}
	if got := outcomes(rep); !slices.Equal(got, want) {
		t.Fatalf("outcomes %v, want %v", got, want)
	}
	bad := rep.RefusedRows()
	if len(bad) != 1 || bad[0].Line != 5 || bad[0].Slug != "sante-pour-tous-lac" ||
		len(bad[0].Problems) != 1 || bad[0].Problems[0].Field != "countries" || bad[0].Problems[0].Message != "manage.err.unknown_country" {
		t.Fatalf("refused rows %+v, want line 5 refused at countries", bad)
	}
	if rep.Created != 4 || rep.Refused != 1 || rep.OK() {
		t.Errorf("counts %+v", rep)
	}
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug = 'sante-pour-tous-lac'`); n != 0 {
		t.Error("the refused row was stored")
	}
	for _, slug := range sampleSlugs {
		if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug = $1 AND status = 'pending'
			AND default_contact_id IS NOT NULL`, slug); n != 1 {
			t.Errorf("%s: not stored pending with its default contact", slug)
		}
		// Indexed through the outbox: its job committed with it.
		if n := count(t, a, `SELECT count(*) FROM river_job j JOIN organisations o ON (j.args->>'id')::bigint = o.id
			WHERE j.kind = 'index_document' AND j.args->>'index' = 'organisations' AND o.slug = $1`, slug); n != 1 {
			t.Errorf("%s: %d index jobs, want 1", slug, n)
		}
		if n := count(t, a, `SELECT count(*) FROM audit_log l JOIN organisations o ON o.id = l.organisation_id
			WHERE o.slug = $1 AND l.action = 'organisation.create' AND l.actor = 'test import'`, slug); n != 1 {
			t.Errorf("%s: no audit entry by the importer", slug)
		}
	}
	p, err := a.Directory.Profile(context.Background(), "eau-vive-sahel", directory.ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Offices) != 1 || p.Offices[0].Name != "Siège — Niamey" || p.Offices[0].Kind != directory.OfficeHeadquarters ||
		p.Offices[0].Latitude == nil || *p.Offices[0].Latitude != 13.5116 || p.Website != "https://www.eau-vive-sahel.example.org" ||
		len(p.Identifiers) != 1 || p.Identifiers[0].Value != "NI-NIA-1998-B-0042" || len(p.SocialLinks) != 1 || len(p.Themes) != 2 {
		t.Errorf("stored profile %+v", p)
	}

	before := fingerprint(t, a)
	again := importSample(t, a, importing.Options{})
	want = []string{"unchanged", "unchanged", "unchanged", "refused", "unchanged"}
	if got := outcomes(again); !slices.Equal(got, want) {
		t.Fatalf("second run: %v, want %v", got, want)
	}
	if after := fingerprint(t, a); after != before {
		t.Errorf("the second run wrote: %v → %v", before, after)
	}
}

func TestPublishMakesNewOrganisationsPublished(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rep := importSample(t, a, importing.Options{Publish: true})
	if rep.Created != 4 {
		t.Fatalf("%+v", rep)
	}
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug = ANY($1) AND status = 'published'`, sampleSlugs); n != 4 {
		t.Errorf("%d of 4 published", n)
	}
}

func TestDryRunTakesTheSameDecisionsAndWritesNothing(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	before := fingerprint(t, a)
	rep := importSample(t, a, importing.Options{DryRun: true})
	if got := outcomes(rep); !slices.Equal(got, []string{"created", "created", "created", "refused", "created"}) || !rep.DryRun {
		t.Fatalf("dry run: %v", got)
	}
	if after := fingerprint(t, a); after != before {
		t.Errorf("the dry run wrote (organisations, offices, contacts, identifiers, themes, audit, jobs): %v → %v", before, after)
	}
}

func TestMatchesByIdentifierThenWebsiteDomainThenSlug(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	importText(t, a, "slug,name,kind,website,identifiers\n"+
		"alpha,Alpha,national-ngo,https://alpha.example.org,LU-RCS:F0001\n"+
		"beta,Beta,national-ngo,https://beta.example.org,\n"+
		"gamma,Gamma,national-ngo,,\n", importing.Options{})

	// Only the slug: Gamma.
	rep := importText(t, a, "slug,name,kind\ngamma,Gamma renamed,national-ngo\n", importing.Options{})
	if r := rep.Rows[0]; r.MatchedBy != directory.MatchSlug || r.Slug != "gamma" || r.Outcome != directory.ImportUpdated {
		t.Fatalf("slug: %+v", r)
	}
	// Gamma's slug and Beta's domain (another case, www., a path): the
	// domain wins.
	rep = importText(t, a, "slug,name,kind,website\ngamma,Beta renamed,national-ngo,http://WWW.Beta.example.org/about\n", importing.Options{})
	if r := rep.Rows[0]; r.MatchedBy != directory.MatchWebsite || r.Slug != "beta" {
		t.Fatalf("website: %+v", r)
	}
	// Gamma's slug, Beta's domain and Alpha's identifier: the identifier
	// wins.
	rep = importText(t, a, "slug,name,kind,website,identifiers\n"+
		"gamma,Alpha renamed,national-ngo,https://beta.example.org,LU-RCS:F0001\n", importing.Options{})
	if r := rep.Rows[0]; r.Outcome != directory.ImportUpdated || r.MatchedBy != directory.MatchIdentifier || r.Slug != "alpha" {
		t.Fatalf("identifier: %+v", r)
	}
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug IN ('alpha', 'beta', 'gamma')
		AND name IN ('Alpha renamed', 'Beta renamed', 'Gamma renamed')`); n != 3 {
		t.Errorf("%d of 3 renamed", n)
	}
}

func TestARowFailingHalfwayLeavesNothingAndTheOthersGoOn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	importText(t, a, "slug,name,kind,identifiers\nholder,Holder,national-ngo,LU-RCS:F0042\n", importing.Options{})
	// Line 3 passes every check, then its identifier turns out to be
	// Holder's once its organisation, office and contact are inserted.
	rep := importText(t, a, "slug,name,kind,website,identifiers,hq_city,hq_country,contact_email\n"+
		"first,First,national-ngo,https://first.example.org,,Dakar,SN,a@first.example.org\n"+
		"middle,Middle,national-ngo,https://middle.example.org,LU-RCS:F0042;BE-BCE_KBO:0123,Dakar,SN,a@middle.example.org\n"+
		"last,Last,national-ngo,https://last.example.org,,Dakar,SN,a@last.example.org\n", importing.Options{})
	if got := outcomes(rep); !slices.Equal(got, []string{"created", "refused", "created"}) {
		t.Fatalf("outcomes %v (%+v)", got, rep.Rows)
	}
	if p := rep.Rows[1].Problems; len(p) != 1 || p[0].Field != "identifiers" {
		t.Errorf("middle refused for %+v, want its identifiers", p)
	}
	for _, q := range []string{
		`SELECT count(*) FROM organisations WHERE slug = 'middle'`,
		`SELECT count(*) FROM offices f JOIN organisations o ON o.id = f.organisation_id WHERE o.slug = 'middle'`,
		`SELECT count(*) FROM contact_points WHERE email = 'a@middle.example.org'`,
		`SELECT count(*) FROM organisation_identifiers WHERE value = '0123'`,
		`SELECT count(*) FROM audit_log WHERE details->>'slug' = 'middle'`,
	} {
		if n := count(t, a, q); n != 0 {
			t.Errorf("half-written: %s → %d", q, n)
		}
	}
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug IN ('first', 'last')`); n != 2 {
		t.Errorf("%d of the 2 good rows stored", n)
	}
}

func TestRepeatedOrganisationInOneFileIsRefusedNamingTheEarlierLine(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rep := importText(t, a, "slug,name,kind,website,identifiers\n"+
		"one,One,national-ngo,https://one.example.org,LU-RCS:F1\n"+
		"one,One again,national-ngo,,\n"+
		"two,Two,national-ngo,https://www.one.example.org,\n"+
		"three,Three,national-ngo,,LU-RCS:F1\n", importing.Options{})
	if got := outcomes(rep); !slices.Equal(got, []string{"created", "refused", "refused", "refused"}) {
		t.Fatalf("outcomes %v", got)
	}
	for i, field := range map[int]string{1: "slug", 2: "website", 3: "identifiers"} {
		p := rep.Rows[i].Problems
		if len(p) != 1 || p[0].Field != field || p[0].Message != "import.err.repeated" || p[0].Value != "2" {
			t.Errorf("line %d: %+v, want refused at %s as line 2's", rep.Rows[i].Line, p, field)
		}
	}
}

// Unchanged is decided field by field: a stored value that differs makes
// an update of that field only; a column the file does not have keeps
// what is stored.
func TestUnchangedMeansEveryCarriedValueIsStored(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	importSample(t, a, importing.Options{})
	id := count(t, a, `SELECT id FROM organisations WHERE slug = 'eau-vive-sahel'`)
	exec(t, a, `UPDATE organisations SET description_en = 'Edited on the site', mission_en = 'Our own mission' WHERE id = $1`, id)
	exec(t, a, `UPDATE offices SET city = 'Zinder' WHERE organisation_id = $1`, id)
	exec(t, a, `INSERT INTO social_links (organisation_id, network, url) VALUES ($1, 'instagram', 'https://instagram.com/evs.example')`, id)
	jobs := count(t, a, `SELECT count(*) FROM river_job WHERE (args->>'id')::bigint = $1`, id)

	rep := importSample(t, a, importing.Options{})
	r := rep.Rows[0]
	if r.Outcome != directory.ImportUpdated || !slices.Equal(r.Changed, []string{"description_en", "offices"}) {
		t.Fatalf("row 2: %+v, want description_en and offices updated", r)
	}
	// mission_en has no column in the sample: kept.
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE id = $1 AND mission_en = 'Our own mission'
		AND description_en LIKE 'Boreholes%'`, id); n != 1 {
		t.Error("the update did not keep mission_en or did not restore description_en")
	}
	// An identifier added on the site (the file has another scheme) stays
	// beside the file's.
	exec(t, a, `INSERT INTO organisation_identifiers (organisation_id, scheme, value) VALUES ($1, 'XI-IATI', 'XI-IATI-EVS')`, id)
	if again := importSample(t, a, importing.Options{}); again.Rows[0].Outcome != directory.ImportUnchanged {
		t.Errorf("an identifier the file does not name changed the row: %+v", again.Rows[0])
	}
	if n := count(t, a, `SELECT count(*) FROM organisation_identifiers WHERE organisation_id = $1 AND scheme = 'XI-IATI'`, id); n != 1 {
		t.Error("an identifier the file does not name was removed")
	}
	// The sample has a facebook column, no instagram one: both links stay.
	if n := count(t, a, `SELECT count(*) FROM social_links WHERE organisation_id = $1`, id); n != 2 {
		t.Errorf("%d social links, want facebook's from the file and instagram's kept", n)
	}
	if n := count(t, a, `SELECT count(*) FROM offices WHERE organisation_id = $1 AND city = 'Niamey'`, id); n != 1 {
		t.Error("the headquarters' city was not corrected")
	}
	if n := count(t, a, `SELECT count(*) FROM river_job WHERE (args->>'id')::bigint = $1`, id); n <= jobs {
		t.Error("the update enqueued no index job")
	}
	if n := count(t, a, `SELECT count(*) FROM audit_log WHERE organisation_id = $1 AND action = 'organisation.import'`, id); n != 1 {
		t.Error("the update is not audited")
	}
	if again := importSample(t, a, importing.Options{}); again.Unchanged != 4 {
		t.Errorf("third run: %+v", outcomes(again))
	}
}

func TestUnknownThemeAndSharedDomainAreRefusedNamingTheColumn(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	// Two organisations at one domain (an import would have matched the
	// second to the first).
	importText(t, a, "slug,name,kind,website\none,One,national-ngo,https://shared.example.org\n", importing.Options{})
	exec(t, a, `UPDATE organisations SET website = 'https://shared.example.org/two' WHERE slug = 'ecpat-luxembourg'`)
	rep := importText(t, a, "slug,name,kind,website,themes\n"+
		"three,Three,national-ngo,,education;basket-weaving\n"+
		"four,Four,national-ngo,http://www.shared.example.org,\n", importing.Options{})
	want := []importing.Problem{{Field: "themes", Message: "manage.err.unknown_theme"}, {Field: "website", Message: "import.err.website_several"}}
	for i, w := range want {
		if p := rep.Rows[i].Problems; rep.Rows[i].Outcome != importing.OutcomeRefused || len(p) != 1 || p[0] != w {
			t.Errorf("line %d: %s %+v, want refused at %s", rep.Rows[i].Line, rep.Rows[i].Outcome, p, w.Field)
		}
	}
}
