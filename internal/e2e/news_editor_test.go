package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// TestNewsEditorJourney: an editor of ECPAT Luxembourg writes an article,
// previews it (the page renders it beside the form, nothing stored) and
// submits it; a staff member (enrolling two-factor authentication) finds
// it through the header's link to the review queue, reads it and approves
// it; the editor's list then shows it published, and a visitor finds it on
// the organisation's profile, in /news, in search (once its index job has
// run) and in the Atom feed. Every page passes axe-core.
func TestNewsEditorJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "editor@ecpat.test", "", "ecpat-luxembourg")
	a.user(t, "staff@partners.test", accounts.RoleStaff, "")
	const title = "Une mallette de formation pour Bamako"

	ed := newBrowser(t, a.URL)
	ed.login("editor@ecpat.test")
	ed.visit("/manage/ecpat-luxembourg/news")
	ed.waitText("main", "We love ECPAT")
	ed.axeCheck("manage-news")
	ed.shot("manage-news")
	ed.clickAndLoad(`main a.button[href="/manage/ecpat-luxembourg/news/new"]`)
	ed.axeCheck("article-new")
	ed.do("write the article",
		chromedp.SendKeys(chromedp.CSS("#f-title_fr"), title),
		chromedp.SendKeys(chromedp.CSS("#f-lead_fr"), "L'équipe de Bamako forme les travailleurs sociaux."),
		chromedp.SetValue(chromedp.CSS("#f-body_fr"), "## Trois jours de formation\n\nAvec **Halimatou** et [ECPAT](https://ecpat.lu)."),
		chromedp.Click(chromedp.CSS(`input[name="themes"][value="child-protection"]`), chromedp.NodeVisible),
	)
	ed.shot("article-typed")

	var before int
	if err := a.pool.QueryRow(t.Context(), `SELECT count(*) FROM articles`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	ed.clickAndLoad(`button[name="do"][value="preview"]`)
	ed.waitText("section.preview", "Trois jours de formation")
	if h := ed.text("section.preview article h3"); h != title {
		t.Errorf("preview title %q", h)
	}
	if got := eval[string](ed, `document.querySelector("#f-title_fr").value`); got != title {
		t.Errorf("the preview lost the title: %q", got)
	}
	var after int
	if err := a.pool.QueryRow(t.Context(), `SELECT count(*) FROM articles`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the preview stored an article")
	}
	ed.axeCheck("article-preview")
	ed.shot("article-preview")

	ed.clickAndLoad(`button[name="do"][value="submit"]`)
	ed.waitText("p.notice", "Article sent to review")
	ed.axeCheck("article-submitted")
	ed.shot("article-submitted")

	st := newBrowser(t, a.URL)
	st.login("staff@partners.test")
	st.enrolTwoFactor()
	st.visit("/account")
	st.waitText(`header a[href="/staff/news"]`, "(1)")
	st.clickAndLoad(`header a[href="/staff/news"]`)
	st.waitText("main", title)
	st.axeCheck("staff-news")
	st.shot("staff-news")
	st.clickXPathAndLoad(fmt.Sprintf(`//main//a[normalize-space(.)=%q]`, title))
	st.waitText("section.preview", "Trois jours de formation")
	st.axeCheck("staff-article")
	st.shot("staff-article")
	st.clickAndLoad(`form[action$="/approve"] button[type="submit"]`)
	st.waitText("p.notice", "Article approved and published.")
	st.shot("staff-approved")

	var status string
	if err := a.pool.QueryRow(t.Context(), `SELECT a.status FROM articles a JOIN article_translations x ON x.article_id = a.id
		WHERE x.title = $1`, title).Scan(&status); err != nil {
		t.Fatal(err)
	}
	if status != "published" {
		t.Errorf("the approved article is %s", status)
	}
	ed.visit("/manage/ecpat-luxembourg/news")
	row := eval[string](ed, fmt.Sprintf(`(function(){
		var rows = Array.from(document.querySelectorAll("main table tbody tr"));
		var r = rows.find(function(r){ return r.innerText.indexOf(%s) >= 0 });
		return r ? r.innerText : "";
	})()`, js(title)))
	if !strings.Contains(row, "Published") {
		t.Errorf("the editor's list does not show the article published: %q", row)
	}
	ed.shot("manage-news-published")

	// What a visitor sees of it.
	var slug string
	if err := a.pool.QueryRow(t.Context(), `SELECT a.slug FROM articles a JOIN article_translations x ON x.article_id = a.id
		WHERE x.title = $1`, title).Scan(&slug); err != nil {
		t.Fatal(err)
	}
	link := fmt.Sprintf(`a[href="/news/%s"]`, slug)
	v := newBrowser(t, a.URL)
	v.acceptLanguage("fr")
	v.visit("/organisations/ecpat-luxembourg")
	v.waitText(link, title)
	v.visit("/news")
	v.waitText(link, title)
	v.axeCheck("news-with-new-article")
	v.clickAndLoad("main " + link)
	if h1 := v.text("h1"); h1 != title {
		t.Errorf("the article's page is headed %q", h1)
	}
	v.waitText("main", "Trois jours de formation")
	v.axeCheck("new-article")
	v.shot("new-article")
	// The index job runs in the background: the search finds the article
	// once it has (the job gets a deadline of its own: see waitIndexJobs).
	waitIndexJobs(t, a, 3*stepTimeout)
	found := false
	for deadline := time.Now().Add(stepTimeout); !found && time.Now().Before(deadline); {
		v.visit("/search?type=news&q=mallette+formation")
		if found = eval[bool](v, fmt.Sprintf(`!!document.querySelector('#search-results .news-card %s')`, link)); !found {
			time.Sleep(500 * time.Millisecond)
		}
	}
	if !found {
		t.Fatalf("search does not find the approved article after %s", stepTimeout)
	}
	v.axeCheck("search-new-article")
	v.shot("search-new-article")

	res, err := http.Get(a.URL + "/news.atom")
	if err != nil {
		t.Fatal(err)
	}
	feed, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("/news.atom: %d, %v", res.StatusCode, err)
	}
	if !strings.Contains(string(feed), "<title>"+title+"</title>") || !strings.Contains(string(feed), "/news/"+slug) {
		t.Errorf("the feed does not carry the new article:\n%s", feed)
	}
}
