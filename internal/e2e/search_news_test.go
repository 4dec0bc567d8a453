package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNewsSearchJourney: a visitor types a misspelt search, sees how many
// organisations and how many articles match, opens the news tab and finds
// the communiqué; typing on the news tab stays on it. The news results
// pass axe-core.
func TestNewsSearchJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.visit("/search")
	b.do("type", chromedp.Click(chromedp.CSS("#q"), chromedp.NodeVisible), chromedp.KeyEvent("Halimatou formatoin"))
	b.waitFor("the tabs count the news", `(function(){
		var n = document.querySelector('#search-results .search-tabs a[href*="type=news"] .count');
		return !!n && document.getElementById("search-results").getAttribute("aria-busy") === null &&
			location.search.indexOf("formatoin") >= 0 && n.innerText === "1";
	})()`)
	b.clickAndLoad(`.search-tabs a[href*="type=news"]`)
	if p := b.path(); !strings.Contains(p, "type=news") || !strings.Contains(p, "q=Halimatou+formatoin") {
		t.Errorf("the news tab's address: %s", p)
	}
	b.waitText("#search-results .news-card", "We love ECPAT")
	if got := b.text("#search-results .news-card .card-meta"); !strings.Contains(got, "ECPAT Luxembourg") ||
		!eval[bool](b, `!!document.querySelector('#search-results .news-card time[datetime="2016-10-13"]')`) {
		t.Errorf("the article's organisation and date: %q", got)
	}
	b.axeCheck("search-news")
	b.shot("search-news")

	_ = eval[bool](b, `window.e2eSamePage = true; document.getElementById("q").value = ""; true`)
	b.do("retype", chromedp.Click(chromedp.CSS("#q"), chromedp.NodeVisible), chromedp.KeyEvent("passerelles"))
	b.waitFor("live news results", `(function(){
		var r = document.getElementById("search-results");
		return r.getAttribute("aria-busy") === null && r.innerText.indexOf("Rentrée des classes passerelles") >= 0 &&
			r.innerText.indexOf("We love ECPAT") < 0 && location.search.indexOf("type=news") >= 0;
	})()`)
	if !eval[bool](b, `window.e2eSamePage === true`) {
		t.Error("the news results came with a page load, not live")
	}
	b.shot("search-news-live")
}
