package kit

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/sessions"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// Context keys: the middleware in internal/web sets them, the kit's
// accessors read them.
const (
	// CtxRequestID is the request's id (RequestID).
	CtxRequestID = "request_id"
	// CtxLang is the interface language picked for the request (Lang).
	CtxLang = "lang"
	// CtxLogger is the request's logger, with its id (Kit.Logger).
	CtxLogger = "logger"
	// CtxSession is the request's session (Kit.Session).
	CtxSession = "session"
	// CtxUser is the signed-in *accounts.User (Kit.CurrentUser).
	CtxUser = "user"
	// CtxOrg is the *directory.Profile a /manage/:org request is about
	// (Kit.ManagedOrg).
	CtxOrg = "manage_org"
	// CtxOrgRole is the signed-in user's role in CtxOrg (OrgRole).
	CtxOrgRole = "manage_org_role"
	// CtxPlatform is true when staff or an admin, who are not members,
	// manage CtxOrg as the platform team (OnPlatform).
	CtxPlatform = "manage_platform"
	// ctxRendered is the callback told of every rendered page (OnRender).
	ctxRendered = "rendered"
)

// Session keys and cookie names.
const (
	// SessionCookie carries the signed, encrypted session id on a site
	// served over http (development).
	SessionCookie = "pd_session"
	// HostSessionCookie is SessionCookie over https: the __Host- prefix
	// makes browsers refuse it unless it is Secure, for Path=/ and without
	// Domain, so no subdomain or plain-http page can set or shadow it.
	HostSessionCookie = "__Host-" + SessionCookie
	// SessionCSRF is the session value holding the form token.
	SessionCSRF = "csrf"
)

// SessionCookieName is the session cookie's name: HostSessionCookie when
// cookies are Secure (BASE_URL is https), SessionCookie otherwise.
func SessionCookieName(secure bool) string {
	if secure {
		return HostSessionCookie
	}
	return SessionCookie
}

// Lang is the request's interface language.
func Lang(c *gin.Context) string { return c.GetString(CtxLang) }

// RequestID is the request's id.
func RequestID(c *gin.Context) string { return c.GetString(CtxRequestID) }

// OrgRole is the signed-in user's role in the managed organisation.
func OrgRole(c *gin.Context) string { return c.GetString(CtxOrgRole) }

// OnPlatform reports whether the request manages an organisation as the
// platform team (staff or an admin, not a member of it).
func OnPlatform(c *gin.Context) bool { return c.GetBool(CtxPlatform) }

// Answer is a complete public answer as a cache can keep and replay it:
// a rendered page (Render) or a tagged document (SendTagged: a feed, a
// JSON resource).
type Answer struct {
	Status      int
	ContentType string
	// ETag and CacheControl are the answer's own headers, when it has
	// them (a tagged document).
	ETag         string
	CacheControl string
	// Header holds the other headers the answer carries (a Link to the
	// next page), for a replay.
	Header http.Header
	Body   []byte
	// Variants is Body compressed, when the answer was kept (the page
	// cache's Keep): Replay sends the one the client accepts.
	Variants
}

// Size is the bytes the answer holds: its body and headers, what a cache
// of answers counts against its budget (PAGE_CACHE_BYTES). Every byte an
// Answer keeps must be counted here.
func (a Answer) Size() int {
	n := len(a.Body) + a.Variants.Bytes() + len(a.ContentType) + len(a.ETag) + len(a.CacheControl)
	for k, vs := range a.Header {
		n += len(k)
		for _, v := range vs {
			n += len(v)
		}
	}
	return n
}

// OnRender asks Render and SendTagged to hand every answer they give for
// c to keep (the page cache's way of filling itself).
func OnRender(c *gin.Context, keep func(Answer)) { c.Set(ctxRendered, keep) }

func rendered(c *gin.Context, a Answer) {
	if v, ok := c.Get(ctxRendered); ok {
		v.(func(Answer))(a)
	}
}

// Logger is the request's logger (with its id), or the kit's.
func (s *Kit) Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(CtxLogger); ok {
		return l.(*slog.Logger)
	}
	return s.log
}

// Session is the request's session, or nil.
func (s *Kit) Session(c *gin.Context) *sessions.Session {
	if v, ok := c.Get(CtxSession); ok {
		return v.(*sessions.Session)
	}
	return nil
}

// CurrentUser is the signed-in user, or nil.
func (s *Kit) CurrentUser(c *gin.Context) *accounts.User {
	if v, ok := c.Get(CtxUser); ok {
		return v.(*accounts.User)
	}
	return nil
}

