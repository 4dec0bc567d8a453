package account

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// AccountPage is the data of /account: who is signed in, whether their
// address is proven, and their organisations (with those that wait for
// the proof).
type AccountPage struct {
	kit.Page
	Memberships []accounts.Membership
	// Notice is the message id of the last action's outcome.
	Notice string
	// Alert is why the last action was refused (translated).
	Alert string
}

// accountNotices are the outcomes /account may announce.
var accountNotices = map[string]string{"sent": "account.verify.sent", "verified": "account.verify.done"}

// ShowAccount answers GET /account.
func (s *Pages) ShowAccount(c *gin.Context) {
	s.renderAccount(c, http.StatusOK, accountNotices[c.Query("done")], "")
}

func (s *Pages) renderAccount(c *gin.Context, status int, notice, alert string) {
	pg, ok := s.Page(c, "account.title", "account")
	if !ok {
		return
	}
	ms, err := s.acc.HeldMemberships(c.Request.Context(), pg.User.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, status, "account", AccountPage{Page: pg, Memberships: ms, Notice: notice, Alert: alert})
}

// ResendVerification answers POST /account/verify/resend: a new link to
// the address, unless one went out a moment ago (or too many today).
func (s *Pages) ResendVerification(c *gin.Context) {
	u := s.CurrentUser(c)
	err := s.acc.ResendVerification(c.Request.Context(), s.Actor(c), u.ID, kit.Lang(c))
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/account?done=sent")
	case errors.Is(err, accounts.ErrVerifyLimited):
		c.Header("Retry-After", "300")
		s.renderAccount(c, kit.StatusOf(err), "", s.Translate(kit.Lang(c), fault.Message(err)))
	case errors.Is(err, accounts.ErrAlreadyVerified):
		s.renderAccount(c, kit.StatusOf(err), "", s.Translate(kit.Lang(c), fault.Message(err)))
	default:
		s.Fail(c, err)
	}
}

// LinkPage is the page a mailed link opens (address verification, pending
// invitation): what it does and one button, so a link opened by a mail
// scanner changes nothing; or why it cannot be used.
type LinkPage struct {
	kit.Page
	Token string
	// Invitation is what a pending invitation grants.
	Invitation *accounts.PendingInvitation
	// Problem is why the link cannot be used (translated).
	Problem string
}

// linkPage renders page for token after err (nil: usable). invalid is
// the message of an unknown, used or expired link.
func (s *Pages) linkPage(c *gin.Context, page, titleID, invalid, token string, inv *accounts.PendingInvitation, err error) {
	lang := kit.Lang(c)
	p := LinkPage{Token: token, Invitation: inv}
	status := http.StatusOK
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrNotFound):
		status, p.Problem = http.StatusNotFound, s.Translate(lang, invalid)
	case errors.Is(err, accounts.ErrLinkNotYours):
		status, p.Problem = kit.StatusOf(err), s.Translate(lang, fault.Message(err))
	default:
		s.InternalError(c, err)
		return
	}
	var ok bool
	if p.Page, ok = s.Page(c, titleID, ""); !ok {
		return
	}
	// The token is in the address: keep it out of Referer headers.
	c.Header("Referrer-Policy", "no-referrer")
	s.Render(c, status, page, p)
}

// ShowVerifyLink answers GET /account/verify: the signed-in owner of the
// link confirms with a button.
func (s *Pages) ShowVerifyLink(c *gin.Context) {
	token := c.Query("token")
	err := s.acc.CheckVerifyLink(c.Request.Context(), token, s.CurrentUser(c).ID)
	s.linkPage(c, "account_verify", "account.verify.title", "account.verify.invalid", token, nil, err)
}

// VerifyEmail answers POST /account/verify.
func (s *Pages) VerifyEmail(c *gin.Context) {
	token := kit.NewFormReader(c).Raw("token")
	err := s.acc.VerifyEmail(c.Request.Context(), s.Actor(c), token, s.CurrentUser(c).ID)
	if err != nil {
		s.linkPage(c, "account_verify", "account.verify.title", "account.verify.invalid", token, nil, err)
		return
	}
	s.Logger(c).Info("email address verified", "user_id", s.CurrentUser(c).ID)
	c.Redirect(http.StatusSeeOther, "/account?done=verified")
}

// ShowInvitation answers GET /invitation/accept: the organisation and the
// role a pending invitation grants, and the button that accepts it.
func (s *Pages) ShowInvitation(c *gin.Context) {
	token := c.Query("token")
	inv, err := s.acc.CheckInvitation(c.Request.Context(), token, s.CurrentUser(c).ID)
	s.linkPage(c, "invitation_accept", "account.invite.title", "account.invite.invalid", token, inv, err)
}

// AcceptInvitation answers POST /invitation/accept.
func (s *Pages) AcceptInvitation(c *gin.Context) {
	token := kit.NewFormReader(c).Raw("token")
	inv, err := s.acc.AcceptInvitation(c.Request.Context(), s.Actor(c), token, s.CurrentUser(c).ID)
	if err != nil {
		s.linkPage(c, "invitation_accept", "account.invite.title", "account.invite.invalid", token, nil, err)
		return
	}
	s.Logger(c).Info("invitation accepted", "organisation", inv.OrganisationID)
	c.Redirect(http.StatusSeeOther, "/manage/"+url.PathEscape(inv.OrganisationSlug))
}
