package web_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/mmcdole/gofeed"

	"github.com/partnerdir/partnerdir/internal/app"
	"github.com/partnerdir/partnerdir/internal/app/apptest"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// newsFixture is the real engine with the demo data (its four published
// articles, one draft) and the page cache on.
type newsFixture struct {
	fixture
	a *app.App
}

func newNewsFixture(t *testing.T) *newsFixture {
	t.Helper()
	a := apptest.New(t, apptest.Setup{Env: map[string]string{"PAGE_CACHE_BYTES": "8MiB"}})
	return &newsFixture{fixture: newFixture(a), a: a}
}

// publish stores a published article of organisation org through the
// news store (so this process's caches hear of it) and returns its id.
func (f *newsFixture) publish(t *testing.T, org string, im news.Import) int64 {
	t.Helper()
	im.Publish = true
	var saved news.Saved
	ctx := context.Background()
	err := postgres.InTx(ctx, f.pool, func(tx pgx.Tx) error {
		var err error
		saved, err = f.a.News.ImportTx(ctx, tx, audit.System("test"), f.orgID(t, org), im)
		return err
	})
	if err != nil {
		t.Fatalf("publish %s: %v", im.Slug, err)
	}
	return saved.ID
}

func day(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 10, 0, 0, 0, time.UTC)
	return &t
}

// english is a visitor whose browser asks for English.
func (f *fixture) english(t *testing.T) *browser {
	b := f.browser(t)
	b.header.Set("Accept-Language", "en")
	return b
}

func TestNewsListsTheDemoCommuniquéLatestFirst(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	rec := f.browser(t).get("/news")
	wantStatus(t, rec, http.StatusOK, "We love ECPAT", `href="/news/we-love-ecpat"`, "13 octobre 2016", "ECPAT Luxembourg", `href="/newsletter"`,
		"4 articles", `<a href="/news" aria-current="page">`)
	body := rec.Body.String()
	if strings.Contains(body, "bilan-saison-mangroves") {
		t.Error("the draft is listed")
	}
	// Latest first: 2 March 2026, 6 October 2025, 12 June 2025, 13 October 2016.
	var at []int
	for _, slug := range []string{"benevoles-cours-de-francais", "rentree-des-classes-passerelles", "dix-forages-a-tillaberi", "we-love-ecpat"} {
		at = append(at, strings.Index(body, `href="/news/`+slug+`"`))
	}
	if !slices.IsSorted(at) || at[0] < 0 {
		t.Errorf("articles not latest first: positions %v", at)
	}
	wantStatus(t, f.english(t).get("/news"), http.StatusOK, "13 October 2016", "News from our partners")
}

func TestNewsFiltersAreShareableAndRefuseUnknownValues(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	b := f.browser(t)
	for _, c := range []struct {
		query string
		count string
		has   []string
		lacks []string
	}{
		{"theme=human-rights-solidarity", "2 articles", []string{"we-love-ecpat", "benevoles-cours-de-francais"}, []string{"dix-forages-a-tillaberi"}},
		{"country=ML", "1 article", []string{"we-love-ecpat"}, []string{"benevoles-cours-de-francais"}},
		{"country=ml", "1 article", []string{"we-love-ecpat"}, nil},
		{"organisation=ecpat-luxembourg", "1 article", []string{"we-love-ecpat", "<strong>ECPAT Luxembourg</strong>"}, []string{"dix-forages"}},
		{"lang=en", "3 articles", []string{"we-love-ecpat"}, []string{"rentree-des-classes-passerelles"}},
		{"lang=fr&theme=education", "1 article", []string{"rentree-des-classes-passerelles"}, []string{"we-love-ecpat"}},
		{"theme=environment", "0 article", []string{"Aucun article ne correspond"}, []string{"we-love-ecpat", "dix-forages-a-tillaberi"}},
	} {
		rec := b.get("/news?" + c.query)
		wantStatus(t, rec, http.StatusOK, append([]string{c.count}, c.has...)...)
		for _, s := range c.lacks {
			if strings.Contains(rec.Body.String(), `href="/news/`+s) {
				t.Errorf("/news?%s lists %s", c.query, s)
			}
		}
	}
	// The chosen values are selected in the form, so the page is the
	// filter's own address.
	wantStatus(t, b.get("/news?theme=human-rights-solidarity&lang=en"), http.StatusOK,
		`<option value="human-rights-solidarity" selected>`, `<option value="en" selected>`)

	for _, c := range []struct{ query, param string }{
		{"theme=nope", "theme"},
		{"country=ZZ", "country"},
		{"organisation=nobody-here", "organisation"},
		{"organisation=Not%20a%20slug", "organisation"},
		{"organisation=terres-vertes-benin-x", "organisation"},
		{"lang=de", "lang"},
		{"after=%21%21", "after/before"},
		{"after=x&before=y", "after"},
		{"page=2", "page"},
		{"theme=education&theme=migration", "theme"},
	} {
		rec := b.get("/news?" + c.query)
		wantStatus(t, rec, http.StatusBadRequest, "<code>"+c.param+": ")
	}
	// A suspended organisation is no filter value either.
	f.exec(t, `UPDATE organisations SET status = 'suspended' WHERE slug = 'sahel-eau-vive'`)
	wantStatus(t, b.get("/news?organisation=sahel-eau-vive"), http.StatusBadRequest, "organisation: ")
}

