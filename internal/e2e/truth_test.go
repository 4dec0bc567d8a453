package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// owner creates a user who owns the organisation with slug org.
func (a *app) owner(t *testing.T, email, org string) int64 {
	t.Helper()
	id := a.user(t, email, "", org)
	if _, err := a.pool.Exec(context.Background(), `UPDATE memberships SET role = 'owner' WHERE user_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSuggestionJourney: a visitor suggests a correction on ECPAT
// Luxembourg's profile; the owner is mailed, signs in, edits the profile
// as suggested and accepts the suggestion; the profile shows the change
// and the History page shows the old and the new value. Every page of it
// passes axe-core.
func TestSuggestionJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.owner(t, "owner@ecpat.test", "ecpat-luxembourg")
	const added = "Depuis 2024, les formations ont aussi lieu à Ségou."

	visitor := newBrowser(t, a.URL)
	visitor.visit("/organisations/ecpat-luxembourg")
	visitor.clickAndLoad(`a[href="/organisations/ecpat-luxembourg/suggest"]`)
	visitor.axeCheck("suggest-form")
	visitor.shot("suggest-form")
	// A link is refused, with the message at the field and the text kept.
	visitor.do("fill the suggestion with a link",
		chromedp.SetValue(chromedp.CSS("#f-section"), "description"),
		chromedp.SendKeys(chromedp.CSS("#f-body"), "Voir https://example.org/ecpat"),
	)
	visitor.clickAndLoad(`main form button[type="submit"]`)
	visitor.waitText("#err-body", "")
	visitor.axeCheck("suggest-form-error")
	visitor.shot("suggest-form-error")
	visitor.do("write the correction",
		chromedp.SetValue(chromedp.CSS("#f-body"), "Il manque une phrase à la description : « "+added+" »"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "visiteur@example.org"),
	)
	visitor.clickAndLoad(`main form button[type="submit"]`)
	if p := visitor.path(); p != "/organisations/ecpat-luxembourg/suggest/sent" {
		t.Fatalf("after sending: %s\n%s", p, visitor.text("main"))
	}
	visitor.axeCheck("suggest-sent")
	visitor.shot("suggest-sent")

	// The owner's mail links to the organisation's suggestions.
	link := a.mailedLink(t, "owner@ecpat.test", "/manage/ecpat-luxembourg/sugg")
	owner := newBrowser(t, a.URL)
	owner.login("owner@ecpat.test")
	owner.visit(link)
	owner.waitText("main", added)
	owner.axeCheck("manage-suggestions")
	owner.shot("manage-suggestions")

	// The owner makes the change through the profile form…
	owner.visit("/manage/ecpat-luxembourg")
	eval[bool](owner, `(() => { for (const id of ["#f-description_fr", "#f-description_en"]) {
		const e = document.querySelector(id); e.value = e.value.trimEnd() + " `+added+`"; } return true })()`)
	owner.clickAndLoad(`main form.form[action="/manage/ecpat-luxembourg"] button[type="submit"]`)
	if n := eval[int](owner, `document.querySelectorAll(".field-error, .alert").length`); n > 0 {
		t.Fatalf("the profile was refused:\n%s", owner.text("main"))
	}
	// …then marks the suggestion accepted.
	owner.visit("/manage/ecpat-luxembourg/suggestions")
	owner.clickAndLoad(`form[action$="/accept"] button`)
	owner.waitText("main", "Accepted")
	owner.shot("suggestion-accepted")

	visitor.visit("/organisations/ecpat-luxembourg")
	visitor.waitText("main", added)
	visitor.shot("profile-corrected")

	owner.visit("/manage/ecpat-luxembourg/history")
	owner.axeCheck("manage-history")
	owner.shot("history")
	row := eval[string](owner, `(() => { const r = [...document.querySelectorAll(".history-entry tr")].find(r => r.querySelector("th[scope=row]")?.textContent.startsWith("Description (French)")); return r ? r.querySelector(".old").textContent + "|" + r.querySelector(".new").textContent : "" })()`)
	old, now, ok := strings.Cut(row, "|")
	if !ok || strings.Contains(old, added) || !strings.HasSuffix(strings.TrimSpace(now), added) || old == "—" {
		t.Fatalf("History's description row: %q", row)
	}
	if !strings.Contains(owner.text("main"), "Suggestion accepted") {
		t.Errorf("History lacks the acceptance:\n%s", owner.text("main"))
	}
	// The suggester is told too.
	a.mailedLink(t, "visiteur@example.org", "/organisations/ecpat-")
}

// TestOwnerRemovesAMemberJourney: ECPAT's owner removes an editor from
// the access page; the editor's pages close; the owner cannot remove
// themselves as the last owner, and is told why. The pages pass axe-core.
func TestOwnerRemovesAMemberJourney(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	ownerID := a.owner(t, "owner@ecpat.test", "ecpat-luxembourg")
	editorID := a.user(t, "fabienne@ecpat.test", "", "ecpat-luxembourg")
	editor := newBrowser(t, a.URL)
	editor.login("fabienne@ecpat.test")
	editor.visit("/manage/ecpat-luxembourg")
	editor.waitText("h1", "ECPAT Luxembourg")

	owner := newBrowser(t, a.URL)
	owner.login("owner@ecpat.test")
	owner.visit("/manage/ecpat-luxembourg/access")
	owner.waitText("main", "fabienne@ecpat.test")
	owner.axeCheck("manage-access")
	owner.shot("access")
	owner.clickAndLoad(fmt.Sprintf(`form[action="/manage/ecpat-luxembourg/access/%d/delete"] button`, editorID))
	owner.waitText("main", "")
	if strings.Contains(owner.text("main table"), "fabienne@ecpat.test") {
		t.Fatalf("the removed member is still listed:\n%s", owner.text("main"))
	}
	owner.shot("member-removed")
	// The last owner cannot leave.
	owner.clickAndLoad(fmt.Sprintf(`form[action="/manage/ecpat-luxembourg/access/%d/delete"] button`, ownerID))
	owner.waitText("#team-refusal", "at least one owner")
	owner.axeCheck("manage-access-refusal")
	owner.shot("last-owner-refused")

	editor.visit("/manage/ecpat-luxembourg")
	if !strings.Contains(strings.ToLower(editor.text("main")), "not found") {
		t.Errorf("the removed editor still reaches the pages:\n%s", editor.text("main"))
	}
	var n int
	if err := a.pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'membership.revoke' AND entity_id = $1`, editorID).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d audited removals (%v), want 1", n, err)
	}
}
