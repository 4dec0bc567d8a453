package news_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
)

// TestLatestPagesThroughEverything: forward and backward, pages of the
// public list join up with no article twice and none missing, newest
// first, ties on the date broken by id; filters and counts agree with the
// rows.
func TestLatestPagesThroughEverything(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	eai := f.orgID(t, "enfance-et-avenir-international")
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	type row struct {
		id  int64
		at  time.Time
		org int64
	}
	var all []row
	for i := range 23 {
		org := []int64{f.ecpat, f.sahel, eai}[i%3]
		// Every fourth shares its date with the one before: ids break the tie.
		day := i
		if i%4 == 3 {
			day = i - 1
		}
		at := base.AddDate(0, 0, -day)
		texts := map[string]string{"fr": fmt.Sprintf("Article %d", i)}
		if i%2 == 0 {
			texts["en"] = fmt.Sprintf("Article %d (en)", i)
		}
		if i%5 == 0 {
			texts = map[string]string{"en": fmt.Sprintf("English only %d", i)}
		}
		themes := []string{"education"}
		if i%3 == 0 {
			themes = append(themes, "human-rights-solidarity")
		}
		countries := []string{"ML"}
		if i%4 == 0 {
			countries = []string{"SN", "ML"}
		}
		s := f.publishAt(t, org, at, texts, themes, countries)
		all = append(all, row{s.ID, at, org})
	}
	// Not listed: drafts, submitted, withdrawn articles, and those of an
	// organisation that is not public.
	f.at(t, news.StatusDraft)
	f.at(t, news.StatusSubmitted)
	f.at(t, news.StatusWithdrawn)
	hidden := f.publishAt(t, f.orgID(t, "terres-vertes-benin"), base, map[string]string{"fr": "Caché"}, []string{"education"}, []string{"ML"})
	f.exec(t, `UPDATE organisations SET status = 'suspended' WHERE slug = 'terres-vertes-benin'`)

	slices.SortFunc(all, func(a, b row) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return int(b.id - a.id)
	})
	want := make([]int64, len(all))
	for i, r := range all {
		want[i] = r.id
	}

	var pages [][]int64
	var cursors []string
	cur := ""
	for {
		p, err := f.store.Latest(ctx, news.Filter{After: cur, Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != len(all) {
			t.Fatalf("total %d, want %d", p.Total, len(all))
		}
		var ids []int64
		for _, it := range p.Items {
			ids = append(ids, it.ID)
			if it.ID == hidden.ID || it.Status != news.StatusPublished || len(it.Headings) == 0 || it.Author != "" {
				t.Errorf("listed %+v", it)
			}
		}
		pages = append(pages, ids)
		cursors = append(cursors, p.Prev)
		if (cur == "") != (p.Prev == "") {
			t.Errorf("page %d: prev %q", len(pages), p.Prev)
		}
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if got := slices.Concat(pages...); !slices.Equal(got, want) {
		t.Fatalf("forward pages %v\nwant %v", pages, want)
	}
	if len(pages) != 5 || len(pages[4]) != 3 {
		t.Errorf("page sizes %v", pages)
	}
	// Backward from the last page, with each page's Prev, gives the same
	// pages again.
	for i := len(pages) - 1; i > 0; i-- {
		p, err := f.store.Latest(ctx, news.Filter{Before: cursors[i], Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		if !slices.Equal(ids, pages[i-1]) {
			t.Errorf("backward to page %d: %v, want %v", i, ids, pages[i-1])
		}
		if (i > 1) != (p.Prev != "") || p.Next == "" {
			t.Errorf("backward page %d: prev %q next %q", i, p.Prev, p.Next)
		}
	}

	// Filters: each page set equals the rows that match, in order.
	count := func(match func(i int, r row) bool) []int64 {
		var out []int64
		for i, r := range all {
			if match(i, r) {
				out = append(out, r.id)
			}
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		filter news.Filter
		want   []int64
	}{
		{"theme", news.Filter{Theme: "human-rights-solidarity"}, f.ids(t, `SELECT a.id FROM articles a JOIN article_themes x ON x.article_id = a.id
			JOIN themes t ON t.id = x.theme_id WHERE t.slug = 'human-rights-solidarity' AND a.id = ANY($1)`, want)},
		{"country", news.Filter{Country: "SN"}, f.ids(t, `SELECT article_id FROM article_countries WHERE country_code = 'SN' AND article_id = ANY($1)`, want)},
		{"organisation", news.Filter{Organisation: "sahel-eau-vive"}, count(func(_ int, r row) bool { return r.org == f.sahel })},
		{"english", news.Filter{Lang: "en"}, f.ids(t, `SELECT article_id FROM article_translations WHERE lang = 'en' AND article_id = ANY($1)`, want)},
		{"french", news.Filter{Lang: "fr"}, f.ids(t, `SELECT article_id FROM article_translations WHERE lang = 'fr' AND article_id = ANY($1)`, want)},
		{"theme and country", news.Filter{Theme: "human-rights-solidarity", Country: "SN"}, f.ids(t, `SELECT a.id FROM articles a
			JOIN article_themes x ON x.article_id = a.id JOIN themes t ON t.id = x.theme_id
			JOIN article_countries c ON c.article_id = a.id AND c.country_code = 'SN'
			WHERE t.slug = 'human-rights-solidarity' AND a.id = ANY($1)`, want)},
		{"nothing matches", news.Filter{Country: "HT"}, nil},
	} {
		var got []int64
		tt.filter.Limit = 4
		total := -1
		for {
			p, err := f.store.Latest(ctx, tt.filter)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if total >= 0 && p.Total != total {
				t.Errorf("%s: total changed between pages", tt.name)
			}
			total = p.Total
			for _, it := range p.Items {
				got = append(got, it.ID)
			}
			if p.Next == "" {
				break
			}
			tt.filter.After = p.Next
		}
		// Keep the expected ids in list order.
		var wantOrdered []int64
		for _, id := range want {
			if slices.Contains(tt.want, id) {
				wantOrdered = append(wantOrdered, id)
			}
		}
		if !slices.Equal(got, wantOrdered) || total != len(wantOrdered) {
			t.Errorf("%s: %v (total %d), want %v", tt.name, got, total, wantOrdered)
		}
		if len(wantOrdered) == 0 && tt.name != "nothing matches" {
			t.Errorf("%s: the test data match nothing", tt.name)
		}
	}

	facets, err := f.store.Facets(ctx, news.Filter{Organisation: "ecpat-luxembourg"})
	if err != nil {
		t.Fatal(err)
	}
	ecpat := count(func(_ int, r row) bool { return r.org == f.ecpat })
	if c := find(facets.Themes, "education"); c != len(ecpat) {
		t.Errorf("education facet %d, want %d (%v)", c, len(ecpat), facets.Themes)
	}
	if c := find(facets.Countries, "ML"); c != len(ecpat) {
		t.Errorf("Mali facet %d, want %d", c, len(ecpat))
	}
	if fr, en := find(facets.Languages, "fr"), find(facets.Languages, "en"); fr+en < len(ecpat) || fr == 0 || en == 0 {
		t.Errorf("language facets %v for %d articles", facets.Languages, len(ecpat))
	}

	for _, bad := range []news.Filter{{After: "!!"}, {Before: "bm90LWEtY3Vyc29y"}, {Lang: "de"}, {Country: "mali"}, {Theme: "Not A Slug"}} {
		if _, err := f.store.Latest(ctx, bad); fault.KindOf(err) != fault.Invalid {
			t.Errorf("Latest(%+v): %v, want invalid", bad, err)
		}
	}
}

func (f *fixture) ids(t *testing.T, sql string, args ...any) []int64 {
	t.Helper()
	rows, err := f.pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

func find(cs []news.Count, key string) int {
	for _, c := range cs {
		if c.Key == key {
			return c.Count
		}
	}
	return 0
}

// TestPublicViewShowsOnlyWhatIsPublic: the public read leaves out private
// team members and anything of an organisation that is not published;
// the editors' read shows them.
func TestPublicViewShowsOnlyWhatIsPublic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	public := f.id(t, `SELECT id FROM team_members WHERE full_name = 'Fabienne'`)
	private := f.id(t, `SELECT id FROM team_members WHERE full_name = 'Boubacar'`)
	f.exec(t, `UPDATE team_members SET visibility = 'private' WHERE id = $1`, private)
	in := input("L'équipe")
	in.MemberIDs = []int64{public, private}
	s := f.create(t, in)
	sub, _ := f.store.Submit(ctx, f.editor, s.ID)
	if _, err := f.store.Approve(ctx, f.staff, s.ID, sub.Version); err != nil {
		t.Fatal(err)
	}
	a, err := f.store.BySlug(ctx, s.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Members) != 1 || a.Members[0].FullName != "Fabienne" || !a.Members[0].Public {
		t.Errorf("public members %+v", a.Members)
	}
	if p, _ := f.store.Latest(ctx, news.Filter{}); len(p.Items) != 1 || p.Items[0].Author != "" {
		t.Errorf("the public list names the author: %+v", p.Items)
	}
	if l, _ := f.store.ForOrganisation(ctx, f.ecpat); len(l) != 1 || l[0].Author != "Eddy Editor" {
		t.Errorf("the organisation's list does not name the author: %+v", l)
	}
	if b, _ := f.store.ByID(ctx, s.ID); len(b.Members) != 2 {
		t.Errorf("the editors' view has %d members", len(b.Members))
	}
	f.exec(t, `UPDATE organisations SET status = 'suspended' WHERE id = $1`, f.ecpat)
	// The cached count is of before; the directory's change hook says so
	// (app.enqueueIndex), and until then it is countTTL late at most.
	if p, _ := f.store.Latest(ctx, news.Filter{}); len(p.Items) != 0 {
		t.Errorf("%d articles listed while their organisation is suspended", len(p.Items))
	}
	f.store.OrganisationChanged()
	if _, err := f.store.BySlug(ctx, s.Slug); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("an article of a suspended organisation: %v", err)
	}
	if p, _ := f.store.Latest(ctx, news.Filter{}); p.Total != 0 {
		t.Errorf("%d articles listed while their organisation is suspended", p.Total)
	}
	list, err := f.store.ForOrganisation(ctx, f.ecpat)
	if err != nil || len(list) != 1 || list[0].Status != news.StatusPublished {
		t.Errorf("the organisation's own list: %+v, %v", list, err)
	}
}
