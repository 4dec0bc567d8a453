package e2e

import (
	"strings"
	"testing"
)

// TestNewsPagesPassAxe: a visitor reads the partners' news. /news lists
// ECPAT Luxembourg's communiqué of 13 October 2016; its page shows the
// organisation's card and the three team members; the reading mode shows
// the text alone; Offer support opens the offer form with the training-box
// project chosen. Every page passes axe-core (WCAG 2.1 A/AA) and fits a
// phone.
func TestNewsPagesPassAxe(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.acceptLanguage("fr")

	b.visit("/news")
	b.waitText("main", "We love ECPAT")
	b.waitText("main", "13 octobre 2016")
	b.axeCheck("news")
	b.shot("news")

	b.clickAndLoad(`.news-card-title a[href="/news/we-love-ecpat"]`)
	if h1 := b.text("h1"); h1 != "We love ECPAT" {
		t.Fatalf("article heading %q", h1)
	}
	for _, name := range []string{"Fabienne", "Boubacar", "Halimatou"} {
		b.waitText(".news-members", name)
	}
	b.waitText(".article-aside .card", "ECPAT Luxembourg")
	b.axeCheck("article")
	b.shot("article")

	b.clickAndLoad(`.reading-link a`)
	if p := b.path(); p != "/news/we-love-ecpat?read=1" {
		t.Fatalf("the reading mode link led to %s", p)
	}
	if n := eval[int](b, `document.querySelectorAll(".site-header, .site-footer, .share").length`); n != 0 {
		t.Errorf("the reading mode shows %d pieces of the site around the text", n)
	}
	b.waitText(".reading", "Halimatou, gestion de projets")
	b.axeCheck("article-reading")
	b.shot("article-reading")

	b.clickAndLoad(`.reading-back a`)
	b.clickAndLoad(`.article-aside .cta a.button`)
	if p := b.path(); !strings.HasPrefix(p, "/organisations/ecpat-luxembourg/offer?project=mallette-formation-esec") {
		t.Fatalf("Offer support led to %s", p)
	}
	if v := eval[string](b, `document.querySelector("#project").value`); v != "mallette-formation-esec" {
		t.Errorf("the offer form's project is %q, want the article's", v)
	}

	b.axeCheckPages([]sitePage{
		{"theme", "/themes/human-rights-solidarity"},
		{"themes", "/themes"},
		{"news-filtered", "/news?country=ML&lang=en"},
		{"article-gone", "/news/bilan-saison-mangroves"},
	})
	b.acceptLanguage("en")
	b.axeCheckPages([]sitePage{{"article-en-fallback", "/news/rentree-des-classes-passerelles"}})
	if lang := eval[string](b, `document.querySelector("h1").lang`); lang != "fr" {
		t.Errorf("the French-only article's heading has lang %q on an English page", lang)
	}
}
