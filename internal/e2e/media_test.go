package e2e

import (
	"context"
	"testing"

	"github.com/partnerdir/partnerdir/internal/demo"
)

// TestLogosAndDocumentsPassAxe: the list's cards with the demo's logos
// (and ECPAT Luxembourg's initials), a profile with its logo and its
// public documents, and an editor's documents page with a refused upload
// pass axe-core with no serious or critical violation; the logos really
// load (a broken picture would pass axe with alt="").
func TestLogosAndDocumentsPassAxe(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	if _, err := demo.LoadMedia(context.Background(), a.dir, a.uploadDir); err != nil {
		t.Fatal(err)
	}
	a.user(t, "editor@sahel.test", "", "sahel-eau-vive")

	donor := newBrowser(t, a.URL)
	donor.visit("/organisations")
	// Lazy pictures below the fold: asked for now, then waited for.
	eval[bool](donor, `(function(){document.querySelectorAll("img.logo-card").forEach(function(i){i.loading="eager"});return true})()`)
	donor.waitFor("the card logos", `Array.from(document.querySelectorAll("img.logo-card")).filter(function(i){return i.complete && i.naturalWidth === 96}).length >= 5`)
	if got := eval[string](donor, `(function(){var c=Array.from(document.querySelectorAll(".card")).find(function(c){return c.textContent.indexOf("ECPAT Luxembourg")>=0});return c?c.querySelector(".logo-initials").textContent:""})()`); got != "EL" {
		t.Errorf("ECPAT's card shows %q, want its initials", got)
	}
	donor.axeCheck("list-logos")
	donor.shot("list-logos")

	donor.visit("/organisations/sahel-eau-vive")
	if eval[int](donor, `document.querySelectorAll("#documents-h + .documents-list a[download]").length`) != 1 {
		t.Error("the profile lists no public document")
	}
	if !eval[bool](donor, `(function(){var i=document.querySelector("img.logo-large");return !!i && i.complete && i.naturalWidth===256})()`) {
		t.Error("the profile's logo did not load")
	}
	donor.axeCheck("profile-logo-documents")
	donor.shot("profile-logo-documents")

	editor := newBrowser(t, a.URL)
	editor.login("editor@sahel.test")
	editor.visit("/manage/sahel-eau-vive/documents")
	editor.clickAndLoad(`form[enctype="multipart/form-data"] button[type="submit"]`)
	if eval[string](editor, `(document.getElementById("err-file")||{}).textContent||""`) == "" {
		t.Error("no message next to the file field after sending no file")
	}
	editor.axeCheck("manage-documents-errors")
	editor.shot("manage-documents-errors")
}
