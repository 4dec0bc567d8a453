package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Session cookie and form token names.
const (
	// SessionCookie carries the signed, encrypted session id.
	SessionCookie = "pd_session"
	// CSRFField is the hidden form field carrying the per-session token.
	CSRFField   = "csrf_token"
	sessionCSRF = "csrf"
	ctxSession  = "session"
	ctxUser     = "user"
)

// newSessions makes the session store and the cross-origin guard. Without
// accounts there are no sessions; without keys (development only, config
// refuses it in production) ephemeral keys are made.
func newSessions(d Deps) (*accounts.SessionStore, *http.CrossOriginProtection, error) {
	cop := http.NewCrossOriginProtection()
	if d.Accounts == nil {
		return nil, cop, nil
	}
	keys := d.SessionKeys
	if len(keys) == 0 {
		d.Logger.Warn("SESSION_KEYS is not set: using ephemeral session keys; everyone is signed out when the server restarts")
		keys = [][]byte{securecookie.GenerateRandomKey(32), securecookie.GenerateRandomKey(32)}
	}
	st, err := d.Accounts.NewSessionStore(accounts.SessionOptions{KeyPairs: keys, Secure: d.Secure,
		IdleTimeout: d.SessionIdle, Lifetime: d.SessionLifetime})
	return st, cop, err
}

// loadSession reads the session cookie and, when it belongs to an active
// user, puts the user in the context.
func (s *Server) loadSession(c *gin.Context) {
	sess, err := s.sessions.Get(c.Request, SessionCookie)
	if err != nil {
		s.internalError(c, err)
		c.Abort()
		return
	}
	c.Set(ctxSession, sess)
	if id, ok := sess.Values[accounts.SessionUserID].(int64); ok {
		u, err := s.acc.User(c.Request.Context(), id)
		switch {
		case err == nil && !u.Disabled:
			c.Set(ctxUser, u)
		case err != nil && !errors.Is(err, fault.ErrNotFound):
			s.internalError(c, err)
			c.Abort()
			return
		}
	}
	c.Next()
}

// refuseCrossOrigin is the first CSRF layer: Go's CrossOriginProtection
// refuses unsafe requests a browser says come from another site.
func (s *Server) refuseCrossOrigin(c *gin.Context) {
	if err := s.crossSite.Check(c.Request); err != nil {
		s.logger(c).Warn("cross-origin request refused", "err", err, "origin", c.GetHeader("Origin"),
			"sec_fetch_site", c.GetHeader("Sec-Fetch-Site"))
		s.fail(c, fault.New(fault.Forbidden, "auth.csrf.crosssite"))
		return
	}
	c.Next()
}

// maxFormMemory is how much of a multipart form is kept in memory; the
// rest of an upload goes to temporary files (Gin's default).
const maxFormMemory = 32 << 20

// checkFormToken is the second CSRF layer: every unsafe request carries
// the session's form token in the csrf_token field; a request without it
// gets a 403 page.
func (s *Server) checkFormToken(c *gin.Context) { s.formTokenOr(nil)(c) }

// formTokenOr is checkFormToken whose refusal is refuse instead of the 403
// page (the donor's offer form comes back filled, never thrown away).
func (s *Server) formTokenOr(refuse gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) { s.checkToken(c, refuse) }
}

func (s *Server) checkToken(c *gin.Context, refuse gin.HandlerFunc) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	var want string
	if sess := s.session(c); sess != nil {
		want, _ = sess.Values[sessionCSRF].(string)
	}
	// A body past MaxBodyBytes is a 413 here too, not a missing token.
	var tooLarge *http.MaxBytesError
	if err := readForm(c.Request); errors.As(err, &tooLarge) {
		s.errorPage(c, http.StatusRequestEntityTooLarge, "")
		return
	}
	got := c.PostForm(CSRFField)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.logger(c).Warn("form token missing or wrong", "path", c.Request.URL.Path, "has_session", want != "")
		if refuse != nil {
			refuse(c)
			c.Abort()
			return
		}
		s.fail(c, fault.New(fault.Forbidden, "auth.csrf.token"))
		return
	}
	c.Next()
}

