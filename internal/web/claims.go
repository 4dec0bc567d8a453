package web

import (
	"errors"
	"maps"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/joining"
)

// ClaimPage is the data of /organisations/:slug/claim.
type ClaimPage struct {
	Page
	Target *joining.Target
	// Sent is "domain" or "admin" after a request was stored.
	Sent    string
	Email   string
	Message string
	// Form's errors are message ids until renderClaim translates them
	// (their messages name the organisation's domain).
	Form
	// Next is this page's address, for the sign-in and
	// sign-up links shown to anonymous visitors.
	Next string
}

func (s *joiningPages) showClaim(c *gin.Context) {
	s.renderClaim(c, http.StatusOK, ClaimPage{Sent: c.Query("sent")})
}

func (s *joiningPages) renderClaim(c *gin.Context, status int, p ClaimPage) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.fail(c, fault.ErrNotFound)
		return
	}
	var userID int64
	if u := s.currentUser(c); u != nil {
		userID = u.ID
	}
	t, err := s.join.ClaimTarget(c.Request.Context(), slug, userID)
	if err != nil {
		s.fail(c, err)
		return
	}
	if p.Sent != "domain" && p.Sent != "admin" {
		p.Sent = ""
	}
	var ok bool
	if p.Page, ok = s.page(c, "claim.title", "", "Name", t.Name); !ok {
		return
	}
	for field, id := range p.Errors {
		p.Errors[field] = s.tr.T(p.Lang, id, "Domain", t.Domain)
	}
	p.Target = t
	p.Next = c.Request.URL.Path
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "claim", p)
}

// redrawClaim renders the claim page again for a refused request, for
// formFailed. The field messages are translated by renderClaim, once the
// organisation (its domain) is known.
func (s *joiningPages) redrawClaim(c *gin.Context, err error, p ClaimPage) func(int, Form) {
	return func(status int, st Form) {
		if st.Conflict {
			p.Alert = st.Alert
		} else {
			p.Errors = maps.Clone(fault.FieldsOf(err))
		}
		s.renderClaim(c, status, p)
	}
}

func (s *joiningPages) requestDomainClaim(c *gin.Context) {
	email := newFormReader(c).str("email")
	err := s.join.RequestDomainClaim(c.Request.Context(), s.actor(c), s.currentUser(c), c.Param("slug"), email)
	s.claimRequested(c, err, "domain", ClaimPage{Email: email})
}

func (s *joiningPages) requestAdminClaim(c *gin.Context) {
	message := newFormReader(c).raw("message")
	err := s.join.RequestAdminClaim(c.Request.Context(), s.actor(c), s.currentUser(c), c.Param("slug"), message)
	s.claimRequested(c, err, "admin", ClaimPage{Message: message})
}

// claimRequested answers a claim request: the claim page saying which
// request was sent, or, refused, the page again with what was typed.
func (s *joiningPages) claimRequested(c *gin.Context, err error, sent string, typed ClaimPage) {
	if err != nil {
		s.formFailed(c, err, nil, s.redrawClaim(c, err, typed))
		return
	}
	c.Redirect(http.StatusSeeOther, "/organisations/"+url.PathEscape(c.Param("slug"))+"/claim?sent="+sent)
}

// ClaimConfirmPage is the page a claim link opens: one button confirms.
type ClaimConfirmPage struct {
	Page
	Token string
	Link  *joining.PendingLink
	// Problem is why the link cannot be used (already translated).
	Problem string
}

// showClaimConfirm shows what the link claims and a button: a link
// opened by a mail scanner changes nothing.
func (s *joiningPages) showClaimConfirm(c *gin.Context) {
	token := c.Query("token")
	l, err := s.join.CheckClaimLink(c.Request.Context(), token, s.currentUser(c).ID)
	s.renderClaimConfirm(c, token, l, err)
}

func (s *joiningPages) renderClaimConfirm(c *gin.Context, token string, l *joining.PendingLink, err error) {
	lang := c.GetString(ctxLang)
	p := ClaimConfirmPage{Token: token, Link: l}
	status := http.StatusOK
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrNotFound):
		status, p.Problem = statusOf(err), s.tr.T(lang, "claim.confirm.invalid")
	case errors.Is(err, joining.ErrWrongUser), errors.Is(err, joining.ErrHasOwner):
		status, p.Problem = statusOf(err), s.tr.T(lang, fault.Message(err))
	default:
		s.internalError(c, err)
		return
	}
	var ok bool
	if p.Page, ok = s.page(c, "claim.confirm.title", ""); !ok {
		return
	}
	p.Canonical = s.baseURL + "/claims/confirm"
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	s.render(c, status, "claim_confirm", p)
}

func (s *joiningPages) confirmClaim(c *gin.Context) {
	token := c.PostForm("token")
	slug, err := s.join.ConfirmDomainClaim(c.Request.Context(), s.actor(c), token, s.currentUser(c).ID)
	if err != nil {
		s.renderClaimConfirm(c, token, nil, err)
		return
	}
	s.logger(c).Info("organisation claimed by domain", "slug", slug)
	c.Redirect(http.StatusSeeOther, "/manage/"+url.PathEscape(slug)+"?saved=1")
}
