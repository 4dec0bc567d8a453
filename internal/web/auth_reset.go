package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// ForgotPage is the data of the "forgot your password" page.
type ForgotPage struct {
	Page
	Email string
	Sent  bool
}

func (s *accountPages) showForgotPassword(c *gin.Context) {
	s.renderForgot(c, ForgotPage{})
}

func (s *accountPages) renderForgot(c *gin.Context, p ForgotPage) {
	var ok bool
	if p.Page, ok = s.page(c, "auth.forgot.title", ""); !ok {
		return
	}
	s.render(c, http.StatusOK, "login_forgot", p)
}

// requestPasswordReset answers the same whether or not the address has an
// account, so the form cannot be used to find out who is registered.
func (s *accountPages) requestPasswordReset(c *gin.Context) {
	email := newFormReader(c).str("email")
	if len(email) <= 254 && strings.Contains(email, "@") {
		if err := s.acc.RequestPasswordReset(c.Request.Context(), email, c.GetString(ctxLang), c.GetString(ctxRequestID)); err != nil {
			s.internalError(c, err)
			return
		}
	}
	s.renderForgot(c, ForgotPage{Email: email, Sent: true})
}

// TokenPage is the data of the page that sets a password from a reset or
// invitation link.
type TokenPage struct {
	Page
	Token  string
	Action string
	User   *accounts.User
	Error  string
	// Invalid means the link is unknown, used or expired.
	Invalid bool
}

func (s *accountPages) tokenPage(c *gin.Context, invite bool, status int, p TokenPage) {
	title, action := "auth.reset.title", "/password/reset"
	if invite {
		title, action = "auth.invite.title", "/invitation"
	}
	var ok bool
	if p.Page, ok = s.page(c, title, ""); !ok {
		return
	}
	p.Action = action
	// The token is in the address: keep it out of Referer headers.
	c.Header("Referrer-Policy", "no-referrer")
	s.render(c, status, "login_reset", p)
}

func (s *accountPages) showTokenForm(invite bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		token := c.Query("token")
		u, err := s.acc.CheckToken(c.Request.Context(), token, invite)
		if errors.Is(err, fault.ErrNotFound) || len(token) > 100 {
			s.tokenPage(c, invite, http.StatusNotFound, TokenPage{Invalid: true})
			return
		}
		if err != nil {
			s.internalError(c, err)
			return
		}
		s.tokenPage(c, invite, http.StatusOK, TokenPage{Token: token, User: u})
	}
}

func (s *accountPages) redeemToken(invite bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		f := newFormReader(c)
		token, password := f.raw("token"), f.raw("password")
		if password != f.raw("password_again") {
			u, _ := s.acc.CheckToken(c.Request.Context(), token, invite)
			s.tokenPage(c, invite, http.StatusUnprocessableEntity, TokenPage{Token: token, User: u, Error: "auth.password.mismatch"})
			return
		}
		_, err := s.acc.RedeemToken(c.Request.Context(), token, invite, password, c.GetString(ctxRequestID))
		switch {
		case errors.Is(err, fault.ErrInvalid):
			u, _ := s.acc.CheckToken(c.Request.Context(), token, invite)
			s.tokenPage(c, invite, http.StatusUnprocessableEntity, TokenPage{Token: token, User: u, Error: "auth.password.weak"})
		case errors.Is(err, fault.ErrNotFound):
			s.tokenPage(c, invite, statusOf(err), TokenPage{Invalid: true})
		case err != nil:
			s.internalError(c, err)
		default:
			c.Redirect(http.StatusSeeOther, "/login?password=1")
		}
	}
}

func (s *accountPages) showChangePassword(c *gin.Context) {
	s.renderChangePassword(c, http.StatusOK, "")
}

func (s *accountPages) renderChangePassword(c *gin.Context, status int, msg string) {
	s.renderPrompt(c, status, "manage_password", "auth.password.title", "account", msg)
}

// changePassword sets a new password after checking the current one; every
// session, this one included, ends.
func (s *accountPages) changePassword(c *gin.Context) {
	u := s.currentUser(c)
	ctx := c.Request.Context()
	f := newFormReader(c)
	password := f.raw("password")
	if password != f.raw("password_again") {
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.mismatch")
		return
	}
	_, err := s.acc.Authenticate(ctx, u.Email, f.raw("current"), c.ClientIP(), c.GetString(ctxRequestID))
	switch {
	case errors.Is(err, accounts.ErrRateLimited):
		s.renderChangePassword(c, http.StatusTooManyRequests, "auth.login.limited")
		return
	case errors.Is(err, accounts.ErrBadCredentials):
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.current")
		return
	case err != nil:
		s.internalError(c, err)
		return
	}
	if err := s.acc.SetPassword(ctx, s.actor(c), u.ID, password); errors.Is(err, fault.ErrInvalid) {
		s.renderChangePassword(c, http.StatusUnprocessableEntity, "auth.password.weak")
		return
	} else if err != nil {
		s.internalError(c, err)
		return
	}
	c.SetCookie(SessionCookie, "", -1, "/", "", s.secure, true)
	c.Redirect(http.StatusSeeOther, "/login?password=1")
}
