package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/demo"
	"github.com/partnerdir/partnerdir/internal/demo/demotest"
	"github.com/partnerdir/partnerdir/internal/news"
)

// TestDemoCommuniqué: seed demo publishes ECPAT Luxembourg's communiqué of
// 13 October 2016 with its theme, country, office, team and project, in
// both languages, ending with the address to write to; the fictional
// partners' articles are online but their draft is not; a second load
// changes nothing.
func TestDemoCommuniqué(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := demotest.Load(t)
	store := news.NewStore(pool, nil)
	first, err := demo.LoadNews(ctx, pool, store)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Created) != len(demo.Articles()) || first.Created[0] != "we-love-ecpat" {
		t.Fatalf("first load created %v", first.Created)
	}
	a, err := store.BySlug(ctx, "we-love-ecpat")
	if err != nil {
		t.Fatal(err)
	}
	if a.Organisation.Slug != "ecpat-luxembourg" || !a.PublishedAt.Equal(time.Date(2016, 10, 13, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("organisation %s, published %v", a.Organisation.Slug, a.PublishedAt)
	}
	if len(a.Themes) != 1 || a.Themes[0].Slug != "human-rights-solidarity" || a.Themes[0].NameFR != "Droits humains & solidarité" {
		t.Errorf("themes %+v", a.Themes)
	}
	if len(a.Countries) != 1 || a.Countries[0].Code != "ML" {
		t.Errorf("countries %+v", a.Countries)
	}
	if len(a.Projects) != 1 || a.Projects[0].Slug != "mallette-formation-esec" {
		t.Errorf("projects %+v", a.Projects)
	}
	if len(a.Offices) != 1 || a.Offices[0].City != "Bamako" {
		t.Errorf("offices %+v", a.Offices)
	}
	var names []string
	for _, m := range a.Members {
		names = append(names, m.FullName)
	}
	if strings.Join(names, ",") != "Fabienne,Boubacar,Halimatou" {
		t.Errorf("members %v", names)
	}
	if len(a.Translations) != 2 {
		t.Fatalf("translations %+v", a.Translations)
	}
	for _, tr := range a.Translations {
		for _, w := range []string{"Fabienne", "Boubacar", "Halimatou", "Bamako"} {
			if !strings.Contains(tr.BodyHTML, w) {
				t.Errorf("%s body lacks %s", tr.Lang, w)
			}
		}
		if !strings.HasSuffix(tr.BodyHTML, `<a href="mailto:c.wantz@ecpat.lu" rel="nofollow ugc noopener">c.wantz@ecpat.lu</a>.</p>`) {
			t.Errorf("%s body does not end with the invitation to write to c.wantz@ecpat.lu:\n%s", tr.Lang, tr.BodyHTML)
		}
	}

	page, err := store.Latest(ctx, news.Filter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 4 || page.Items[len(page.Items)-1].Slug != "we-love-ecpat" {
		t.Errorf("public list: %d articles, oldest %q", page.Total, page.Items[len(page.Items)-1].Slug)
	}
	if _, err := store.BySlug(ctx, "bilan-saison-mangroves"); err == nil {
		t.Error("the demo draft is public")
	}
	if p, _ := store.Latest(ctx, news.Filter{Theme: "human-rights-solidarity", Country: "ML"}); p.Total != 1 || p.Items[0].Slug != "we-love-ecpat" {
		t.Errorf("human rights in Mali: %+v", p.Items)
	}

	const state = `SELECT format('%s articles, %s texts, %s links, %s audit, max updated %s',
		(SELECT count(*) FROM articles), (SELECT count(*) FROM article_translations),
		(SELECT (SELECT count(*) FROM article_members) + (SELECT count(*) FROM article_projects) + (SELECT count(*) FROM article_themes)),
		(SELECT count(*) FROM audit_log), (SELECT max(updated_at) FROM articles))`
	var before, after string
	if err := pool.QueryRow(ctx, state).Scan(&before); err != nil {
		t.Fatal(err)
	}
	second, err := demo.LoadNews(ctx, pool, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := pool.QueryRow(ctx, state).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if len(second.Created) != 0 || before != after {
		t.Errorf("second load created %v\nbefore: %s\nafter:  %s", second.Created, before, after)
	}
}
