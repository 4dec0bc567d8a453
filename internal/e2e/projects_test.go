package e2e

import (
	"strings"
	"testing"
)

// TestProjectPageJourney: a donor on ECPAT Luxembourg's profile sees the
// office map (Luxembourg and Bamako), follows the training box's project
// card to its page — status, countries, lead office, the communiqué that
// presents it — and "Offer support to this project" opens the offer form
// with that project chosen. Every page passes axe-core (WCAG 2.1 A/AA)
// and fits a phone; the English page marks nothing as foreign it does not
// need to.
func TestProjectPageJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.acceptLanguage("fr")

	b.visit("/organisations/ecpat-luxembourg")
	if n := eval[int](b, `document.querySelectorAll("figure.office-map svg .office-marker").length`); n != 2 {
		t.Fatalf("the office map has %d markers, want Luxembourg and Bamako", n)
	}
	if labels := eval[string](b, `document.querySelector("figure.office-map svg").textContent`); !strings.Contains(labels, "Bamako") || !strings.Contains(labels, "Siège — Luxembourg") {
		t.Errorf("the office map's labels: %q", labels)
	}
	b.waitText("main", "Gestion financière et administrative du bureau de Bamako")
	b.axeCheck("profile")
	b.shot("profile")

	b.clickAndLoad(`#project-mallette-formation-esec h3 a`)
	if p := b.path(); p != "/organisations/ecpat-luxembourg/projects/mallette-formation-esec" {
		t.Fatalf("the project card led to %s", p)
	}
	if h1 := b.text("h1"); h1 != "Mallette de formation sur l'ESEC" {
		t.Fatalf("project heading %q", h1)
	}
	b.waitText(".facts", "Bureau exécutif régional — Bamako")
	b.waitText(".news-strip", "We love ECPAT")
	if ld := eval[string](b, `JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)["@type"]`); ld != "Project" {
		t.Errorf("the project's JSON-LD type is %q", ld)
	}
	b.axeCheck("project")
	b.shot("project")

	b.clickAndLoad(`.profile-head .cta a.button`)
	if p := b.path(); !strings.HasPrefix(p, "/organisations/ecpat-luxembourg/offer?project=mallette-formation-esec") {
		t.Fatalf("Offer support to this project led to %s", p)
	}
	if v := eval[string](b, `document.querySelector("#project").value`); v != "mallette-formation-esec" {
		t.Errorf("the offer form's project is %q, want the training box", v)
	}
	b.axeCheck("offer-form")
	b.shot("offer-form")

	// Sent empty, the form starts with the summary of its problems, which
	// links to the fields.
	b.clickAndLoad(`form.form button[type="submit"]`)
	if n := eval[int](b, `document.querySelectorAll('#form-alert[role="alert"] a[href="#message"]').length`); n != 1 {
		t.Errorf("the refused form's summary has %d links to the message field", n)
	}
	b.axeCheck("offer-form-refused")
	b.shot("offer-form-refused")

	b.acceptLanguage("en")
	b.visit("/organisations/ecpat-luxembourg/projects/mallette-formation-esec")
	b.waitText("main", "Offer support to this project")
	if n := eval[int](b, `document.querySelectorAll("main [lang]").length`); n != 0 {
		t.Errorf("%d elements marked with another language on the English page of a project written in both", n)
	}
	b.axeCheck("project-en")
}
