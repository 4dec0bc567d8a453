package manage

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/suggestions"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// SetSuggestions gives the pages the store of visitors' suggestions (the
// organisation's list and its decisions). The wiring calls it once, right
// after New.
func (s *Pages) SetSuggestions(st *suggestions.Store) { s.sugg = st }

// SuggestionsPage is the data of /manage/:org/suggestions: what visitors
// suggested, open ones first, each accepted once the change is made
// through the edit pages, or declined with a reason.
type SuggestionsPage struct {
	ManagePage
	Suggestions []suggestions.Suggestion
	// Failed is the suggestion whose decision was refused, Reason what
	// was typed for it.
	Failed int64
	Reason string
}

// ListSuggestions answers GET /manage/:org/suggestions (owners, editors
// and the platform team).
func (s *Pages) ListSuggestions(c *gin.Context) {
	s.renderSuggestions(c, http.StatusOK, kit.Form{}, 0, "")
}

func (s *Pages) renderSuggestions(c *gin.Context, status int, st kit.Form, failed int64, reason string) {
	mp, ok := s.managePage(c, "truth.suggestions.title", "suggestions", st)
	if !ok {
		return
	}
	list, err := s.sugg.ForOrganisation(c.Request.Context(), mp.Org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, status, "manage_suggestions", SuggestionsPage{ManagePage: mp, Suggestions: list, Failed: failed, Reason: reason})
}

// AcceptSuggestion answers POST /manage/:org/suggestions/:id/accept.
func (s *Pages) AcceptSuggestion(c *gin.Context) { s.decideSuggestion(c, true) }

// DeclineSuggestion answers POST /manage/:org/suggestions/:id/decline.
func (s *Pages) DeclineSuggestion(c *gin.Context) { s.decideSuggestion(c, false) }

// decideSuggestion decides one of this organisation's suggestions; another
// organisation's is a 404.
func (s *Pages) decideSuggestion(c *gin.Context, accept bool) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	org := s.ManagedOrg(c)
	r := kit.NewFormReader(c)
	reason := r.Raw("reason")
	err := s.sugg.Decide(c.Request.Context(), s.Actor(c), org.ID, id, suggestions.Decision{Accept: accept, Reason: reason})
	if err == nil {
		kit.RedirectSaved(c, org, "/suggestions")
		return
	}
	s.FormFailed(c, err, r, func(status int, st kit.Form) { s.renderSuggestions(c, status, st, id, reason) })
}
