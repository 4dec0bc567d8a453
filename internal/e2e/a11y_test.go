package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestMainPagesPassAxe runs axe-core (WCAG 2.1 A and AA, contrast
// included) on the main pages that the journeys do not visit (they check
// home, search, profile, offer form and confirmation, the editor's
// projects, the staff inbox and offer page): no serious or critical
// violation.
func TestMainPagesPassAxe(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.user(t, "editor@ecpat.test", "", "ecpat-luxembourg")

	donor := newBrowser(t, a.URL)
	donor.axeCheckPages([]sitePage{
		{"list", "/organisations"},
		{"country", "/countries/ML"},
		{"login", "/login"},
		{"privacy", "/privacy"},
		{"api", "/api"},
		{"not-found", "/organisations/nobody-here"},
	})
	// The offer form with its errors.
	donor.visit("/organisations/ecpat-luxembourg/offer")
	donor.clickAndLoad(`form.form button[type="submit"]`)
	donor.axeCheck("offer-form-errors")
	donor.shot("offer-form-errors")

	editor := newBrowser(t, a.URL)
	editor.login("editor@ecpat.test")
	editor.axeCheckPages([]sitePage{
		{"manage-list", "/manage"},
		{"manage-profile", "/manage/ecpat-luxembourg"},
		{"manage-offers", "/manage/offers"},
	})
}

// fillOffer fills the offer form with a volunteering offer, by mouse.
func fillOffer(b *browser) {
	b.t.Helper()
	b.do("fill the offer form",
		chromedp.Click(chromedp.CSS(`input[name="kind"][value="volunteering"]`), chromedp.NodeVisible),
		chromedp.SetValue(chromedp.CSS("#message"), "Je peux aider le samedi matin."),
		chromedp.SetValue(chromedp.CSS("#name"), "Marie Dupont"),
		chromedp.SetValue(chromedp.CSS("#email"), "marie.dupont@example.com"),
	)
	if !eval[bool](b, `document.querySelector('input[name="consent"]').checked`) {
		b.do("consent", chromedp.Click(chromedp.CSS(`input[name="consent"]`), chromedp.NodeVisible))
	}
}

// focused describes the focused element: tag, type, name and value.
func (b *browser) focused() string {
	b.t.Helper()
	return eval[string](b, `(function(){var e=document.activeElement;if(!e)return "";return [e.tagName.toLowerCase(), e.type||"", e.name||e.id||"", e.value||""].join(" ")})()`)
}

// focusVisible reports whether the focused element shows a focus ring
// (an outline or a box shadow of its own, or one on the label around it).
func (b *browser) focusVisible() bool {
	b.t.Helper()
	return eval[bool](b, `(function(){
		function ring(e){ if(!e) return false; var s=getComputedStyle(e);
			return (s.outlineStyle!=="none" && parseFloat(s.outlineWidth)>0) || (s.boxShadow && s.boxShadow!=="none"); }
		var e=document.activeElement; return ring(e) || ring(e && e.closest("label"));
	})()`)
}

// TestOfferFormByKeyboard fills and sends the offer form with the
// keyboard alone (Tab, arrows, Space, typing, Enter); every control shows
// where the focus is.
func TestOfferFormByKeyboard(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	b := newBrowser(t, a.URL)
	b.visit("/organisations/ecpat-luxembourg/offer")

	typed := map[string]string{
		"message": "Bénévolat le samedi, par le clavier seulement.",
		"name":    "Keyboard Donor",
		"email":   "keyboard@example.com",
	}
	done := map[string]bool{}
	for i := 0; i < 60 && !done["submit"]; i++ {
		b.do("Tab", chromedp.KeyEvent("\t"))
		f := b.focused()
		if f == "" || strings.HasPrefix(f, "body") {
			continue
		}
		if !b.focusVisible() {
			t.Errorf("focus is not visible on %q", f)
		}
		parts := strings.SplitN(f, " ", 4)
		tag, typ, name := parts[0], parts[1], parts[2]
		switch {
		case name == "kind" && !done["kind"]:
			// The first choice has the focus; the arrow moves to
			// volunteering and selects it.
			for j := 0; j < 6 && !strings.HasSuffix(b.focused(), " volunteering"); j++ {
				b.do("ArrowRight", chromedp.KeyEvent(kb.ArrowRight))
			}
			done["kind"] = true
		case typed[name] != "" && !done[name]:
			b.do("type "+name, chromedp.KeyEvent(typed[name]))
			done[name] = true
		case name == "consent" && !done["consent"]:
			b.do("Space", chromedp.KeyEvent(" "))
			done["consent"] = true
		case tag == "button" && typ == "submit":
			for _, k := range []string{"kind", "message", "name", "email", "consent"} {
				if !done[k] {
					t.Fatalf("reached the submit button without passing %s", k)
				}
			}
			b.keyAndLoad("\r")
			done["submit"] = true
		}
	}
	if !done["submit"] {
		t.Fatalf("never reached the submit button with Tab; done %v", done)
	}
	if p := b.path(); !strings.HasPrefix(p, "/organisations/ecpat-luxembourg/offer/sent") {
		t.Fatalf("sending by keyboard led to %s:\n%s", p, b.text("main"))
	}
	b.shot("offer-sent-by-keyboard")
	ref := b.text(".reference strong")
	var kind, message string
	if err := a.pool.QueryRow(t.Context(), `SELECT support_kind, message FROM offers WHERE reference = $1`, ref).Scan(&kind, &message); err != nil {
		t.Fatalf("offer %s: %v", ref, err)
	}
	if kind != "volunteering" || message != typed["message"] {
		t.Errorf("stored offer: kind %q, message %q", kind, message)
	}
}
