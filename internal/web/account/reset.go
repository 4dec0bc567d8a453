package account

import (
	"errors"
	"net/http"
	"strings"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// ForgotPage is the data of the "forgot your password" page.
type ForgotPage struct {
	kit.Page
	Email string
	Sent  bool
	// Error is the message id of a refusal (too many requests from the
	// visitor's address).
	Error string
}

// ShowForgotPassword answers GET /password/forgot.
func (s *Pages) ShowForgotPassword(c *gin.Context) {
	s.renderForgot(c, ForgotPage{})
}

func (s *Pages) renderForgot(c *gin.Context, p ForgotPage) {
	s.renderForgotStatus(c, http.StatusOK, p)
}

func (s *Pages) renderForgotStatus(c *gin.Context, status int, p ForgotPage) {
	var ok bool
	if p.Page, ok = s.Page(c, "auth.forgot.title", ""); !ok {
		return
	}
	s.Render(c, status, "login_forgot", p)
}

// RequestPasswordReset answers the same whether or not the address has an
// account, so the form cannot be used to find out who is registered: an
// email that asked too often gets the same answer (and no mail). Only too
// many requests from the visitor's own address, counted before anything
// is looked up, get a 429.
func (s *Pages) RequestPasswordReset(c *gin.Context) {
	email := kit.NewFormReader(c).Str("email")
	if len(email) <= 254 && strings.Contains(email, "@") {
		err := s.acc.RequestPasswordReset(c.Request.Context(), email, kit.Lang(c), c.ClientIP(), kit.RequestID(c))
		switch {
		case errors.Is(err, accounts.ErrResetsPerEmail):
			s.Logger(c).Warn("password reset not sent: too many for this email")
		case errors.Is(err, accounts.ErrTokenLimited):
			s.Logger(c).Warn("password reset refused", "err", err)
			kit.SetRetryAfter(c, err)
			s.renderForgotStatus(c, kit.StatusOf(err), ForgotPage{Email: email, Error: fault.Message(err)})
			return
		case err != nil:
			s.InternalError(c, err)
			return
		}
	}
	s.renderForgot(c, ForgotPage{Email: email, Sent: true})
}

// TokenPage is the data of the page that sets a password from a reset or
// invitation link.
type TokenPage struct {
	kit.Page
	Token  string
	Action string
	User   *accounts.User
	Error  string
	// Invalid means the link is unknown, used or expired.
	Invalid bool
}

func (s *Pages) tokenPage(c *gin.Context, invite bool, status int, p TokenPage) {
	title, action := "auth.reset.title", "/password/reset"
	if invite {
		title, action = "auth.invite.title", "/invitation"
	}
	var ok bool
	if p.Page, ok = s.Page(c, title, ""); !ok {
		return
	}
	p.Action = action
	// The token is in the address: keep it out of Referer headers.
	c.Header("Referrer-Policy", "no-referrer")
	s.Render(c, status, "login_reset", p)
}

// ShowTokenForm answers GET /invitation and GET /password/reset.
func (s *Pages) ShowTokenForm(invite bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.Query("token")
		u, err := s.acc.CheckToken(c.Request.Context(), token, invite)
		if errors.Is(err, fault.ErrNotFound) || len(token) > 100 {
			s.tokenPage(c, invite, http.StatusNotFound, TokenPage{Invalid: true})
			return
		}
		if err != nil {
			s.InternalError(c, err)
			return
		}
		s.tokenPage(c, invite, http.StatusOK, TokenPage{Token: token, User: u})
	}
}

// RedeemToken answers POST /invitation and POST /password/reset.
func (s *Pages) RedeemToken(invite bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := kit.NewFormReader(c)
		token, password := f.Raw("token"), f.Raw("password")
		if password != f.Raw("password_again") {
			u, _ := s.acc.CheckToken(c.Request.Context(), token, invite)
			s.tokenPage(c, invite, http.StatusUnprocessableEntity, TokenPage{Token: token, User: u, Error: "auth.password.mismatch"})
			return
		}
		_, err := s.acc.RedeemToken(c.Request.Context(), token, invite, password, c.ClientIP(), kit.RequestID(c))
		switch {
		case errors.Is(err, accounts.ErrTokenLimited), errors.Is(err, accounts.ErrBusy):
			// The link was not looked at: the form stays, with the refusal.
			s.Logger(c).Warn("link redemption refused", "err", err)
			kit.SetRetryAfter(c, err)
			s.tokenPage(c, invite, kit.StatusOf(err), TokenPage{Token: token, Error: fault.Message(err)})
		case errors.Is(err, fault.ErrInvalid):
			u, _ := s.acc.CheckToken(c.Request.Context(), token, invite)
			s.tokenPage(c, invite, http.StatusUnprocessableEntity, TokenPage{Token: token, User: u, Error: "auth.password.weak"})
		case errors.Is(err, fault.ErrNotFound):
			s.tokenPage(c, invite, kit.StatusOf(err), TokenPage{Invalid: true})
		case err != nil:
			s.InternalError(c, err)
		default:
			c.Redirect(http.StatusSeeOther, "/login?password=1")
		}
	}
}

// ShowChangePassword answers GET /account/password.
func (s *Pages) ShowChangePassword(c *gin.Context) {
	s.renderChangePassword(c, http.StatusOK, "")
}

func (s *Pages) renderChangePassword(c *gin.Context, status int, msg string) {
	s.renderPrompt(c, status, "manage_password", "auth.password.title", "account", msg)
}

// ChangePassword sets a new password after checking the current one; every
// session, this one included, ends.
func (s *Pages) ChangePassword(c *gin.Context) {
	u := s.CurrentUser(c)
	ctx := c.Request.Context()
	f := kit.NewFormReader(c)
	password := f.Raw("password")
	if password != f.Raw("password_again") {
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.mismatch")
		return
	}
	_, err := s.acc.Authenticate(ctx, u.Email, f.Raw("current"), c.ClientIP(), kit.RequestID(c))
	switch {
	case errors.Is(err, accounts.ErrRateLimited), errors.Is(err, accounts.ErrBusy):
		s.Logger(c).Warn("password change refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderChangePassword(c, kit.StatusOf(err), fault.Message(err))
		return
	case errors.Is(err, accounts.ErrBadCredentials):
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.current")
		return
	case err != nil:
		s.InternalError(c, err)
		return
	}
	if err := s.acc.SetPassword(ctx, s.Actor(c), u.ID, password); errors.Is(err, fault.ErrInvalid) {
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.weak")
		return
	} else if errors.Is(err, accounts.ErrBusy) {
		s.Logger(c).Warn("password change refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderChangePassword(c, kit.StatusOf(err), fault.Message(err))
		return
	} else if err != nil {
		s.InternalError(c, err)
		return
	}
	s.ForgetSession(c)
	c.Redirect(http.StatusSeeOther, "/login?password=1")
}
