package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/securecookie"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Session cookie and form token names.
const (
	// SessionCookie carries the signed, encrypted session id
	// (HostSessionCookie when BASE_URL is https).
	SessionCookie = kit.SessionCookie
	// HostSessionCookie is the session cookie's name over https.
	HostSessionCookie = kit.HostSessionCookie
	// CSRFField is the hidden form field carrying the per-session token.
	CSRFField = "csrf_token"
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
	sess, err := s.sessions.Get(c.Request, kit.SessionCookieName(s.Secure()))
	if err != nil {
		s.InternalError(c, err)
		c.Abort()
		return
	}
	c.Set(kit.CtxSession, sess)
	if id, ok := sess.Values[accounts.SessionUserID].(int64); ok {
		u, err := s.acc.User(c.Request.Context(), id)
		switch {
		case err == nil && !u.Disabled:
			c.Set(kit.CtxUser, u)
		case err != nil && !errors.Is(err, fault.ErrNotFound):
			s.InternalError(c, err)
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
		s.Logger(c).Warn("cross-origin request refused", "err", err, "origin", c.GetHeader("Origin"),
			"sec_fetch_site", c.GetHeader("Sec-Fetch-Site"))
		s.Fail(c, fault.New(fault.Forbidden, "auth.csrf.crosssite"))
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
	if sess := s.Session(c); sess != nil {
		want, _ = sess.Values[kit.SessionCSRF].(string)
	}
	// A body past MaxBodyBytes is a 413 here too, not a missing token.
	var tooLarge *http.MaxBytesError
	if err := readForm(c.Request); errors.As(err, &tooLarge) {
		s.RenderError(c, http.StatusRequestEntityTooLarge, "")
		return
	}
	got := c.PostForm(CSRFField)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		s.Logger(c).Warn("form token missing or wrong", "path", c.Request.URL.Path, "has_session", want != "")
		if refuse != nil {
			refuse(c)
			c.Abort()
			return
		}
		s.Fail(c, fault.New(fault.Forbidden, "auth.csrf.token"))
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

// requireUser sends anonymous visitors to the login page, then back.
func (s *Server) requireUser(c *gin.Context) {
	if s.CurrentUser(c) == nil {
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
	u := s.CurrentUser(c)
	if u == nil {
		s.requireUser(c)
		return
	}
	if !ok(u) {
		s.Fail(c, fault.ErrForbidden)
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
