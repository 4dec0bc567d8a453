package account

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// LoginPage is the data of the login page.
type LoginPage struct {
	kit.Page
	Email  string
	Next   string
	Error  string
	Notice string
}

// PromptPage is the data of a page with one small form (the login's code
// step, the change of password): Error is the message id of the last
// refusal, if any.
type PromptPage struct {
	kit.Page
	Error string
}

func (s *Pages) renderPrompt(c *gin.Context, status int, page, titleID, nav, msg string) {
	pg, ok := s.Page(c, titleID, nav)
	if !ok {
		return
	}
	s.Render(c, status, page, PromptPage{Page: pg, Error: msg})
}

// ShowLogin answers GET /login.
func (s *Pages) ShowLogin(c *gin.Context) {
	if s.CurrentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, s.Home(c))
		return
	}
	notice := ""
	switch {
	case c.Query("ended") != "":
		notice = "auth.login.ended"
	case c.Query("password") != "":
		notice = "auth.login.password_changed"
	}
	s.renderLogin(c, http.StatusOK, LoginPage{Next: kit.SafeNext(c.Query("next")), Notice: notice})
}

func (s *Pages) renderLogin(c *gin.Context, status int, p LoginPage) {
	var ok bool
	if p.Page, ok = s.Page(c, "auth.login.title", "login"); !ok {
		return
	}
	s.Render(c, status, "login", p)
}

// Login answers POST /login.
func (s *Pages) Login(c *gin.Context) {
	f := kit.NewFormReader(c)
	email, password := f.Str("email"), f.Raw("password")
	next := kit.SafeNext(f.Raw("next"))
	p := LoginPage{Email: email, Next: next}
	if len(email) > 254 || len(password) > 1024 {
		p.Error = "auth.login.failed"
		s.renderLogin(c, http.StatusBadRequest, p)
		return
	}
	// The client address comes from Gin's ClientIP, which believes
	// X-Forwarded-For only from the configured trusted proxies.
	ip := c.ClientIP()
	u, err := s.acc.Authenticate(c.Request.Context(), email, password, ip, kit.RequestID(c))
	switch {
	case errors.Is(err, accounts.ErrRateLimited), errors.Is(err, accounts.ErrBusy), errors.Is(err, accounts.ErrBadCredentials):
		if !errors.Is(err, accounts.ErrBadCredentials) {
			s.Logger(c).Warn("login refused", "err", err)
			kit.SetRetryAfter(c, err)
		}
		p.Error = fault.Message(err) // auth.login.limited (429), auth.busy (503), auth.login.failed
		s.renderLogin(c, kit.StatusOf(err), p)
		return
	case err != nil:
		s.InternalError(c, err)
		return
	}
	if u.TwoFactor {
		s.startSecondFactor(c, u, next)
		return
	}
	// A fresh session id at login: a session id planted before login is
	// worth nothing after it.
	if err := kit.RenewSession(c, s.sessions, s.Session(c), u.ID); err != nil {
		s.InternalError(c, err)
		return
	}
	s.SignedIn(c, u, next)
}

// Logout answers POST /logout.
func (s *Pages) Logout(c *gin.Context) {
	if sess := s.Session(c); sess != nil {
		sess.Options.MaxAge = -1
		if err := sess.Save(c.Request, c.Writer); err != nil {
			s.InternalError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/")
}