// readForm parses a posted form, URL-encoded or multipart, as Gin would
// on first access, but returns the error: ParseMultipartForm alone hides
// a URL-encoded body's.
func readForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxFormMemory)
	}
	return nil
}

func (s *kit) session(c *gin.Context) *sessions.Session {
	if v, ok := c.Get(ctxSession); ok {
		return v.(*sessions.Session)
	}
	return nil
}

// currentUser is the signed-in user, or nil.
func (s *kit) currentUser(c *gin.Context) *accounts.User {
	if v, ok := c.Get(ctxUser); ok {
		return v.(*accounts.User)
	}
	return nil
}

// actor is the audit actor of the request.
func (s *kit) actor(c *gin.Context) audit.Actor {
	a := audit.Actor{Label: "anonymous", RequestID: c.GetString(ctxRequestID)}
	if u := s.currentUser(c); u != nil {
		a.UserID, a.Label = u.ID, u.Email
	}
	return a
}

// formToken returns the session's form token for a page's forms, starting
// a session (and setting its cookie) when there is none yet. Call it before
// rendering.
func (s *kit) formToken(c *gin.Context) (string, error) {
	sess := s.session(c)
	if sess == nil {
		return "", nil
	}
	if t, ok := sess.Values[sessionCSRF].(string); ok && t != "" {
		return t, nil
	}
	sess.Values[sessionCSRF] = newToken()
	if err := sess.Save(c.Request, c.Writer); err != nil {
		return "", err
	}
	return sess.Values[sessionCSRF].(string), nil
}

func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// requireUser sends anonymous visitors to the login page, then back.
func (s *Server) requireUser(c *gin.Context) {
	if s.currentUser(c) == nil {
		next := "/"
		if c.Request.Method == http.MethodGet {
			next = c.Request.URL.RequestURI()
		}
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
		c.Abort()
		return
	}
	c.Next()
}

// requireStaff lets platform staff and admins through; other users get 403.
func (s *Server) requireStaff(c *gin.Context) {
	s.requireRole(c, (*accounts.User).IsStaff)
}

// requireAdmin lets admins through; other users get 403.
func (s *Server) requireAdmin(c *gin.Context) {
	s.requireRole(c, (*accounts.User).IsAdmin)
}

func (s *Server) requireRole(c *gin.Context, ok func(*accounts.User) bool) {
	u := s.currentUser(c)
	if u == nil {
		s.requireUser(c)
		return
	}
	if !ok(u) {
		s.fail(c, fault.ErrForbidden)
		return
	}
	// Two-factor authentication is required for admins and staff.
	if u.NeedsTwoFactor() {
		c.Redirect(http.StatusSeeOther, "/account/2fa")
		c.Abort()
		return
	}
	c.Next()
}

// Account is the signed-in part of a page: who is signed in and the form
// token every form carries.
type Account struct {
	User *accounts.User
	CSRF string
}

// accountPage marks the data of the pages that embed an Account (all but
// the public, cached pages): the layout gives them the account stylesheet
// and links (template func hasAccount).
func (Account) accountPage() {}

func (s *kit) account(c *gin.Context) (Account, error) {
	t, err := s.formToken(c)
	return Account{User: s.currentUser(c), CSRF: t}, err
}

// headerAccount is the account for a page without forms of its own: it
// starts no session for anonymous visitors (only the header's sign-out form
// of a signed-in user needs the token).
func (s *kit) headerAccount(c *gin.Context) (Account, error) {
	if s.currentUser(c) == nil {
		return Account{}, nil
	}
	return s.account(c)
}

// LoginPage is the data of the login page.
type LoginPage struct {
	Page
	Email  string
	Next   string
	Error  string
	Notice string
}

