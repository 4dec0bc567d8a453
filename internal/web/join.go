package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/joining"
)

// JoinForm is what the "list your organisation" form holds; the password
// is never sent back.
type JoinForm struct {
	Name, Email               string
	OrgName, Acronym, Website string
	Kind                      int
	Countries, Themes         []string
	Description, ContactEmail string
}

// JoinPage is the data of /join.
type JoinPage struct {
	Page
	Form
	Values    JoinForm
	Kinds     []Option
	Themes    []Option
	Countries []Option
	// EmailTaken says an account has the email: sign in first.
	EmailTaken bool
}

func (s *joiningPages) showJoinForm(c *gin.Context) {
	s.renderJoinForm(c, http.StatusOK, JoinForm{}, Form{})
}

func (s *joiningPages) renderJoinForm(c *gin.Context, status int, f JoinForm, st Form) {
	pg, ok := s.page(c, "join.title", "join")
	if !ok {
		return
	}
	lang := pg.Lang
	p := JoinPage{Page: pg, Form: st.in(pg.Base), Values: f,
		Countries: s.countryOptions(lang, f.Countries)}
	var err error
	if p.Themes, err = themeOptions(c, s.dir, lang, f.Themes); err != nil {
		s.fail(c, err)
		return
	}
	for _, k := range directory.Kinds() {
		p.Kinds = append(p.Kinds, Option{Value: strconv.Itoa(int(k)), Label: s.tr.T(lang, k.MessageID()), Selected: int(k) == f.Kind})
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "join", p)
}

func (s *joiningPages) submitJoin(c *gin.Context) {
	r := newFormReader(c)
	f := JoinForm{Name: r.str("name"), Email: r.str("email"), OrgName: r.str("org_name"), Acronym: r.str("acronym"),
		Website: r.str("website"), Kind: r.int("kind"), Countries: r.strs("countries"), Themes: r.strs("themes"),
		Description: r.str("description"), ContactEmail: r.str("contact_email")}
	lang := c.GetString(ctxLang)
	a := joining.Application{Name: f.Name, Email: f.Email, Password: r.raw("password"),
		OrgName: f.OrgName, Acronym: f.Acronym, Kind: directory.Kind(f.Kind), Website: f.Website,
		Countries: f.Countries, ThemeSlugs: f.Themes, Description: f.Description, ContactEmail: f.ContactEmail,
		Lang: lang, IP: c.ClientIP(), Honeypot: r.raw("homepage")}
	u := s.currentUser(c)
	if u != nil {
		a.UserID = u.ID
	}
	var joined joining.Joined
	err := r.failed()
	if err == nil {
		joined, err = s.join.Join(c.Request.Context(), s.actor(c), a)
	}
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrRateLimited): // joining.ErrRateLimited or ErrSpam
		s.logger(c).Warn("application refused", "err", err)
		c.Header("Retry-After", "3600")
		s.renderJoinForm(c, statusOf(err), f, Form{Alert: s.tr.T(lang, fault.Message(err))})
		return
	default:
		s.formFailed(c, err, r, func(status int, st Form) { s.renderJoinForm(c, status, f, st) })
		return
	}
	s.logger(c).Info("organisation listed", "slug", joined.Slug, "user_id", joined.UserID)
	if u == nil {
		nu, err := s.acc.User(c.Request.Context(), joined.UserID)
		if err != nil {
			s.internalError(c, err)
			return
		}
		if err := s.signIn(c, nu); err != nil {
			s.internalError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/join/received?org="+joined.Slug)
}

// signIn starts a fresh session for u, as login does: a new session id
// (no fixation) and a new form token.
func (s *joiningPages) signIn(c *gin.Context, u *accounts.User) error {
	if err := renewSession(c, s.sessions, s.session(c), u.ID); err != nil {
		return err
	}
	c.Set(ctxUser, u)
	return nil
}

// JoinReceivedPage is the "pending review" page after an application.
type JoinReceivedPage struct {
	Page
	Org *directory.Profile
}

func (s *joiningPages) showJoinReceived(c *gin.Context) {
	slug := c.Query("org")
	u := s.currentUser(c)
	if !directory.ValidSlug(slug) {
		s.fail(c, fault.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	p, err := s.dir.Profile(ctx, slug, directory.ProfileOptions{Unpublished: true})
	if err != nil {
		s.fail(c, err)
		return
	}
	// Only its members see it: the page names an unpublished organisation.
	if _, err := s.acc.Role(ctx, u.ID, p.ID); err != nil {
		s.fail(c, fault.ErrNotFound)
		return
	}
	pg, ok := s.page(c, "join.received.title", "")
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "join_received", JoinReceivedPage{Page: pg, Org: p})
}

func (s *joiningPages) confirmReviewed(c *gin.Context) {
	org := s.managedOrg(c)
	if err := s.dir.ConfirmReviewed(c.Request.Context(), s.actor(c), org.ID); err != nil {
		s.fail(c, err)
		return
	}
	redirectSaved(c, org, "")
}

// SignupPage is the data of /signup: an account without an organisation,
// for people who come to claim one.
type SignupPage struct {
	Page
	Form
	Name, Email string
	Next        string
}

func (s *joiningPages) showSignup(c *gin.Context) {
	next := safeNext(c.Query("next"))
	if s.currentUser(c) != nil {
		if next == "" {
			next = s.home(c)
		}
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.renderSignup(c, http.StatusOK, SignupPage{Next: next})
}

func (s *joiningPages) renderSignup(c *gin.Context, status int, p SignupPage) {
	var ok bool
	if p.Page, ok = s.page(c, "signup.title", "login"); !ok {
		return
	}
	p.Form = p.Form.in(p.Base)
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "signup", p)
}

func (s *joiningPages) signUp(c *gin.Context) {
	r := newFormReader(c)
	p := SignupPage{Name: r.str("name"), Email: r.str("email"), Next: safeNext(r.raw("next"))}
	lang := c.GetString(ctxLang)
	id, err := s.join.SignUp(c.Request.Context(), s.actor(c), joining.NewAccount{Name: p.Name, Email: p.Email,
		Password: r.raw("password"), IP: c.ClientIP(), Honeypot: r.raw("homepage")})
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrRateLimited): // joining.ErrRateLimited or ErrSpam
		s.logger(c).Warn("sign-up refused", "err", err)
		c.Header("Retry-After", "3600")
		p.Alert = s.tr.T(lang, fault.Message(err))
		s.renderSignup(c, statusOf(err), p)
		return
	default:
		s.formFailed(c, err, nil, func(status int, st Form) {
			p.Form = st
			if errors.Is(err, joining.ErrEmailTaken) { // signing up, not listing an organisation
				p.Errors = map[string]string{"email": s.tr.T(lang, "signup.email_taken")}
				p.Alert = p.Errors["email"]
			}
			s.renderSignup(c, status, p)
		})
		return
	}
	u, err := s.acc.User(c.Request.Context(), id)
	if err == nil {
		err = s.signIn(c, u)
	}
	if err != nil {
		s.internalError(c, err)
		return
	}
	if p.Next == "" {
		p.Next = "/manage"
	}
	c.Redirect(http.StatusSeeOther, p.Next)
}
