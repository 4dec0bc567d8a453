package search

import (
	"testing"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// FuzzQueryNormalize: whatever a visitor puts in the search parameters,
// Normalize either refuses it as invalid input naming the parameter, or
// leaves a query whose every value has the shape the engines' filters
// expect (so no value can change a Meilisearch filter or the fallback's
// SQL, which quote them anyway).
func FuzzQueryNormalize(f *testing.F) {
	f.Add("ecpat", "ML", "child-protection", "volunteering", "ngo", "ML:regional", "name", 1, 20)
	f.Add("", "", "", "", "", "", "", 0, 0)
	f.Add(`ML" OR kind = "x`, `ML" OR 1=1`, "../x", "money'", "x", "ML:nowhere", "rank", -1, 1000)
	f.Add("école Bamako", "ml", "Éducation", "", "", "", "relevance", 50, 20)
	f.Fuzz(func(t *testing.T, text, country, theme, support, kind, office, sort string, page, perPage int) {
		q := Query{Text: text, Country: country, Theme: theme, Support: support, Kind: kind, Office: office,
			Sort: sort, Page: page, PerPage: perPage}
		err := q.Normalize()
		if err != nil {
			if fault.KindOf(err) != fault.Invalid || len(fault.FieldsOf(err)) != 1 {
				t.Fatalf("Normalize(%+v) = %v: want invalid input naming one parameter", q, err)
			}
			return
		}
		switch {
		case utf8.RuneCountInString(q.Text) > 200:
			t.Fatalf("kept a text of %d characters", utf8.RuneCountInString(q.Text))
		case q.Country != "" && !countryRe.MatchString(q.Country):
			t.Fatalf("kept country %q", q.Country)
		case q.Theme != "" && !slugRe.MatchString(q.Theme):
			t.Fatalf("kept theme %q", q.Theme)
		case q.Office != "" && !officeRe.MatchString(q.Office):
			t.Fatalf("kept office %q", q.Office)
		case q.Sort != SortRelevance && q.Sort != SortName:
			t.Fatalf("kept sort %q", q.Sort)
		case q.Page < 1 || q.PerPage < 1 || q.PerPage > MaxPerPage || q.Page*q.PerPage > maxTotalHits:
			t.Fatalf("kept page %d × %d", q.Page, q.PerPage)
		}
	})
}
