package account

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Session keys of the two-factor steps.
const (
	sessionPending     = "pending_user_id" // password checked, code not yet
	sessionPendingAt   = "pending_at"
	sessionPendingNext = "pending_next"
	// pendingLifetime bounds the time between password and code.
	pendingLifetime = 5 * time.Minute
)

// startSecondFactor parks a user whose password was right but who has an
// authenticator: the session is not signed in until the code is given.
func (s *Pages) startSecondFactor(c *gin.Context, u *accounts.User, next string) {
	sess := s.Session(c)
	if err := s.sessions.Renew(c.Request.Context(), sess); err != nil {
		s.InternalError(c, err)
		return
	}
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[sessionPending] = strconv.FormatInt(u.ID, 10)
	sess.Values[sessionPendingAt] = strconv.FormatInt(time.Now().Unix(), 10)
	sess.Values[sessionPendingNext] = next
	sess.Values[kit.SessionCSRF] = kit.NewToken()
	if err := sess.Save(c.Request, c.Writer); err != nil {
		s.InternalError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/login/2fa")
}

// pendingUser is the user id waiting for their second factor, or 0.
func (s *Pages) pendingUser(c *gin.Context) int64 {
	sess := s.Session(c)
	if sess == nil {
		return 0
	}
	pending, _ := sess.Values[sessionPending].(string)
	pendingAt, _ := sess.Values[sessionPendingAt].(string)
	id, _ := strconv.ParseInt(pending, 10, 64)
	at, _ := strconv.ParseInt(pendingAt, 10, 64)
	if time.Since(time.Unix(at, 0)) > pendingLifetime {
		return 0
	}
	return id
}

// renderSecondFactor is the login's code step.
func (s *Pages) renderSecondFactor(c *gin.Context, status int, msg string) {
	s.renderPrompt(c, status, "login_2fa", "auth.2fa.title", "login", msg)
}

// ShowSecondFactor answers GET /login/2fa.
func (s *Pages) ShowSecondFactor(c *gin.Context) {
	if s.pendingUser(c) == 0 {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	s.renderSecondFactor(c, http.StatusOK, "")
}

// VerifySecondFactor answers POST /login/2fa.
func (s *Pages) VerifySecondFactor(c *gin.Context) {
	uid := s.pendingUser(c)
	if uid == 0 {
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	ctx := c.Request.Context()
	err := s.acc.VerifySecondFactor(ctx, uid, c.PostForm("code"), c.ClientIP(), kit.RequestID(c))
	switch {
	case errors.Is(err, accounts.ErrRateLimited):
		s.Logger(c).Warn("second factor refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderSecondFactor(c, kit.StatusOf(err), fault.Message(err))
		return
	case errors.Is(err, accounts.ErrBadCredentials):
		s.renderSecondFactor(c, kit.StatusOf(err), "auth.2fa.wrong")
		return
	case err != nil:
		s.InternalError(c, err)
		return
	}
	sess := s.Session(c)
	pendingNext, _ := sess.Values[sessionPendingNext].(string)
	next := kit.SafeNext(pendingNext)
	if err := kit.RenewSession(c, s.sessions, sess, uid); err != nil {
		s.InternalError(c, err)
		return
	}
	u, err := s.acc.User(ctx, uid)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	s.SignedIn(c, u, next)
}

// TwoFactorPage is the data of the two-factor settings page.
type TwoFactorPage struct {
	kit.Page
	Required bool
	// Enrolment, while enrolling: the secret as text and the QR code.
	Secret string
	QR     template.URL
	// Recovery codes, shown once right after enrolment.
	Recovery []string
	Error    string
	// Form holds the errors of the form that turns two-factor off.
	Form kit.Form
	// Off says two-factor was just turned off.
	Off bool
}

func (s *Pages) renderTwoFactor(c *gin.Context, status int, p TwoFactorPage) {
	var ok bool
	if p.Page, ok = s.Page(c, "auth.2fa.settings", "account"); !ok {
		return
	}
	p.Required = p.User.IsStaff()
	if !p.User.TwoFactor && p.Recovery == nil {
		e, err := s.enrolment(c, p.User)
		if err != nil {
			s.InternalError(c, err)
			return
		}
		p.Secret = e.Secret
		p.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QR))
	}
	// The secret and the recovery codes must not be cached anywhere.
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "manage_2fa", p)
}

// enrolment is the secret offered to u: the one sealed in the session,
// or a new one, sealed there until u confirms it.
func (s *Pages) enrolment(c *gin.Context, u *accounts.User) (*accounts.Enrolment, error) {
	sess := s.Session(c)
	pending, _ := sess.Values[accounts.SessionPendingTOTP].(string)
	if secret, err := s.acc.OpenPending(u.ID, pending); err == nil {
		return accounts.EnrolmentFor(u, secret)
	}
	e, err := accounts.NewEnrolment(u)
	if err != nil {
		return nil, err
	}
	sess.Values[accounts.SessionPendingTOTP] = s.acc.SealPending(u.ID, e.Secret)
	return e, sess.Save(c.Request, c.Writer)
}

// ShowTwoFactor answers GET /account/2fa.
func (s *Pages) ShowTwoFactor(c *gin.Context) {
	s.renderTwoFactor(c, http.StatusOK, TwoFactorPage{Off: c.Query("off") != ""})
}

// EnableTwoFactor answers POST /account/2fa; the user's other sessions
// end.
func (s *Pages) EnableTwoFactor(c *gin.Context) {
	u := s.CurrentUser(c)
	sess := s.Session(c)
	pending, _ := sess.Values[accounts.SessionPendingTOTP].(string)
	secret, err := s.acc.OpenPending(u.ID, pending)
	if u.TwoFactor || pending == "" || err != nil {
		c.Redirect(http.StatusSeeOther, "/account/2fa")
		return
	}
	codes, err := s.acc.EnableTwoFactor(c.Request.Context(), s.Actor(c), u.ID, secret, c.PostForm("code"), sess.ID)
	if errors.Is(err, accounts.ErrBadCredentials) {
		s.renderTwoFactor(c, http.StatusUnprocessableEntity, TwoFactorPage{Error: "auth.2fa.wrong"})
		return
	}
	if err != nil {
		s.InternalError(c, err)
		return
	}
	delete(sess.Values, accounts.SessionPendingTOTP)
	if err := sess.Save(c.Request, c.Writer); err != nil {
		s.InternalError(c, err)
		return
	}
	u.TwoFactor = true
	s.renderTwoFactor(c, http.StatusOK, TwoFactorPage{Recovery: codes})
}

// DisableTwoFactor removes the authenticator once the user has given their
// password and a current code, and ends their other sessions; admins and
// staff cannot go without one.
func (s *Pages) DisableTwoFactor(c *gin.Context) {
	u := s.CurrentUser(c)
	if u.IsStaff() {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	f := kit.NewFormReader(c)
	err := s.acc.DisableTwoFactor(c.Request.Context(), s.Actor(c), u.ID,
		accounts.Confirmation{Password: f.Raw("password"), Code: f.Str("code"), ClientIP: c.ClientIP()}, s.Session(c).ID)
	switch {
	case errors.Is(err, accounts.ErrRateLimited):
		c.Header("Retry-After", "900")
		s.renderTwoFactor(c, kit.StatusOf(err), TwoFactorPage{Error: fault.Message(err)})
		return
	case errors.Is(err, fault.ErrInvalid):
		s.FormFailed(c, err, f, func(status int, st kit.Form) {
			s.renderTwoFactor(c, status, TwoFactorPage{Form: st})
		})
		return
	case err != nil:
		s.InternalError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/account/2fa?off=1")
}
