package news_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/richtext"
)

func TestCreateStoresEveryPartAndItsAudit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	project := f.id(t, `SELECT id FROM projects WHERE slug = 'mallette-formation-esec'`)
	office := f.id(t, `SELECT id FROM offices WHERE organisation_id = $1 AND city = 'Bamako'`, f.ecpat)
	member := f.id(t, `SELECT id FROM team_members WHERE full_name = 'Halimatou'`)
	in := news.Input{
		FR:         news.Text{Title: "  Trois personnes   à Bamako ", Lead: "Le bureau régional.", Body: "## L'équipe\n\nHalimatou est *juriste*."},
		EN:         news.Text{Title: "Three people in Bamako", Body: "Halimatou is a **lawyer**.\r\n"},
		CoverPath:  "/uploads/news/bamako.png",
		CoverAlt:   directory.Localized{FR: "L'équipe devant le bureau", EN: "The team outside the office"},
		ThemeSlugs: []string{"human-rights-solidarity", "child-protection", "human-rights-solidarity"},
		Countries:  []string{"ML"},
		ProjectIDs: []int64{project}, OfficeIDs: []int64{office}, MemberIDs: []int64{member, member},
	}
	s, err := f.store.Create(ctx, f.editor, f.ecpat, in)
	if err != nil {
		t.Fatal(err)
	}
	if s.Status != news.StatusDraft || s.Slug != "trois-personnes-a-bamako" || s.Version != 1 {
		t.Errorf("saved %+v", s)
	}
	a, err := f.store.ByID(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Translations) != 2 || a.Translations[0].Lang != "fr" || a.Translations[0].Title != "Trois personnes à Bamako" {
		t.Fatalf("translations %+v", a.Translations)
	}
	if got := a.Translations[0].BodyHTML; got != "<h2>L&#39;équipe</h2>\n<p>Halimatou est <em>juriste</em>.</p>" {
		t.Errorf("body html %q", got)
	}
	if a.Translations[1].BodyMarkdown != "Halimatou is a **lawyer**." {
		t.Errorf("english body %q, want it trimmed", a.Translations[1].BodyMarkdown)
	}
	if len(a.Themes) != 2 || len(a.Countries) != 1 || a.Countries[0].NameFR != "Mali" ||
		len(a.Projects) != 1 || a.Projects[0].Slug != "mallette-formation-esec" ||
		len(a.Offices) != 1 || a.Offices[0].City != "Bamako" || len(a.Members) != 1 || a.Members[0].FullName != "Halimatou" {
		t.Errorf("links: themes %v countries %v projects %v offices %v members %v", a.Themes, a.Countries, a.Projects, a.Offices, a.Members)
	}
	if a.AuthorUserID != f.editor.UserID || a.PublishedAt != nil || a.Organisation.Slug != "ecpat-luxembourg" || a.Cover.Alt.EN == "" {
		t.Errorf("article %+v", a)
	}
	if a.In("en").Title != "Three people in Bamako" || a.In("de").Lang != "fr" {
		t.Errorf("In: %q / %q", a.In("en").Title, a.In("de").Lang)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.create' AND entity_id = $1 AND organisation_id = $2
		AND actor_user_id = $3 AND details->>'slug' = $4`, s.ID, f.ecpat, f.editor.UserID, s.Slug); n != 1 {
		t.Errorf("%d audit entries for the creation", n)
	}
	if c := f.hookCalls(); len(c) != 1 || c[0] != (news.Change{ArticleID: s.ID, OrganisationID: f.ecpat}) {
		t.Errorf("hook calls %v", c)
	}
	// A draft is nobody's to read but its editors'.
	if _, err := f.store.BySlug(ctx, s.Slug); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("BySlug of a draft: %v", err)
	}
	if _, err := f.store.OfOrganisation(ctx, f.sahel, s.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("another organisation's article: %v", err)
	}
}

// TestBadInputIsRefusedAtItsField covers the article part of issue 12's
// "Bad input": each gets a message at its field and nothing is stored.
func TestBadInputIsRefusedAtItsField(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	future := time.Now().Add(time.Hour)
	sahelProject := f.id(t, `SELECT id FROM projects WHERE organisation_id = $1 LIMIT 1`, f.sahel)
	sahelOffice := f.id(t, `SELECT id FROM offices WHERE organisation_id = $1 LIMIT 1`, f.sahel)
	sahelMember := f.id(t, `SELECT id FROM team_members WHERE organisation_id = $1 LIMIT 1`, f.sahel)
	fr := func(title, lead, body string) news.Input {
		return news.Input{FR: news.Text{Title: title, Lead: lead, Body: body}}
	}
	with := func(change func(*news.Input)) news.Input { in := input("Titre"); change(&in); return in }
	tests := []struct {
		name string
		in   news.Input
		want map[string]string
	}{
		{"nothing written", news.Input{}, map[string]string{"translations": "news.err.no_language"}},
		{"no title", fr("", "", "Corps"), map[string]string{"title_fr": "manage.err.required"}},
		{"no body", news.Input{EN: news.Text{Title: "Title"}}, map[string]string{"body_en": "manage.err.required"}},
		{"title too long", fr(strings.Repeat("é", 201), "", "Corps"), map[string]string{"title_fr": "manage.err.too_long"}},
		{"lead too long", fr("Titre", strings.Repeat("x", 601), "Corps"), map[string]string{"lead_fr": "manage.err.too_long"}},
		{"body over 100 KB", fr("Titre", "", strings.Repeat("a", 100*1024+1)), map[string]string{"body_fr": "news.err.body_too_long"}},
		{"script", fr("Titre", "", "Bonjour <script>alert(1)</script>"), map[string]string{"body_fr": richtext.ProblemHTML}},
		{"javascript link", fr("Titre", "", "[clic](javascript:alert(1))"), map[string]string{"body_fr": richtext.ProblemLink}},
		{"data link", fr("Titre", "", "[clic](data:text/html,x)"), map[string]string{"body_fr": richtext.ProblemLink}},
		{"event handler", fr("Titre", "", `<p onmouseover="alert(1)">x</p>`), map[string]string{"body_fr": richtext.ProblemHTML}},
		{"iframe", fr("Titre", "", `<iframe src="https://evil.example"></iframe>`), map[string]string{"body_fr": richtext.ProblemHTML}},
		{"image from another host", fr("Titre", "", "![chat](https://evil.example/cat.png)"), map[string]string{"body_fr": richtext.ProblemImage}},
		{"english body refused too", news.Input{FR: input("T").FR, EN: news.Text{Title: "T", Body: "<script>x</script>"}},
			map[string]string{"body_en": richtext.ProblemHTML}},
		{"cover without alt text", with(func(in *news.Input) { in.CoverPath = "/uploads/news/a.png" }),
			map[string]string{"cover_alt_fr": "news.err.cover_alt"}},
		{"cover alt missing in one language", with(func(in *news.Input) {
			in.EN = news.Text{Title: "T", Body: "B"}
			in.CoverPath, in.CoverAlt = "/uploads/news/a.png", directory.Localized{FR: "Une photo"}
		}), map[string]string{"cover_alt_en": "news.err.cover_alt"}},
		{"cover from another host", with(func(in *news.Input) {
			in.CoverPath, in.CoverAlt = "https://evil.example/a.png", directory.Localized{FR: "Une photo"}
		}), map[string]string{"cover_path": "news.err.cover_path"}},
		{"published in the future", with(func(in *news.Input) { in.PublishedAt = &future }),
			map[string]string{"published_at": "news.err.published_in_future"}},
		{"unknown theme", with(func(in *news.Input) { in.ThemeSlugs = []string{"cooking"} }), map[string]string{"themes": "manage.err.unknown_theme"}},
		{"not a country", with(func(in *news.Input) { in.Countries = []string{"XX"} }), map[string]string{"countries": "manage.err.unknown_country"}},
		{"another organisation's project", with(func(in *news.Input) { in.ProjectIDs = []int64{sahelProject} }),
			map[string]string{"projects": "news.err.not_ours"}},
		{"another organisation's office", with(func(in *news.Input) { in.OfficeIDs = []int64{sahelOffice} }),
			map[string]string{"offices": "news.err.not_ours"}},
		{"another organisation's team member", with(func(in *news.Input) { in.MemberIDs = []int64{sahelMember} }),
			map[string]string{"members": "news.err.not_ours"}},
		{"a project that does not exist", with(func(in *news.Input) { in.ProjectIDs = []int64{1 << 40} }),
			map[string]string{"projects": "news.err.not_ours"}},
		{"several at once", fr(strings.Repeat("x", 201), strings.Repeat("x", 601), "<script>x</script>"),
			map[string]string{"title_fr": "manage.err.too_long", "lead_fr": "manage.err.too_long", "body_fr": richtext.ProblemHTML}},
	}
	for _, tt := range tests {
		_, err := f.store.Create(ctx, f.editor, f.ecpat, tt.in)
		wantFields(t, tt.name, err, tt.want)
	}
	if n := f.count(t, `SELECT count(*) FROM articles`) + f.count(t, `SELECT count(*) FROM audit_log WHERE entity_type = 'article'`); n != 0 {
		t.Errorf("refused input left %d rows", n)
	}
	if len(f.hookCalls()) != 0 {
		t.Errorf("refused input called the hook: %v", f.hookCalls())
	}

	// The same checks hold for an edit: the stored article is unchanged.
	s := f.create(t, input("Bon titre"))
	_, err := f.store.Update(ctx, f.editor, s.ID, s.Version, fr("Bon titre", "", "[x](javascript:alert(1))"))
	wantFields(t, "edit with a javascript link", err, map[string]string{"body_fr": richtext.ProblemLink})
	if a, _ := f.store.ByID(ctx, s.ID); a.Version != s.Version || a.Translations[0].BodyMarkdown != input("").FR.Body {
		t.Errorf("a refused edit changed the article: %+v", a)
	}
}

func TestOptimisticConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.create(t, input("Version commune"))
	first, err := f.store.Update(ctx, f.editor, s.ID, s.Version, input("Version de l'éditeur"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Version != s.Version+1 {
		t.Errorf("version %d after one edit of %d", first.Version, s.Version)
	}
	// The owner read the same version as the editor and saves after them.
	_, err = f.store.Update(ctx, f.owner, s.ID, s.Version, input("Version du propriétaire"))
	if !errors.Is(err, news.ErrStale) || !errors.Is(err, fault.ErrConflict) {
		t.Fatalf("stale edit: %v, want ErrStale (a conflict)", err)
	}
	a, _ := f.store.ByID(ctx, s.ID)
	if a.Translations[0].Title != "Version de l'éditeur" || a.Version != first.Version {
		t.Errorf("after the refused edit: %q v%d", a.Translations[0].Title, a.Version)
	}
	// Staff approve what they read: a newer version is not theirs to approve.
	sub, err := f.store.Submit(ctx, f.editor, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Update(ctx, f.editor, s.ID, sub.Version, input("Dernière retouche")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Approve(ctx, f.staff, s.ID, sub.Version); !errors.Is(err, news.ErrStale) {
		t.Errorf("approving an older version: %v, want ErrStale", err)
	}
	if _, err := f.store.SendBack(ctx, f.staff, s.ID, sub.Version, "Relu avant la retouche."); !errors.Is(err, news.ErrStale) {
		t.Errorf("sending back an older version: %v, want ErrStale", err)
	}
}

func TestSlugsAreUniqueAndFrozenOncePublished(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	a := f.create(t, input("Rentrée à Bamako"))
	b := f.create(t, input("Rentrée à Bamako !"))
	other, err := f.store.Create(ctx, f.stranger, f.sahel, input("Rentrée à Bamako"))
	if err != nil {
		t.Fatal(err)
	}
	noLetters := f.create(t, input("« ! »"))
	if a.Slug != "rentree-a-bamako" || b.Slug != "rentree-a-bamako-2" || other.Slug != "rentree-a-bamako-3" || noLetters.Slug != "article" {
		t.Errorf("slugs %q %q %q %q", a.Slug, b.Slug, other.Slug, noLetters.Slug)
	}
	// A draft's slug follows its title, and keeps its suffix while the
	// title keeps its base.
	b2, err := f.store.Update(ctx, f.editor, b.ID, b.Version, input("Rentrée à Bamako ?"))
	if err != nil || b2.Slug != "rentree-a-bamako-2" {
		t.Errorf("same base: %q, %v", b2.Slug, err)
	}
	b3, err := f.store.Update(ctx, f.editor, b.ID, b2.Version, input("La rentrée des classes"))
	if err != nil || b3.Slug != "la-rentree-des-classes" {
		t.Errorf("new title: %q, %v", b3.Slug, err)
	}
	// Once published, never again.
	sub, _ := f.store.Submit(ctx, f.editor, b.ID)
	pub, err := f.store.Approve(ctx, f.staff, b.ID, sub.Version)
	if err != nil {
		t.Fatal(err)
	}
	b4, err := f.store.Update(ctx, f.editor, b.ID, pub.Version, input("Un tout autre titre"))
	if err != nil || b4.Slug != "la-rentree-des-classes" {
		t.Errorf("published article retitled: slug %q, %v", b4.Slug, err)
	}
	// Sent back and edited again after its first publication: still frozen.
	sb, err := f.store.SendBack(ctx, f.staff, b.ID, b4.Version, "Le titre ne va pas.")
	if err != nil {
		t.Fatal(err)
	}
	if b5, err := f.store.Update(ctx, f.editor, b.ID, sb.Version, input("Encore un autre titre")); err != nil || b5.Slug != "la-rentree-des-classes" {
		t.Errorf("after a send-back: slug %q, %v", b5.Slug, err)
	}
	if _, err := f.store.Update(ctx, f.editor, a.ID, a.Version, input("La rentrée des classes")); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.store.ByID(ctx, a.ID); got.Slug != "la-rentree-des-classes-2" {
		t.Errorf("a draft taking a published article's title: %q", got.Slug)
	}
}

func TestDeleteOnlyDrafts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := f.create(t, news.Input{FR: input("À supprimer").FR, ThemeSlugs: []string{"education"}, Countries: []string{"ML"}})
	if err := f.store.Delete(ctx, f.stranger, d.ID); !errors.Is(err, fault.ErrForbidden) {
		t.Errorf("another organisation deletes: %v", err)
	}
	if err := f.store.Delete(ctx, f.owner, d.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, `SELECT (SELECT count(*) FROM articles) + (SELECT count(*) FROM article_translations)
		+ (SELECT count(*) FROM article_themes) + (SELECT count(*) FROM article_countries)`); n != 0 {
		t.Errorf("%d rows left after deleting the draft", n)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE action = 'article.delete' AND entity_id = $1 AND details->>'title' = 'À supprimer'`, d.ID); n != 1 {
		t.Errorf("%d audit entries for the deletion", n)
	}
	if err := f.store.Delete(ctx, f.owner, d.ID); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("deleting it again: %v", err)
	}
	for _, st := range []string{news.StatusSubmitted, news.StatusPublished, news.StatusWithdrawn} {
		s := f.at(t, st)
		if err := f.store.Delete(ctx, f.owner, s.ID); !errors.Is(err, news.ErrWrongStatus) {
			t.Errorf("deleting a %s article: %v, want ErrWrongStatus", st, err)
		}
	}
}

func TestAFailingHookStoresNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	s := f.create(t, input("Avant"))
	f.mu.Lock()
	f.failHook = true
	f.mu.Unlock()
	if _, err := f.store.Create(ctx, f.editor, f.ecpat, input("Jamais")); err == nil {
		t.Error("create succeeded with a failing hook")
	}
	if _, err := f.store.Update(ctx, f.editor, s.ID, s.Version, input("Après")); err == nil {
		t.Error("update succeeded with a failing hook")
	}
	if _, err := f.store.Submit(ctx, f.editor, s.ID); err == nil {
		t.Error("submit succeeded with a failing hook")
	}
	a, _ := f.store.ByID(ctx, s.ID)
	if n := f.count(t, `SELECT count(*) FROM articles`); n != 1 || a.Translations[0].Title != "Avant" || a.Status != news.StatusDraft {
		t.Errorf("%d articles; %q %s", n, a.Translations[0].Title, a.Status)
	}
	if n := f.count(t, `SELECT count(*) FROM audit_log WHERE entity_type = 'article'`); n != 1 {
		t.Errorf("%d audit entries, want only the first creation's", n)
	}
}

func TestBackDatedImportKeepsItsDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	past := time.Date(2016, 10, 13, 9, 0, 0, 0, time.UTC)
	in := input("Un communiqué de 2016")
	in.PublishedAt = &past
	s := f.create(t, in)
	sub, _ := f.store.Submit(ctx, f.editor, s.ID)
	pub, err := f.store.Approve(ctx, f.staff, s.ID, sub.Version)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.store.BySlug(ctx, pub.Slug)
	if !a.PublishedAt.Equal(past) || a.FirstPublishedAt == nil || time.Since(*a.FirstPublishedAt) > time.Minute {
		t.Errorf("published_at %v, first published %v", a.PublishedAt, a.FirstPublishedAt)
	}
	// Edited (back to review) and approved again: the date stays.
	up, err := f.store.Update(ctx, f.editor, s.ID, pub.Version, input("Un communiqué de 2016, corrigé"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Approve(ctx, f.staff, s.ID, up.Version); err != nil {
		t.Fatal(err)
	}
	if b, _ := f.store.ByID(ctx, s.ID); !b.PublishedAt.Equal(past) || !b.FirstPublishedAt.Equal(*a.FirstPublishedAt) {
		t.Errorf("after a second approval: published %v, first %v", b.PublishedAt, b.FirstPublishedAt)
	}
	// Without a back-date, publishing dates it now.
	now := f.at(t, news.StatusPublished)
	if b, _ := f.store.ByID(ctx, now.ID); time.Since(*b.PublishedAt) > time.Minute {
		t.Errorf("published at %v", b.PublishedAt)
	}
	// The database refuses a date in the future whoever writes it.
	_, err = f.pool.Exec(ctx, `UPDATE articles SET published_at = now() + interval '1 day' WHERE id = $1`, now.ID)
	if c, ok := postgres.CheckViolation(err); !ok || c != "articles_published_at_check" {
		t.Errorf("a future date written directly: %v", err)
	}
}

func TestRenderForAPreview(t *testing.T) {
	t.Parallel()
	s := news.NewStore(nil, nil)
	// The preview shows what would be stored: the script's tags are gone
	// (its words stay, as text), the link has no address; a save would
	// refuse both.
	html, problems := s.Render("Bonjour **Bamako** <script>alert(1)</script> [x](javascript:y)")
	if html != `<p>Bonjour <strong>Bamako</strong> alert(1) <a rel="nofollow ugc noopener">x</a></p>` ||
		!slices.Equal(problems, []string{richtext.ProblemHTML, richtext.ProblemLink}) {
		t.Errorf("Render = %q, %v", html, problems)
	}
	p, err := richtext.New("/media/")
	if err != nil {
		t.Fatal(err)
	}
	if _, problems := news.NewStore(nil, nil, news.WithRichText(p)).Render("![a](/uploads/a.png)"); len(problems) != 1 {
		t.Errorf("an image outside the store's uploads prefix: %v", problems)
	}
}
