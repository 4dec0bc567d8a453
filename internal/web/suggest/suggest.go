// Package suggest serves visitors' suggestions of a correction: the
// public form linked from every profile ("Suggest a correction / report
// outdated information") and the staff's queue of every organisation's
// open suggestions, where staff accept or decline them. Owners read and
// decide their organisation's in /manage (internal/web/manage).
package suggest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/suggestions"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Pages are the suggestions' public and staff pages.
type Pages struct {
	*kit.Kit
	dir  *directory.Store
	sugg *suggestions.Store
}

// New is the group over k with the stores it uses.
func New(k *kit.Kit, dir *directory.Store, sugg *suggestions.Store) *Pages {
	return &Pages{Kit: k, dir: dir, sugg: sugg}
}

// FormPage is the data of /organisations/:slug/suggest.
type FormPage struct {
	kit.Page
	kit.Form
	Org      *directory.Profile
	Values   suggestions.Submission
	Sections []kit.Option
}

// SectionOptions are the sections a suggestion may be about, in lang,
// with selected chosen.
func SectionOptions(k *kit.Kit, lang, selected string) []kit.Option {
	out := make([]kit.Option, 0, len(suggestions.Sections))
	for _, sec := range suggestions.Sections {
		out = append(out, kit.Option{Value: sec, Label: k.Translate(lang, "truth.section."+sec), Selected: sec == selected})
	}
	return out
}

// ShowForm answers GET /organisations/:slug/suggest (?section= preselects).
func (s *Pages) ShowForm(c *gin.Context) {
	s.renderForm(c, http.StatusOK, suggestions.Submission{Section: c.Query("section")}, kit.Form{})
}

func (s *Pages) renderForm(c *gin.Context, status int, v suggestions.Submission, st kit.Form) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	org, err := s.dir.Profile(c.Request.Context(), slug, directory.ProfileOptions{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "truth.suggest.title", "", "Organisation", org.Name)
	if !ok {
		return
	}
	p := FormPage{Page: pg, Form: st.In(pg.Base), Org: org, Values: v, Sections: SectionOptions(s.Kit, pg.Lang, v.Section)}
	s.Render(c, status, "suggest_form", p)
}

// Submit answers POST /organisations/:slug/suggest: stored and mailed to
// the owners, then the confirmation; bad input comes back with each
// field's message and nothing stored; over the limit, 429 with
// Retry-After. A bot that filled the hidden field sees the same
// confirmation, and nothing is stored.
func (s *Pages) Submit(c *gin.Context) {
	r := kit.NewFormReader(c)
	slug := c.Param("slug")
	v := suggestions.Submission{OrganisationSlug: slug, Section: r.Str("section"), Body: r.Raw("body"),
		Email: r.Str("email"), Lang: kit.Lang(c), IP: c.ClientIP(), Honeypot: r.Raw("homepage")}
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	_, err := s.sugg.Submit(c.Request.Context(), s.Actor(c), v)
	switch {
	case err == nil, errors.Is(err, suggestions.ErrSpam):
		if err != nil {
			s.Logger(c).Warn("suggestion refused: honeypot")
		}
		c.Redirect(http.StatusSeeOther, "/organisations/"+slug+"/suggest/sent")
	case fault.KindOf(err) == fault.RateLimited:
		s.Logger(c).Warn("suggestion refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderForm(c, http.StatusTooManyRequests, v, kit.Form{Alert: s.Translate(kit.Lang(c), fault.Message(err))})
	default:
		s.FormFailed(c, err, r, func(status int, st kit.Form) { s.renderForm(c, status, v, st) })
	}
}

// SentPage is the confirmation after a suggestion.
type SentPage struct {
	kit.Page
	Slug string
}

// ShowSent answers GET /organisations/:slug/suggest/sent.
func (s *Pages) ShowSent(c *gin.Context) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	pg, ok := s.HeaderPage(c, "truth.suggest.sent.title", "")
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "suggest_sent", SentPage{Page: pg, Slug: slug})
}

// QueuePage is the data of /staff/suggestions.
type QueuePage struct {
	kit.Page
	kit.Form
	Queue *suggestions.QueuePage
	// Failed is the suggestion whose decision was refused (its reason's
	// message is in the Form), 0 for none.
	Failed int64
	Reason string
	Next   string
}

// ListQueue answers GET /staff/suggestions[?after=ID]: every open
// suggestion, oldest first.
func (s *Pages) ListQueue(c *gin.Context) {
	s.renderQueue(c, http.StatusOK, kit.Form{}, 0, "")
}

func (s *Pages) renderQueue(c *gin.Context, status int, st kit.Form, failed int64, reason string) {
	raw, err := kit.Query(c, "after")
	var after int64
	if err == nil && raw != "" {
		if after, err = strconv.ParseInt(raw, 10, 64); err != nil || after < 0 {
			err = fault.InvalidField("after", "param.err.page")
		}
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "truth.queue.title", "suggestions")
	if !ok {
		return
	}
	q, err := s.sugg.Queue(c.Request.Context(), after)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := QueuePage{Page: pg, Form: st.In(pg.Base), Queue: q, Failed: failed, Reason: reason}
	if q.Next != 0 {
		p.Next = fmt.Sprintf("/staff/suggestions?after=%d", q.Next)
	}
	s.Render(c, status, "staff_suggestions", p)
}

// AcceptSuggestion answers POST /staff/suggestions/:id/accept.
func (s *Pages) AcceptSuggestion(c *gin.Context) { s.decide(c, true) }

// DeclineSuggestion answers POST /staff/suggestions/:id/decline (reason
// required).
func (s *Pages) DeclineSuggestion(c *gin.Context) { s.decide(c, false) }

func (s *Pages) decide(c *gin.Context, accept bool) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	r := kit.NewFormReader(c)
	reason := r.Raw("reason")
	err := s.sugg.Decide(c.Request.Context(), s.Actor(c), 0, id, suggestions.Decision{Accept: accept, Reason: reason})
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/staff/suggestions?saved=1")
		return
	}
	s.FormFailed(c, err, r, func(status int, st kit.Form) { s.renderQueue(c, status, st, id, reason) })
}
