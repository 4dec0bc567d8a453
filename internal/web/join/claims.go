package join

import (
	"errors"
	"maps"
	"net/http"
	"net/url"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/joining"
)

// ClaimPage is the data of /organisations/:slug/claim.
type ClaimPage struct {
	kit.Page
	Target *joining.Target
	// Sent is "domain" or "admin" after a request was stored.
	Sent    string
	Email   string
	Message string
	// Form's errors are message ids until renderClaim translates them
	// (their messages name the organisation's domain).
	kit.Form
	// Next is this page's address, for the sign-in and
	// sign-up links shown to anonymous visitors.
	Next string
}

// ShowClaim answers GET /organisations/:slug/claim.
func (s *Pages) ShowClaim(c *gin.Context) {
	s.renderClaim(c, http.StatusOK, ClaimPage{Sent: c.Query("sent")})
}

func (s *Pages) renderClaim(c *gin.Context, status int, p ClaimPage) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	var userID int64
	if u := s.CurrentUser(c); u != nil {
		userID = u.ID
	}
	t, err := s.join.ClaimTarget(c.Request.Context(), slug, userID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if p.Sent != "domain" && p.Sent != "admin" {
		p.Sent = ""
	}
	var ok bool
	if p.Page, ok = s.Page(c, "claim.title", "", "Name", t.Name); !ok {
		return
	}
	for field, id := range p.Errors {
		p.Errors[field] = s.Translate(p.Lang, id, "Domain", t.Domain)
	}
	p.Target = t
	p.Next = c.Request.URL.Path
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "claim", p)
}

// redrawClaim renders the claim page again for a refused request, for
// FormFailed. The field messages are translated by renderClaim, once the
// organisation (its domain) is known.
func (s *Pages) redrawClaim(c *gin.Context, err error, p ClaimPage) func(int, kit.Form) {
	return func(status int, st kit.Form) {
		if st.Conflict {
			p.Alert = st.Alert
		} else {
			p.Errors = maps.Clone(fault.FieldsOf(err))
		}
		s.renderClaim(c, status, p)
	}
}

// RequestDomainClaim answers POST /organisations/:slug/claim/domain.
func (s *Pages) RequestDomainClaim(c *gin.Context) {
	email := kit.NewFormReader(c).Str("email")
	err := s.join.RequestDomainClaim(c.Request.Context(), s.Actor(c), s.CurrentUser(c), c.Param("slug"), email)
	s.claimRequested(c, err, "domain", ClaimPage{Email: email})
}

// RequestAdminClaim answers POST /organisations/:slug/claim/admin.
func (s *Pages) RequestAdminClaim(c *gin.Context) {
	message := kit.NewFormReader(c).Raw("message")
	err := s.join.RequestAdminClaim(c.Request.Context(), s.Actor(c), s.CurrentUser(c), c.Param("slug"), message)
	s.claimRequested(c, err, "admin", ClaimPage{Message: message})
}

// claimRequested answers a claim request: the claim page saying which
// request was sent, or, refused, the page again with what was typed.
func (s *Pages) claimRequested(c *gin.Context, err error, sent string, typed ClaimPage) {
	if errors.Is(err, joining.ErrUnverified) {
		typed.Alert = s.Translate(kit.Lang(c), fault.Message(err))
		s.renderClaim(c, kit.StatusOf(err), typed)
		return
	}
	if err != nil {
		s.FormFailed(c, err, nil, s.redrawClaim(c, err, typed))
		return
	}
	c.Redirect(http.StatusSeeOther, "/organisations/"+url.PathEscape(c.Param("slug"))+"/claim?sent="+sent)
}

// ClaimConfirmPage is the page a claim link opens: one button confirms.
type ClaimConfirmPage struct {
	kit.Page
	Token string
	Link  *joining.PendingLink
	// Problem is why the link cannot be used (already translated).
	Problem string
}

// ShowClaimConfirm shows what the link claims and a button: a link
// opened by a mail scanner changes nothing.
func (s *Pages) ShowClaimConfirm(c *gin.Context) {
	token := c.Query("token")
	l, err := s.join.CheckClaimLink(c.Request.Context(), token, s.CurrentUser(c).ID)
	s.renderClaimConfirm(c, token, l, err)
}

func (s *Pages) renderClaimConfirm(c *gin.Context, token string, l *joining.PendingLink, err error) {
	lang := kit.Lang(c)
	p := ClaimConfirmPage{Token: token, Link: l}
	status := http.StatusOK
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrNotFound):
		status, p.Problem = kit.StatusOf(err), s.Translate(lang, "claim.confirm.invalid")
	case errors.Is(err, joining.ErrWrongUser), errors.Is(err, joining.ErrHasOwner), errors.Is(err, joining.ErrUnverified):
		status, p.Problem = kit.StatusOf(err), s.Translate(lang, fault.Message(err))
	default:
		s.InternalError(c, err)
		return
	}
	var ok bool
	if p.Page, ok = s.Page(c, "claim.confirm.title", ""); !ok {
		return
	}
	p.Canonical = s.BaseURL() + "/claims/confirm"
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	s.Render(c, status, "claim_confirm", p)
}

// ConfirmClaim answers POST /claims/confirm.
func (s *Pages) ConfirmClaim(c *gin.Context) {
	token := c.PostForm("token")
	slug, err := s.join.ConfirmDomainClaim(c.Request.Context(), s.Actor(c), token, s.CurrentUser(c).ID)
	if err != nil {
		s.renderClaimConfirm(c, token, nil, err)
		return
	}
	s.Logger(c).Info("organisation claimed by domain", "slug", slug)
	c.Redirect(http.StatusSeeOther, "/manage/"+url.PathEscape(slug)+"?saved=1")
}