// PromptPage is the data of a page with one small form (the login's code
// step, the change of password): Error is the message id of the last
// refusal, if any.
type PromptPage struct {
	Page
	Error string
}

func (s *accountPages) renderPrompt(c *gin.Context, status int, page, titleID, nav, msg string) {
	pg, ok := s.page(c, titleID, nav)
	if !ok {
		return
	}
	s.render(c, status, page, PromptPage{Page: pg, Error: msg})
}

// safeNext keeps redirects on this site: a local absolute path only.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}

func (s *accountPages) showLogin(c *gin.Context) {
	if s.currentUser(c) != nil {
		c.Redirect(http.StatusSeeOther, s.home(c))
		return
	}
	notice := ""
	switch {
	case c.Query("ended") != "":
		notice = "auth.login.ended"
	case c.Query("password") != "":
		notice = "auth.login.password_changed"
	}
	s.renderLogin(c, http.StatusOK, LoginPage{Next: safeNext(c.Query("next")), Notice: notice})
}

func (s *accountPages) renderLogin(c *gin.Context, status int, p LoginPage) {
	var ok bool
	if p.Page, ok = s.page(c, "auth.login.title", "login"); !ok {
		return
	}
	s.render(c, status, "login", p)
}

func (s *accountPages) login(c *gin.Context) {
	f := newFormReader(c)
	email, password := f.str("email"), f.raw("password")
	next := safeNext(f.raw("next"))
	p := LoginPage{Email: email, Next: next}
	if len(email) > 254 || len(password) > 1024 {
		p.Error = "auth.login.failed"
		s.renderLogin(c, http.StatusBadRequest, p)
		return
	}
	// The client address comes from Gin's ClientIP, which believes
	// X-Forwarded-For only from the configured trusted proxies.
	ip := c.ClientIP()
	u, err := s.acc.Authenticate(c.Request.Context(), email, password, ip, c.GetString(ctxRequestID))
	switch {
	case errors.Is(err, accounts.ErrRateLimited), errors.Is(err, accounts.ErrBadCredentials):
		if errors.Is(err, accounts.ErrRateLimited) {
			s.logger(c).Warn("login rate limited", "client_ip", ip)
			c.Header("Retry-After", "900")
		}
		p.Error = fault.Message(err) // auth.login.limited, auth.login.failed
		s.renderLogin(c, statusOf(err), p)
		return
	case err != nil:
		s.internalError(c, err)
		return
	}
	if u.TwoFactor {
		s.startSecondFactor(c, u, next)
		return
	}
	// A fresh session id at login: a session id planted before login is
	// worth nothing after it.
	if err := renewSession(c, s.sessions, s.session(c), u.ID); err != nil {
		s.internalError(c, err)
		return
	}
	s.signedIn(c, u, next)
}

// renewSession starts a fresh session for uid, as every sign-in does: a
// new session id, nothing kept from before, a new form token.
func renewSession(c *gin.Context, store *accounts.SessionStore, sess *sessions.Session, uid int64) error {
	if err := store.Renew(c.Request.Context(), sess); err != nil {
		return err
	}
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[accounts.SessionUserID] = uid
	sess.Values[accounts.SessionIP] = c.ClientIP()
	sess.Values[sessionCSRF] = newToken()
	return sess.Save(c.Request, c.Writer)
}

// signedIn sends u, whose session was just renewed, on to next or home.
func (s *kit) signedIn(c *gin.Context, u *accounts.User, next string) {
	c.Set(ctxUser, u)
	if next == "" {
		next = s.home(c)
	}
	c.Redirect(http.StatusSeeOther, next)
}

// home is where a signed-in user lands.
func (s *kit) home(c *gin.Context) string {
	if s.currentUser(c).IsStaff() {
		return "/staff/offers"
	}
	return "/manage"
}

func (s *accountPages) logout(c *gin.Context) {
	if sess := s.session(c); sess != nil {
		sess.Options.MaxAge = -1
		if err := sess.Save(c.Request, c.Writer); err != nil {
			s.internalError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/")
}
