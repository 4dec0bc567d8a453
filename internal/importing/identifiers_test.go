package importing_test

import (
	"context"
	"slices"
	"testing"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/importing"
)

// TestImportRefusesIdentifiersTheProfileFormWould: an import applies the
// profile form's identifier rule, each refusal naming its line, and the
// rows around it are imported.
func TestImportRefusesIdentifiersTheProfileFormWould(t *testing.T) {
	t.Parallel()
	a := newApp(t)
	rep := importText(t, a, "slug,name,kind,identifiers\n"+
		"unknown-scheme,Unknown,national-ngo,ZZ-NOPE:123\n"+
		"bad-format,Bad Format,national-ngo,LU-RCS:1234\n"+
		"good,Good,national-ngo,LU-RCS:F1234;NE-RCCM:NE-NIA-2018-B-1234\n", importing.Options{})
	want := []struct {
		line    int
		outcome string
		message string
	}{
		{2, importing.OutcomeRefused, "identifier.err.unknown_scheme"},
		{3, importing.OutcomeRefused, "identifier.err.format"},
		{4, directory.ImportCreated, ""},
	}
	if len(rep.Rows) != len(want) {
		t.Fatalf("%d rows reported, want %d: %+v", len(rep.Rows), len(want), rep.Rows)
	}
	for i, w := range want {
		r := rep.Rows[i]
		var messages []string
		for _, p := range r.Problems {
			messages = append(messages, p.Message)
		}
		if r.Line != w.line || r.Outcome != w.outcome || (w.message != "" && !slices.Contains(messages, w.message)) || (w.message == "" && len(messages) > 0) {
			t.Errorf("row %d: line %d, %s, problems %+v; want line %d, %s, %q", i, r.Line, r.Outcome, r.Problems, w.line, w.outcome, w.message)
		}
	}
	if n := count(t, a, `SELECT count(*) FROM organisations WHERE slug IN ('unknown-scheme', 'bad-format')`); n != 0 {
		t.Errorf("%d refused rows stored", n)
	}
	if n := count(t, a, `SELECT count(*) FROM organisation_identifiers i JOIN organisations o ON o.id = i.organisation_id WHERE o.slug = 'good'`); n != 2 {
		t.Errorf("the good row has %d identifiers, want 2", n)
	}
}

// TestEveryStoredIdentifierSavesThroughTheProfileForm: whatever the demo
// seed, the synthetic seed and the sample file store, an owner can save
// the profile form again unchanged: the values the form shows are the
// stored ones, and UpdateProfile applies the form's rule.
func TestEveryStoredIdentifierSavesThroughTheProfileForm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newApp(t)
	importSample(t, a, importing.Options{})
	if _, err := demo.LoadSynthetic(ctx, a.Pool, a.Directory, demo.SyntheticOptions{Orgs: 40, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	rows, err := a.Pool.Query(ctx, `SELECT DISTINCT organisation_id FROM organisation_identifiers ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	schemes := map[string]bool{}
	for _, id := range ids {
		p, err := a.Directory.ProfileByID(ctx, id, directory.ProfileOptions{Unpublished: true, Private: true})
		if err != nil {
			t.Fatal(err)
		}
		themes := make([]string, len(p.Themes))
		for i, th := range p.Themes {
			themes[i] = th.Slug
		}
		u := directory.ProfileUpdate{Version: p.Version, Name: p.Name, AlternateName: p.AlternateName, Kind: p.Kind,
			Description: p.Description, Mission: p.Mission, FoundedYear: p.FoundedYear, Website: p.Website,
			Email: p.Email, Phone: p.Phone, NewsletterURL: p.NewsletterURL, ThemeSlugs: themes,
			Countries: p.Countries, SocialLinks: p.SocialLinks, Identifiers: p.Identifiers}
		if _, err := a.Directory.UpdateProfile(ctx, audit.System("test"), id, u); err != nil {
			t.Errorf("%s (identifiers %+v): the profile form refuses its stored values: %v", p.Slug, p.Identifiers, err)
		}
		for _, i := range p.Identifiers {
			schemes[i.Scheme] = true
		}
	}
	// The demo's LU-RCS, the sample's NE-RCCM and the synthetic XI-IATI.
	for _, s := range []string{"LU-RCS", "NE-RCCM", "XI-IATI"} {
		if !schemes[s] {
			t.Errorf("no stored identifier of scheme %s among %d organisations (%v): the seeds changed?", s, len(ids), schemes)
		}
	}
}