var (
	nextLink = regexp.MustCompile(`<a rel="next" href="([^"]+)"`)
	prevLink = regexp.MustCompile(`<a rel="prev" href="([^"]+)"`)
	newsLink = regexp.MustCompile(`<h3 class="news-card-title"[^>]*><a href="/news/([^"]+)"`)
)

func TestNewsPagesThroughEveryArticleOnceEachWay(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	// 45 articles, several on the same instant, so the order rests on
	// the id as well as the date.
	var want []string
	for i := range 45 {
		slug := fmt.Sprintf("note-%02d", i)
		f.publish(t, "sahel-eau-vive", news.Import{Slug: slug, Input: news.Input{PublishedAt: day(2024, time.January, 1+i/4),
			FR: news.Text{Title: "Note " + slug, Body: "Texte."}}})
		want = append(want, slug)
	}
	slices.Reverse(want) // latest first: later days, then higher ids
	// The demo's Sahel article (12 June 2025) is the newest of all.
	want = append([]string{"dix-forages-a-tillaberi"}, want...)

	b := f.browser(t)
	var got []string
	path, pages := "/news?organisation=sahel-eau-vive", 0
	for path != "" {
		rec := b.get(path)
		wantStatus(t, rec, http.StatusOK, "46 articles")
		for _, m := range newsLink.FindAllStringSubmatch(rec.Body.String(), -1) {
			got = append(got, m[1])
		}
		path = ""
		if m := nextLink.FindStringSubmatch(rec.Body.String()); m != nil {
			path = html.UnescapeString(m[1])
			if !strings.Contains(path, "organisation=sahel-eau-vive") {
				t.Fatalf("the next page forgets the filter: %s", path)
			}
		}
		if pages++; pages > 5 {
			t.Fatal("more pages than articles")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward: %d articles\n got %v\nwant %v", len(got), got, want)
	}

	// Back from the last page to the first with the previous links.
	last := b.get("/news?organisation=sahel-eau-vive")
	for range 2 {
		last = b.get(html.UnescapeString(nextLink.FindStringSubmatch(last.Body.String())[1]))
	}
	var back []string
	for _, m := range newsLink.FindAllStringSubmatch(last.Body.String(), -1) {
		back = append(back, m[1])
	}
	for rec := last; ; {
		m := prevLink.FindStringSubmatch(rec.Body.String())
		if m == nil {
			break
		}
		rec = b.get(html.UnescapeString(m[1]))
		var page []string
		for _, m := range newsLink.FindAllStringSubmatch(rec.Body.String(), -1) {
			page = append(page, m[1])
		}
		back = append(page, back...)
	}
	if !slices.Equal(back, want) {
		t.Fatalf("backward: %d articles\n got %v\nwant %v", len(back), back, want)
	}
}

var jsonLD = regexp.MustCompile(`(?s)<script type="application/ld\+json">(.*?)</script>`)

func TestArticlePageShowsTheCommuniquéWithItsOrganisationAndTeam(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	b := f.browser(t)
	rec := b.get("/news/we-love-ecpat")
	wantStatus(t, rec, http.StatusOK,
		`<h1 lang="fr">We love ECPAT</h1>`, "Fabienne, Boubacar et Halimatou", `<h2>Halimatou, gestion de projets</h2>`,
		`<time datetime="2016-10-13">13 octobre 2016</time>`,
		`<a href="mailto:c.wantz@ecpat.lu" rel="nofollow ugc noopener">`,
		// The organisation's card and its Offer support button, with the
		// training-box project chosen.
		`<article class="card">`, `<a href="/organisations/ecpat-luxembourg">ECPAT Luxembourg</a>`,
		`<a class="button" href="/organisations/ecpat-luxembourg/offer?project=mallette-formation-esec">Proposer un soutien</a>`,
		`href="/news/we-love-ecpat?read=1"`,
		`<link rel="alternate" type="application/atom+xml" title="Actualités : ECPAT Luxembourg" href="/organisations/ecpat-luxembourg/news.atom">`,
		`<a href="/themes/human-rights-solidarity">Droits humains &amp; solidarité</a>`, `<a href="/countries/ML">Mali</a>`)
	body := rec.Body.String()

	// The three team members, each linked to their place on the profile.
	profile := b.get("/organisations/ecpat-luxembourg").Body.String()
	for _, name := range []string{"Fabienne", "Boubacar", "Halimatou"} {
		id := f.count(t, `SELECT id FROM team_members WHERE full_name = $1`, name)
		link := fmt.Sprintf(`<a href="/organisations/ecpat-luxembourg#member-%d">%s</a>`, id, name)
		if !strings.Contains(body, link) {
			t.Errorf("the article lacks %s", link)
		}
		if !strings.Contains(profile, fmt.Sprintf(`id="member-%d"`, id)) {
			t.Errorf("the profile has no anchor for %s", name)
		}
	}

	// Share links: plain links, the address and title encoded, no script.
	share := regexp.MustCompile(`<a class="share-(\w+)" href="([^"]+)"`).FindAllStringSubmatch(body, -1)
	const page = "http://partners.test/news/we-love-ecpat"
	links := map[string]*url.URL{}
	for _, m := range share {
		u, err := url.Parse(html.UnescapeString(m[2]))
		if err != nil {
			t.Fatalf("share link %s: %v", m[2], err)
		}
		links[m[1]] = u
	}
	for network, want := range map[string]struct{ host, param, title string }{
		"facebook": {"www.facebook.com", "u", ""},
		"x":        {"x.com", "url", "text"},
		"linkedin": {"www.linkedin.com", "url", ""},
		"scoopit":  {"www.scoop.it", "url", "title"},
	} {
		u := links[network]
		if u == nil || u.Scheme != "https" || u.Host != want.host || u.Query().Get(want.param) != page {
			t.Errorf("%s share link: %v", network, u)
			continue
		}
		if want.title != "" && u.Query().Get(want.title) != "We love ECPAT" {
			t.Errorf("%s share link's title: %q", network, u.Query().Get(want.title))
		}
	}
	if m := links["email"]; m == nil || m.Scheme != "mailto" || m.Query().Get("subject") != "We love ECPAT" ||
		!strings.Contains(m.Query().Get("body"), page) || strings.Contains(m.RawQuery, "+") {
		t.Errorf("e-mail share link: %v", m)
	}
	if strings.Contains(body, "<script src") || strings.Contains(body, "connect.facebook") || strings.Contains(body, "platform.twitter") {
		t.Error("the page loads a third-party script")
	}

	// JSON-LD NewsArticle and the sharing tags.
	m := jsonLD.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no JSON-LD on the article")
	}
	var ld struct {
		Context       string `json:"@context"`
		Type          string `json:"@type"`
		Headline      string
		InLanguage    string
		DatePublished string
		URL           string
		Author        struct {
			Type string `json:"@type"`
			Name string
			URL  string
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &ld); err != nil {
		t.Fatalf("JSON-LD is not JSON: %v\n%s", err, m[1])
	}
	if ld.Context != "https://schema.org" || ld.Type != "NewsArticle" || ld.Headline != "We love ECPAT" || ld.InLanguage != "fr" ||
		ld.DatePublished != "2016-10-13T10:00:00Z" || ld.URL != page || ld.Author.Name != "ECPAT Luxembourg" ||
		ld.Author.URL != "http://partners.test/organisations/ecpat-luxembourg" {
		t.Errorf("JSON-LD: %+v", ld)
	}
	for _, w := range []string{`<meta property="og:type" content="article">`, `<meta property="og:title" content="We love ECPAT">`,
		`<meta property="og:url" content="` + page + `">`, `<meta name="twitter:card" content="summary">`,
		`<meta property="article:published_time" content="2016-10-13T10:00:00Z">`, `<link rel="canonical" href="` + page + `">`} {
		if !strings.Contains(body, w) {
			t.Errorf("article lacks %s", w)
		}
	}

	// In English the English version, the date written in English.
	wantStatus(t, f.english(t).get("/news/we-love-ecpat"), http.StatusOK, `<html lang="en">`, `<h1 lang="en">We love ECPAT</h1>`,
		"Who are they, and why do they work there?", "13 October 2016", ">Offer support</a>")
}

func TestArticleInTheOtherLanguageIsMarkedAsSuch(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	rec := f.english(t).get("/news/rentree-des-classes-passerelles")
	wantStatus(t, rec, http.StatusOK, `<html lang="en">`, `<h1 lang="fr">Rentrée des classes passerelles le long du fleuve</h1>`,
		`<p class="lead news-lead" lang="fr">`, `<div class="news-body" lang="fr">`, "This article is only available in French.",
		"6 October 2025")
	// In lists too: the heading carries its language.
	wantStatus(t, f.english(t).get("/news"), http.StatusOK,
		`<h3 class="news-card-title" lang="fr"><a href="/news/rentree-des-classes-passerelles">`,
		`<h3 class="news-card-title"><a href="/news/we-love-ecpat">`)
}

func TestArticleWithACoverSharesIt(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	f.publish(t, "ecpat-luxembourg", news.Import{Slug: "mallette-en-images", Input: news.Input{
		PublishedAt: day(2024, time.May, 2), CoverPath: "/uploads/covers/mallette.png",
		CoverAlt: directory.Localized{FR: "La mallette ouverte sur une table", EN: "The training box open on a table"},
		FR:       news.Text{Title: "La mallette en images", Lead: "Ce qu'elle contient.", Body: "Des fiches, des jeux."},
		EN:       news.Text{Title: "The training box in pictures", Lead: "What is inside.", Body: "Cards, games."}}})
	body := f.browser(t).get("/news/mallette-en-images").Body.String()
	for _, w := range []string{`<meta property="og:image" content="http://partners.test/uploads/covers/mallette.png">`,
		`<meta property="og:image:alt" content="La mallette ouverte sur une table">`,
		`<meta name="twitter:card" content="summary_large_image">`,
		`<meta name="twitter:image" content="http://partners.test/uploads/covers/mallette.png">`,
		`<img src="/uploads/covers/mallette.png" alt="La mallette ouverte sur une table" lang="fr">`} {
		if !strings.Contains(body, w) {
			t.Errorf("article with a cover lacks %s", w)
		}
	}
	var ld struct{ Image []string }
	if m := jsonLD.FindStringSubmatch(body); m == nil || json.Unmarshal([]byte(m[1]), &ld) != nil ||
		!slices.Equal(ld.Image, []string{"http://partners.test/uploads/covers/mallette.png"}) {
		t.Errorf("JSON-LD image: %+v", ld)
	}
	// The card in lists shows the cover with the alternative text of the
	// language shown.
	wantStatus(t, f.english(t).get("/news"), http.StatusOK,
		`<img class="news-card-cover" src="/uploads/covers/mallette.png" alt="The training box open on a table" loading="lazy">`)
}

func TestArticleReadingModeIsTheTextAlone(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	b := f.browser(t)
	rec := b.get("/news/we-love-ecpat?read=1")
	wantStatus(t, rec, http.StatusOK, `<article class="reading">`, `<h1 lang="fr">We love ECPAT</h1>`,
		"Halimatou, gestion de projets", `<a href="/news/we-love-ecpat">← Retour à la page complète</a>`,
		`<link rel="canonical" href="http://partners.test/news/we-love-ecpat">`, `<meta name="robots" content="noindex">`)
	for _, chrome := range []string{`class="site-header"`, `class="site-footer"`, `class="share"`, "Proposer un soutien", `class="card"`} {
		if strings.Contains(rec.Body.String(), chrome) {
			t.Errorf("reading mode shows %s", chrome)
		}
	}
	for _, bad := range []string{"read=0", "read=yes", "read=1&read=1"} {
		wantStatus(t, b.get("/news/we-love-ecpat?"+bad), http.StatusBadRequest, "<code>read: ")
	}
	// The print stylesheet hides the site and the buttons.
	css := b.get(regexp.MustCompile(`href="(/static/css/news[^"]+)"`).FindStringSubmatch(b.get("/news/we-love-ecpat").Body.String())[1])
	wantStatus(t, css, http.StatusOK, "@media print", ".site-header", ".share")
}

func TestWithdrawnDraftAndSuspendedArticlesAreOffThePublicPages(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	ctx := context.Background()
	b := f.browser(t)
	wantStatus(t, b.get("/news/bilan-saison-mangroves"), http.StatusNotFound) // a draft
	wantStatus(t, b.get("/news/nobody-wrote-this"), http.StatusNotFound)
	wantStatus(t, b.get("/news/Not_A_Slug"), http.StatusNotFound)

	// Withdrawn: gone for good.
	id := int64(f.count(t, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`))
	if _, err := f.a.News.Withdraw(ctx, audit.System("test"), id); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.get("/news/we-love-ecpat"), http.StatusGone, "Article retiré")
	for _, path := range []string{"/news", "/news.atom", "/sitemap.xml", "/organisations/ecpat-luxembourg", "/themes/human-rights-solidarity"} {
		if body := b.get(path).Body.String(); strings.Contains(body, "we-love-ecpat") {
			t.Errorf("%s still lists the withdrawn article", path)
		}
	}

	if body := b.get("/news").Body.String(); !strings.Contains(body, ">3 articles<") {
		t.Errorf("/news does not count the 3 articles left")
	}

	// Waiting for review (an edit sent back to staff): not found.
	f.exec(t, `UPDATE articles SET status = 'submitted', submitted_at = now(), version = version + 1 WHERE slug = 'benevoles-cours-de-francais'`)
	wantStatus(t, b.get("/news/benevoles-cours-de-francais"), http.StatusNotFound)

	// A suspended organisation's published article: not found, and off
	// the lists and feeds, and out of the list's count at once (the count
	// is cached: the directory's write tells the news; the raw UPDATE
	// above did not).
	if err := f.a.Directory.Decide(ctx, audit.System("test"), f.orgID(t, "sahel-eau-vive"), directory.DecisionSuspend, "Enquête"); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, b.get("/news/dix-forages-a-tillaberi"), http.StatusNotFound)
	for _, path := range []string{"/news", "/news.atom", "/sitemap.xml", "/themes/water-sanitation"} {
		if body := b.get(path).Body.String(); strings.Contains(body, "dix-forages-a-tillaberi") {
			t.Errorf("%s lists the suspended organisation's article", path)
		}
	}
	wantStatus(t, b.get("/organisations/sahel-eau-vive/news.atom"), http.StatusNotFound)
	if body := b.get("/news").Body.String(); !strings.Contains(body, ">1 article<") {
		t.Errorf("/news after the suspension does not count 1 article")
	}
}

func TestProfileShowsItsLatestCommuniqués(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	for i := range 3 {
		f.publish(t, "ecpat-luxembourg", news.Import{Slug: fmt.Sprintf("ecpat-%d", i), Input: news.Input{
			PublishedAt: day(2023, time.March, 1+i), FR: news.Text{Title: fmt.Sprintf("Nouvelle %d", i), Body: "Texte."}}})
	}
	rec := f.browser(t).get("/organisations/ecpat-luxembourg")
	wantStatus(t, rec, http.StatusOK, `<h2 id="news-h">Communiqués</h2>`, `href="/news/ecpat-2"`, `href="/news/ecpat-1"`, `href="/news/ecpat-0"`,
		`<a class="more" href="/news?organisation=ecpat-luxembourg">Tous ses communiqués (4) →</a>`,
		`<link rel="alternate" type="application/atom+xml" title="Actualités : ECPAT Luxembourg" href="/organisations/ecpat-luxembourg/news.atom">`)
	if strings.Contains(rec.Body.String(), `href="/news/we-love-ecpat"`) {
		t.Error("the profile shows more than its 3 latest communiqués")
	}
	// An organisation without news shows no strip.
	if body := f.browser(t).get("/organisations/terres-vertes-benin").Body.String(); strings.Contains(body, `id="news-h"`) ||
		strings.Contains(body, "news.atom") {
		t.Error("a profile without published news shows the strip or a feed")
	}
}

func TestThemePageListsItsPartnersAndNews(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	b := f.browser(t)
	rec := b.get("/themes/human-rights-solidarity")
	wantStatus(t, rec, http.StatusOK, "<h1>Nos partenaires — Droits humains &amp; solidarité</h1>",
		`<a href="/organisations/ecpat-luxembourg">ECPAT Luxembourg</a>`, `href="/news/we-love-ecpat"`, `href="/news/benevoles-cours-de-francais"`,
		`href="/news?theme=human-rights-solidarity"`,
		`<link rel="alternate" type="application/atom+xml" title="Actualités : Droits humains &amp; solidarité" href="/themes/human-rights-solidarity/news.atom">`)
	if strings.Contains(rec.Body.String(), "Sahel Eau Vive") {
		t.Error("the theme page lists a partner of another theme")
	}
	wantStatus(t, f.english(t).get("/themes/human-rights-solidarity"), http.StatusOK, "Our partners — Human rights &amp; solidarity")
	wantStatus(t, b.get("/themes/nope"), http.StatusNotFound)
	wantStatus(t, b.get("/themes/human-rights-solidarity?page=2"), http.StatusBadRequest, "page: ")
	wantStatus(t, b.get("/themes/human-rights-solidarity?after=%21"), http.StatusBadRequest, "after/before: ")
	wantStatus(t, b.get("/themes"), http.StatusOK, `<a href="/themes/human-rights-solidarity">Droits humains &amp; solidarité</a>`)
	// A profile's theme tags lead to the theme's page.
	wantStatus(t, b.get("/organisations/ecpat-luxembourg"), http.StatusOK,
		`<li class="tag"><a href="/themes/human-rights-solidarity">Droits humains &amp; solidarité</a></li>`)
}

func TestHomePageShowsTheLatestFromPartners(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	rec := f.english(t).get("/")
	wantStatus(t, rec, http.StatusOK, `<h2 id="news-h">Latest from our partners</h2>`, `href="/news/benevoles-cours-de-francais"`,
		`href="/news/rentree-des-classes-passerelles"`, `href="/news/dix-forages-a-tillaberi"`, `<a class="more" href="/news">`,
		`<link rel="alternate" type="application/atom+xml" title="News from our partners" href="/news.atom">`)
	if strings.Contains(rec.Body.String(), `href="/news/we-love-ecpat"`) {
		t.Error("the home strip shows more than 3 articles")
	}
}

func TestSitemapListsEveryPublishedArticle(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	rec := f.browser(t).get("/sitemap.xml")
	var set struct {
		URLs []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	locs := map[string]string{}
	for _, u := range set.URLs {
		locs[u.Loc] = u.LastMod
	}
	for _, slug := range []string{"we-love-ecpat", "dix-forages-a-tillaberi", "rentree-des-classes-passerelles", "benevoles-cours-de-francais"} {
		if _, ok := locs["http://partners.test/news/"+slug]; !ok {
			t.Errorf("sitemap lacks %s", slug)
		}
	}
	if _, ok := locs["http://partners.test/news/bilan-saison-mangroves"]; ok {
		t.Error("sitemap lists a draft")
	}
	if _, ok := locs["http://partners.test/news"]; !ok {
		t.Error("sitemap lacks /news")
	}
	wantStatus(t, f.browser(t).get("/sitemaps/news-1.xml"), http.StatusOK, "http://partners.test/news/we-love-ecpat")
	wantStatus(t, f.browser(t).get("/sitemaps/news-2.xml"), http.StatusNotFound)
	wantStatus(t, f.browser(t).get("/sitemaps/news-x.xml"), http.StatusNotFound)
}

func TestArticlePageCacheFollowsEdits(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	ctx := context.Background()
	anon := f.browser(t)
	for _, path := range []string{"/news", "/news/we-love-ecpat", "/news/we-love-ecpat?read=1", "/themes/human-rights-solidarity"} {
		if state, _ := cacheState(t, anon, path); state != "miss" {
			t.Fatalf("%s: first visit %q, want miss", path, state)
		}
		if state, _ := cacheState(t, anon, path); state != "hit" {
			t.Fatalf("%s: second visit %q, want hit", path, state)
		}
	}

	// An edit through this process: every page shows it at once. ECPAT
	// is trusted, so its edit stays published.
	id := int64(f.count(t, `SELECT id FROM articles WHERE slug = 'we-love-ecpat'`))
	if err := f.a.News.SetTrusted(ctx, audit.System("test"), f.orgID(t, "ecpat-luxembourg"), true); err != nil {
		t.Fatal(err)
	}
	a, err := f.a.News.ByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	in := a.Input()
	in.FR.Title = "We love ECPAT — Bamako"
	if _, err := f.a.News.Update(ctx, audit.System("test"), id, a.Version, in); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/news", "/news/we-love-ecpat", "/news/we-love-ecpat?read=1", "/themes/human-rights-solidarity", "/organisations/ecpat-luxembourg"} {
		state, body := cacheState(t, anon, path)
		if state != "miss" || !strings.Contains(body, "We love ECPAT — Bamako") {
			t.Errorf("%s after an edit here: X-Page-Cache %q, new title: %v", path, state, strings.Contains(body, "We love ECPAT — Bamako"))
		}
	}

	// An edit by another process (heard through its notification): the
	// article and the lists change.
	cacheState(t, anon, "/news")
	f.exec(t, `UPDATE article_translations SET title = 'We love ECPAT Mali' WHERE article_id = $1 AND lang = 'fr'`, id)
	f.exec(t, `UPDATE articles SET version = version + 1, updated_at = now() WHERE id = $1`, id)
	if state, body := cacheState(t, anon, "/news/we-love-ecpat"); state != "miss" || !strings.Contains(body, "We love ECPAT Mali") {
		t.Errorf("article after another process's edit: X-Page-Cache %q, new title: %v", state, strings.Contains(body, "We love ECPAT Mali"))
	}
	if state, body := cacheState(t, anon, "/news"); state != "miss" || !strings.Contains(body, "We love ECPAT Mali") {
		t.Errorf("list after another process's edit: %q, new title: %v", state, strings.Contains(body, "We love ECPAT Mali"))
	}
	// The organisation's change (its card on the article) counts too.
	f.exec(t, `UPDATE organisations SET name = 'ECPAT Lëtzebuerg', version = version + 1, updated_at = now() WHERE slug = 'ecpat-luxembourg'`)
	if state, body := cacheState(t, anon, "/news/we-love-ecpat"); state != "miss" || !strings.Contains(body, "ECPAT Lëtzebuerg") {
		t.Errorf("article after its organisation's change: X-Page-Cache %q", state)
	}
	// A new article of the organisation, written by another process,
	// changes its profile's strip.
	cacheState(t, anon, "/organisations/ecpat-luxembourg")
	f.exec(t, `UPDATE articles SET updated_at = now() + interval '1 second' WHERE slug = 'we-love-ecpat'`)
	if state, _ := cacheState(t, anon, "/organisations/ecpat-luxembourg"); state != "miss" {
		t.Errorf("profile after a change of its articles: X-Page-Cache %q, want miss", state)
	}
}

// parseFeed fetches path and parses it as a feed, checking its headers.
func parseFeed(t *testing.T, b *browser, path string) (*gofeed.Feed, string) {
	t.Helper()
	rec := b.get(path)
	wantStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/atom+xml; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
		t.Errorf("%s: Cache-Control %q", path, cc)
	}
	feed, err := gofeed.NewParser().ParseString(rec.Body.String())
	if err != nil {
		t.Fatalf("%s does not parse: %v\n%s", path, err, rec.Body.String())
	}
	if feed.FeedType != "atom" || feed.FeedVersion != "1.0" {
		t.Errorf("%s: %s %s, want Atom 1.0", path, feed.FeedType, feed.FeedVersion)
	}
	return feed, rec.Header().Get("ETag")
}

func entryLinks(feed *gofeed.Feed) []string {
	var out []string
	for _, it := range feed.Items {
		out = append(out, it.Link)
	}
	return out
}

func TestAtomFeedsParseAndAnswerNotModified(t *testing.T) {
	t.Parallel()
	f := newNewsFixture(t)
	b := f.browser(t)

	feed, etag := parseFeed(t, b, "/news.atom")
	if len(feed.Items) != 4 || feed.FeedLink != "http://partners.test/news.atom" || feed.Link != "http://partners.test/news" {
		t.Fatalf("/news.atom: %d entries, self %q, alternate %q", len(feed.Items), feed.FeedLink, feed.Link)
	}
	first, ecpat := feed.Items[0], feed.Items[3]
	if first.Title != "Bénévoles recherchés pour les cours de français" || first.Link != "http://partners.test/news/benevoles-cours-de-francais" {
		t.Errorf("first entry: %q %q", first.Title, first.Link)
	}
	if ecpat.Title != "We love ECPAT" || ecpat.GUID != "http://partners.test/news/we-love-ecpat" ||
		ecpat.PublishedParsed == nil || !ecpat.PublishedParsed.Equal(*day(2016, time.October, 13)) || ecpat.UpdatedParsed == nil ||
		!strings.HasPrefix(ecpat.Description, "À Bamako, le bureau exécutif régional") ||
		len(ecpat.Authors) != 1 || ecpat.Authors[0].Name != "ECPAT Luxembourg" {
		t.Errorf("ECPAT entry: %+v", ecpat)
	}
	if feed.UpdatedParsed == nil || feed.UpdatedParsed.Before(*ecpat.UpdatedParsed) {
		t.Errorf("feed updated %v, before its entries", feed.UpdatedParsed)
	}
	// The reader's language.
	en, _ := parseFeed(t, f.english(t), "/news.atom")
	if en.Items[0].Title != "Volunteers wanted for French classes" || en.Items[1].Title != "Rentrée des classes passerelles le long du fleuve" {
		t.Errorf("English feed: %q, %q", en.Items[0].Title, en.Items[1].Title)
	}

	// If-None-Match: 304 while nothing changed, in every form of the
	// header; a new document after a change.
	if etag == "" {
		t.Fatal("no ETag")
	}
	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		req, _ := http.NewRequest(http.MethodGet, "/news.atom", nil)
		req.Header.Set("If-None-Match", inm)
		rec := b.do(req)
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
			t.Errorf("If-None-Match %s: %d, %d bytes", inm, rec.Code, rec.Body.Len())
		}
		// The feed is kept like a page, and a kept feed answers
		// If-None-Match with its own tag and lifetime.
		if rec.Header().Get("X-Page-Cache") != "hit" || rec.Header().Get("Cache-Control") != "public, max-age=300" {
			t.Errorf("If-None-Match %s: X-Page-Cache %q, Cache-Control %q; want a hit with the feed's lifetime", inm,
				rec.Header().Get("X-Page-Cache"), rec.Header().Get("Cache-Control"))
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "/news.atom", nil)
	req.Header.Set("If-None-Match", `"stale"`)
	wantStatus(t, b.do(req), http.StatusOK)

	// A title and lead with markup characters come back exactly as written.
	title, lead := `Eau & "assainissement" : <enfin> l'été`, `Trois < quatre & 'cinq' > deux`
	f.publish(t, "sahel-eau-vive", news.Import{Slug: "eau-et-assainissement", Input: news.Input{
		FR: news.Text{Title: title, Lead: lead, Body: "Texte."}}})
	feed, newTag := parseFeed(t, b, "/news.atom")
	if newTag == etag {
		t.Error("the ETag did not change with the feed")
	}
	if feed.Items[0].Title != title || feed.Items[0].Description != lead {
		t.Errorf("escaping: title %q, summary %q", feed.Items[0].Title, feed.Items[0].Description)
	}

	// Per organisation, theme and country.
	for _, c := range []struct {
		path      string
		alternate string
		want      []string
	}{
		{"/organisations/ecpat-luxembourg/news.atom", "http://partners.test/news?organisation=ecpat-luxembourg", []string{"we-love-ecpat"}},
		{"/themes/human-rights-solidarity/news.atom", "http://partners.test/themes/human-rights-solidarity", []string{"benevoles-cours-de-francais", "we-love-ecpat"}},
		{"/countries/ML/news.atom", "http://partners.test/news?country=ML", []string{"we-love-ecpat"}},
		{"/countries/NE/news.atom", "http://partners.test/news?country=NE", []string{"dix-forages-a-tillaberi"}},
		{"/countries/FR/news.atom", "http://partners.test/news?country=FR", nil},
	} {
		feed, _ := parseFeed(t, b, c.path)
		var want []string
		for _, s := range c.want {
			want = append(want, "http://partners.test/news/"+s)
		}
		if got := entryLinks(feed); !slices.Equal(got, want) || feed.Link != c.alternate || feed.FeedLink != "http://partners.test"+c.path {
			t.Errorf("%s: entries %v, alternate %q, self %q", c.path, got, feed.Link, feed.FeedLink)
		}
	}
	wantStatus(t, b.get("/organisations/nobody-here/news.atom"), http.StatusNotFound)
	wantStatus(t, b.get("/themes/nope/news.atom"), http.StatusNotFound)
	wantStatus(t, b.get("/countries/ZZ/news.atom"), http.StatusNotFound)
	if rec := b.get("/countries/ml/news.atom"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/countries/ML/news.atom" {
		t.Errorf("lower-case country feed: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	// The pages link to the feed that follows them.
	for path, feedURL := range map[string]string{
		"/news":                             "/news.atom",
		"/news?country=ML":                  "/countries/ML/news.atom",
		"/news?theme=education":             "/themes/education/news.atom",
		"/news?organisation=sahel-eau-vive": "/organisations/sahel-eau-vive/news.atom",
		"/":                                 "/news.atom",
		"/themes/education":                 "/themes/education/news.atom",
		"/organisations/ecpat-luxembourg":   "/organisations/ecpat-luxembourg/news.atom",
	} {
		if !regexp.MustCompile(`<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="` + regexp.QuoteMeta(feedURL) + `">`).MatchString(b.get(path).Body.String()) {
			t.Errorf("%s does not link to %s", path, feedURL)
		}
	}
}