// Actor is the audit actor of the request.
func (s *Kit) Actor(c *gin.Context) audit.Actor {
	a := audit.Actor{Label: "anonymous", RequestID: RequestID(c)}
	if u := s.CurrentUser(c); u != nil {
		a.UserID, a.Label = u.ID, u.Email
		// Staff and admins act as the platform team (audit.Actor.Role).
		if u.IsStaff() {
			a.Role = u.Role
		}
	}
	return a
}

// ManagedOrg is the organisation a /manage/:org request is about, put in
// the context by the membership check.
func (s *Kit) ManagedOrg(c *gin.Context) *directory.Profile {
	return c.MustGet(CtxOrg).(*directory.Profile)
}

// FormToken returns the session's form token for a page's forms, starting
// a session (and setting its cookie) when there is none yet. Call it before
// rendering.
func (s *Kit) FormToken(c *gin.Context) (string, error) {
	sess := s.Session(c)
	if sess == nil {
		return "", nil
	}
	if t, ok := sess.Values[SessionCSRF].(string); ok && t != "" {
		return t, nil
	}
	sess.Values[SessionCSRF] = NewToken()
	if err := sess.Save(c.Request, c.Writer); err != nil {
		return "", err
	}
	return sess.Values[SessionCSRF].(string), nil
}

// NewToken is a fresh random form token.
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Account is the signed-in part of a page: who is signed in and the form
// token every form carries.
type Account struct {
	User *accounts.User
	CSRF string
	// ReviewQueue is how many articles wait for review, for staff (0 for
	// anyone else).
	ReviewQueue int
}

// accountPage marks the data of the pages that embed an Account (all but
// the public, cached pages): the layout gives them the account stylesheet
// and links (template func hasAccount).
func (Account) accountPage() {}

// Account is the signed-in part of the page, starting a session for the
// form token if need be.
func (s *Kit) Account(c *gin.Context) (Account, error) {
	t, err := s.FormToken(c)
	acc := Account{User: s.CurrentUser(c), CSRF: t}
	if acc.User.IsStaff() {
		// One count over a partial index; the header does without it
		// rather than fail the page.
		n, qerr := s.reviewQueue(c.Request.Context())
		if qerr != nil {
			s.Logger(c).Warn("could not count the articles awaiting review", "err", qerr)
		}
		acc.ReviewQueue = n
	}
	return acc, err
}

// HeaderAccount is the account for a page without forms of its own: it
// starts no session for anonymous visitors (only the header's sign-out form
// of a signed-in user needs the token).
func (s *Kit) HeaderAccount(c *gin.Context) (Account, error) {
	if s.CurrentUser(c) == nil {
		return Account{}, nil
	}
	return s.Account(c)
}

// SafeNext is the one check of a redirect target that comes from the
// request (login's next, the language switch, …): next itself when it is
// a path on this site, "" otherwise. Browsers drop tabs and newlines from
// an address and read a backslash as a slash, so "/\t/evil.example" or
// "/\\evil.example" would take the visitor to //evil.example: no control
// character and no backslash is accepted anywhere in the path, raw or
// percent-encoded, and neither the path nor its decoded form may start
// with "//".
func SafeNext(next string) string {
	if next == "" || len(next) > maxNextLen || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || unsafeInPath(next) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		strings.HasPrefix(u.Path, "//") || unsafeInPath(u.Path) {
		return ""
	}
	return next
}

// maxNextLen bounds a redirect target.
const maxNextLen = 2048

// unsafeInPath reports a control character or a backslash in s.
func unsafeInPath(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' || r == utf8.RuneError })
}

// RenewSession starts a fresh session for uid, as every sign-in does: a
// new session id, nothing kept from before, a new form token.
func RenewSession(c *gin.Context, store *accounts.SessionStore, sess *sessions.Session, uid int64) error {
	if err := store.Renew(c.Request.Context(), sess); err != nil {
		return err
	}
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[accounts.SessionUserID] = uid
	sess.Values[SessionCSRF] = NewToken()
	return sess.Save(c.Request, c.Writer)
}

// SignedIn sends u, whose session was just renewed, on to next or home.
func (s *Kit) SignedIn(c *gin.Context, u *accounts.User, next string) {
	c.Set(CtxUser, u)
	if next == "" {
		next = s.Home(c)
	}
	c.Redirect(http.StatusSeeOther, next)
}

// Home is where a signed-in user lands.
func (s *Kit) Home(c *gin.Context) string {
	if s.CurrentUser(c).IsStaff() {
		return "/staff/offers"
	}
	return "/manage"
}

// PathID reads a numeric id from the path; a bad one is a 404.
func (s *Kit) PathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		s.Fail(c, fault.ErrNotFound)
		return 0, false
	}
	return id, true
}

// RedirectSaved goes back to a section of the organisation's pages with
// the "saved" confirmation.
func RedirectSaved(c *gin.Context, org *directory.Profile, section string) {
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/manage/%s%s?saved=1", org.Slug, section))
}
