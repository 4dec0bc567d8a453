package news_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/news"
)

func TestGenerationMovesWithEveryWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	g := f.store.Generation()
	s := f.create(t, input("Brouillon"))
	if f.store.Generation() == g {
		t.Fatal("creating an article left the generation as it was")
	}
	g = f.store.Generation()
	if _, err := f.store.Submit(ctx, f.editor, s.ID); err != nil {
		t.Fatal(err)
	}
	if f.store.Generation() == g {
		t.Fatal("submitting an article left the generation as it was")
	}
	// A read leaves it.
	g = f.store.Generation()
	if _, err := f.store.Latest(ctx, news.Filter{}); err != nil {
		t.Fatal(err)
	}
	if f.store.Generation() != g {
		t.Fatal("a read moved the generation")
	}
}

func TestWithdrawnAndSitemapReads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	published := f.at(t, news.StatusPublished)
	var sahel []string
	for i, title := range []string{"Forages", "Pompes", "Comités"} {
		sahel = append(sahel, f.publishAt(t, f.sahel, time.Date(2024, 1, 1+i, 0, 0, 0, 0, time.UTC), map[string]string{"fr": title}, nil, nil).Slug)
	}
	draft := f.at(t, news.StatusDraft)
	if n, err := f.store.PublishedCount(ctx); err != nil || n != 4 {
		t.Fatalf("published count %d %v, want 4", n, err)
	}

	// Withdrawn: the article is gone (not merely missing), and it leaves
	// the sitemap.
	if _, err := f.store.Withdraw(ctx, f.editor, published.ID); err != nil {
		t.Fatal(err)
	}
	for slug, want := range map[string]bool{published.Slug: true, sahel[0]: false, draft.Slug: false, "nobody": false} {
		if gone, err := f.store.Withdrawn(ctx, slug); err != nil || gone != want {
			t.Errorf("Withdrawn(%s) = %v %v, want %v", slug, gone, err, want)
		}
	}
	// A suspended organisation's withdrawn article is simply not found.
	f.exec(t, `UPDATE organisations SET status = 'suspended' WHERE id = $1`, f.ecpat)
	if gone, _ := f.store.Withdrawn(ctx, published.Slug); gone {
		t.Error("a suspended organisation's withdrawn article is reported gone")
	}

	// The sitemap walks published articles of published organisations
	// in id order, a page at a time.
	var slugs []string
	var after int64
	for {
		page, last, err := f.store.Published(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page {
			slugs = append(slugs, e.Slug)
			if e.UpdatedAt.After(time.Now()) || e.UpdatedAt.IsZero() {
				t.Errorf("%s: updated %v", e.Slug, e.UpdatedAt)
			}
		}
		if len(page) < 2 {
			break
		}
		after = last
	}
	if want := sahel; !slices.Equal(slugs, want) {
		t.Errorf("sitemap entries %v, want %v (ECPAT suspended)", slugs, want)
	}
}
