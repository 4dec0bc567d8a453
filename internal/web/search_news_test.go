package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// /search offers organisations and news, each tab with its count; the
// news results show title, lead, organisation and date in the visitor's
// language (the other one when the article has none), typo-tolerant.
func TestSearchNews(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, false, nil)

	code, body := s.get(t, "/search?type=news&q=Halimatou+formatoin")
	for _, want := range []string{
		`<a href="/news/we-love-ecpat">We love ECPAT</a>`,
		`<mark>Halimatou</mark>`,
		`<a href="/organisations/ecpat-luxembourg">ECPAT Luxembourg</a>`,
		`<time datetime="2016-10-13">13 octobre 2016</time>`,
		`À Bamako, le bureau exécutif régional`,
		`1 article`,
		`aria-current="page" class="on">Actualités <span class="count">1</span>`,
		`<input type="hidden" name="type" value="news">`,
		`<option value="date"`,
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("type=news&q=Halimatou formatoin: %d, missing %q", code, want)
		}
	}
	if strings.Contains(body, `class="card-kind"`) {
		t.Error("organisation cards on the news tab")
	}

	// The organisations tab counts the news too, and links to them with
	// the same words, country and theme (not the organisations' filters).
	code, body = s.get(t, "/search?q=Halimatou&country=ML&kind=international-ngo")
	for _, want := range []string{
		`<a href="/organisations/ecpat-luxembourg">`,
		`aria-current="page" class="on">Organisations <span class="count">1</span>`,
		`<a href="/search?country=ML&amp;q=Halimatou&amp;type=news">Actualités <span class="count">1</span>`,
	} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("q=Halimatou: %d, missing %q", code, want)
		}
	}

	// English visitors read the English version; a French-only article is
	// shown in French, marked as such.
	code, body = s.get(t, "/search?type=news&q=Halimatou", "Accept-Language", "en")
	if code != http.StatusOK || !strings.Contains(body, "In Bamako, ECPAT Luxembourg") || !strings.Contains(body, "13 October 2016") ||
		!strings.Contains(body, `>News <span class="count">1</span>`) {
		t.Errorf("English: %d", code)
	}
	code, body = s.get(t, "/search?type=news&q=passerelles", "Accept-Language", "en")
	if code != http.StatusOK || !strings.Contains(body, `<h3 class="card-title" lang="fr"><a href="/news/rentree-des-classes-passerelles">Rentrée des classes <mark>passerelles</mark>`) ||
		!strings.Contains(body, `<p class="card-summary" lang="fr">Cent vingt enfants`) || !strings.Contains(body, "6 October 2025") {
		t.Errorf("French-only article for an English visitor: %d", code)
	}

	// No words: the latest first; the date order is offered.
	code, body = s.get(t, "/search?type=news")
	if i, j := strings.Index(body, "/news/benevoles-cours-de-francais"), strings.Index(body, "/news/we-love-ecpat"); code != http.StatusOK ||
		i < 0 || j < i || !strings.Contains(body, "4 articles") || strings.Contains(body, "bilan-saison-mangroves") {
		t.Errorf("all news: %d, not latest first or a draft shown", code)
	}
	if code, body = s.get(t, "/search?type=news&q=ecpat&sort=date"); code != http.StatusOK || !strings.Contains(body, "<strong>date</strong>") {
		t.Errorf("sort=date: %d", code)
	}

	// Live search answers the news tab too.
	code, body = s.get(t, "/search?type=news&q=Halimatou", "X-Partial", "results")
	if code != http.StatusOK || strings.Contains(body, "<html") || !strings.Contains(body, "/news/we-love-ecpat") ||
		!strings.Contains(body, `class="search-tabs"`) {
		t.Errorf("partial news results: %d %.200s", code, body)
	}

	code, body = s.get(t, "/search?type=news&q=zzzzqqqxx")
	if code != http.StatusOK || !strings.Contains(body, "Aucun article ne correspond à « zzzzqqqxx »") {
		t.Errorf("empty news: %d", code)
	}

	// A bad type, or a filter or order the type does not have: 400 naming it.
	for target, want := range map[string]string{
		"/search?type=blog":                        "blog",
		"/search?type=news&type=organisations":     "type",
		"/search?type=news&kind=international-ngo": "international-ngo",
		"/search?type=news&support=volunteering":   "volunteering",
		"/search?type=news&sort=name":              "relevance ou date",
		"/search?sort=date":                        "relevance ou name",
	} {
		code, body := s.get(t, target)
		if code != http.StatusBadRequest || !strings.Contains(body, want) {
			t.Errorf("%s: %d, want 400 naming %q", target, code, want)
		}
	}
}

// With Meilisearch down the fallback answers the news tab, with counts.
func TestSearchNewsFallback(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, true, nil)
	code, body := s.get(t, "/search?type=news&q=Halimatou")
	for _, want := range []string{"mode réduit", `<a href="/news/we-love-ecpat">`, `<mark>Halimatou</mark>`,
		`Actualités <span class="count">1</span>`, `Organisations <span class="count">1</span>`} {
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("Meilisearch down: %d, missing %q", code, want)
		}
	}
}
