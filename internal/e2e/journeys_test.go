package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/partnerdir/partnerdir/internal/accounts"
)

// TestEditorJourney: an NGO editor signs in, adds a project to their
// organisation, and a visitor then finds the organisation by the
// project's title through search (the index worker updates Meilisearch
// behind the scenes). The editor's pages pass axe-core.
func TestEditorJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "editor@ecpat.test", "", "ecpat-luxembourg")
	b := newBrowser(t, a.URL)
	b.login("editor@ecpat.test")
	b.shot("signed-in")

	b.visit("/manage/ecpat-luxembourg/projects")
	b.axeCheck("manage-projects")
	b.shot("projects")
	b.visit("/manage/ecpat-luxembourg/projects/new")
	b.axeCheck("manage-project-new")
	status := eval[string](b, `document.querySelector("#f-status option[value]:not([value=''])").value`)
	b.do("fill the project",
		chromedp.SendKeys(chromedp.CSS("#f-title"), "Écoles refuges de Ségou"),
		chromedp.SendKeys(chromedp.CSS("#f-slug"), "ecoles-refuges-segou"),
		chromedp.SetValue(chromedp.CSS("#f-status"), status),
		chromedp.SendKeys(chromedp.CSS("#f-summary_fr"), "Des salles de classe sûres pour les enfants déplacés de la région de Ségou."),
		chromedp.SendKeys(chromedp.CSS("#f-summary_en"), "Safe classrooms for displaced children around Ségou."),
	)
	b.shot("project-new")
	b.clickAndLoad(`main form.form button[type="submit"]`)
	if n := eval[int](b, `document.querySelectorAll(".field-error, .alert").length`); n > 0 {
		t.Fatalf("the project was refused:\n%s", b.text("main"))
	}
	b.waitText("main", "Écoles refuges de Ségou")
	b.shot("project-saved")

	// A visitor finds the organisation through the new project, once the
	// index job has run. Under a loaded machine (make test runs every
	// package at once against one Meilisearch) the job may wait for the
	// engine longer than a browser step: it gets a deadline of its own.
	waitIndexJobs(t, a, 3*stepTimeout)
	visitor := newBrowser(t, a.URL)
	deadline := time.Now().Add(stepTimeout)
	for {
		visitor.visit("/search?q=" + "refuges%20S%C3%A9gou")
		if strings.Contains(visitor.text("#search-results"), "ECPAT Luxembourg") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new project is not found by search after %s:\n%s", stepTimeout, visitor.text("#search-results"))
		}
		time.Sleep(250 * time.Millisecond)
	}
	visitor.shot("search-finds-project")
	visitor.clickAndLoad(`#search-results a[href="/organisations/ecpat-luxembourg"]`)
	visitor.waitText("main", "Écoles refuges de Ségou")
	visitor.shot("profile-with-project")
}

// TestStaffJourney: a donor's offer arrives; a staff member signs in
// (enrolling two-factor authentication, which staff must), opens the
// offer from the inbox and takes it through review to accepted. The
// inbox and the offer page pass axe-core.
func TestStaffJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "staff@partners.test", accounts.RoleStaff, "")

	donor := newBrowser(t, a.URL)
	donor.visit("/organisations/ecpat-luxembourg/offer")
	fillOffer(donor)
	donor.clickAndLoad(`form.form button[type="submit"]`)
	ref := donor.text(".reference strong")

	b := newBrowser(t, a.URL)
	b.login("staff@partners.test")
	b.enrolTwoFactor()
	b.shot("two-factor-enrolled")
	b.visit("/staff/offers")
	b.waitText("main", ref)
	b.axeCheck("staff-inbox")
	b.shot("inbox")
	b.clickXPathAndLoad(fmt.Sprintf(`//main//a[contains(normalize-space(.), %q)]`, ref))
	if h1 := b.text("h1"); !strings.Contains(h1, ref) {
		t.Fatalf("offer page heading %q, want %s", h1, ref)
	}
	b.axeCheck("staff-offer")
	b.shot("offer")
	for _, status := range []string{"in_review", "forwarded", "accepted"} {
		b.clickXPathAndLoad(fmt.Sprintf(`//form[.//input[@name="status" and @value=%q]]//button`, status))
	}
	var got string
	if err := a.pool.QueryRow(t.Context(), `SELECT status FROM offers WHERE reference = $1`, ref).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "accepted" {
		t.Errorf("offer %s is %q, want accepted", ref, got)
	}
	b.shot("offer-accepted")
}

// TestLiveSearch: on the search page the results follow the donor's
// typing without a page load, and the address follows the query.
func TestLiveSearch(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.visit("/search")
	b.shot("search-empty")
	before := eval[int](b, `document.querySelectorAll("#search-results .card").length`)
	if before < 2 {
		t.Fatalf("the empty search lists %d organisations, want several", before)
	}
	// A page load would forget this.
	_ = eval[bool](b, `window.e2eSamePage = true`)
	b.do("type", chromedp.Click(chromedp.CSS("#q"), chromedp.NodeVisible), chromedp.KeyEvent("ecpta"))
	b.waitFor("live results", fmt.Sprintf(`(function(){
		var r = document.getElementById("search-results");
		var n = document.querySelectorAll("#search-results .card").length;
		return !!r && r.getAttribute("aria-busy") === null && n >= 1 && n < %d &&
			r.innerText.indexOf("ECPAT Luxembourg") >= 0 && location.search.indexOf("q=ecpta") >= 0;
	})()`, before))
	if !eval[bool](b, `window.e2eSamePage === true`) {
		t.Error("the results came with a page load, not live")
	}
	b.shot("search-live")
}

// waitIndexJobs waits until no search index job of the app is waiting,
// running or being retried.
func waitIndexJobs(t *testing.T, a *app, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var pending int
		if err := a.pool.QueryRow(t.Context(), `SELECT count(*) FROM river_job
			WHERE kind IN ('index_organisation', 'index_document') AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d search index jobs still pending after %s", pending, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
