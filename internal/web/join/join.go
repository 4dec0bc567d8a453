package join

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

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
	// GoOn says the applicant saw the warning about lookalikes and lists
	// the organisation anyway.
	GoOn bool
}

// JoinPage is the data of /join.
type JoinPage struct {
	kit.Page
	kit.Form
	Values    JoinForm
	Kinds     []kit.Option
	Themes    []kit.Option
	Countries []kit.Option
	// EmailTaken says an account has the email: sign in first.
	EmailTaken bool
	// Lookalikes are listed organisations the application may duplicate:
	// the form offers to claim one instead, or to go on.
	Lookalikes []directory.Lookalike
}

// ShowJoinForm answers GET /join.
func (s *Pages) ShowJoinForm(c *gin.Context) {
	s.renderJoinForm(c, http.StatusOK, JoinForm{}, kit.Form{})
}

func (s *Pages) renderJoinForm(c *gin.Context, status int, f JoinForm, st kit.Form, lookalikes ...directory.Lookalike) {
	pg, ok := s.Page(c, "join.title", "join")
	if !ok {
		return
	}
	lang := pg.Lang
	p := JoinPage{Page: pg, Form: st.In(pg.Base), Values: f,
		Countries: s.CountryOptions(lang, f.Countries), Lookalikes: lookalikes}
	var err error
	if p.Themes, err = kit.ThemeOptions(c, s.dir, lang, f.Themes); err != nil {
		s.Fail(c, err)
		return
	}
	for _, k := range directory.Kinds() {
		p.Kinds = append(p.Kinds, kit.Option{Value: strconv.Itoa(int(k)), Label: s.Translate(lang, k.MessageID()), Selected: int(k) == f.Kind})
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "join", p)
}

// SubmitJoin answers POST /join.
func (s *Pages) SubmitJoin(c *gin.Context) {
	r := kit.NewFormReader(c)
	f := JoinForm{Name: r.Str("name"), Email: r.Str("email"), OrgName: r.Str("org_name"), Acronym: r.Str("acronym"),
		Website: r.Str("website"), Kind: r.Int("kind"), Countries: r.Strs("countries"), Themes: r.Strs("themes"),
		Description: r.Str("description"), ContactEmail: r.Str("contact_email"), GoOn: r.Raw("go_on") == "1"}
	lang := kit.Lang(c)
	a := joining.Application{Name: f.Name, Email: f.Email, Password: r.Raw("password"),
		OrgName: f.OrgName, Acronym: f.Acronym, Kind: directory.Kind(f.Kind), Website: f.Website,
		Countries: f.Countries, ThemeSlugs: f.Themes, Description: f.Description, ContactEmail: f.ContactEmail,
		Lang: lang, IP: c.ClientIP(), Honeypot: r.Raw("homepage")}
	u := s.CurrentUser(c)
	if u != nil {
		a.UserID = u.ID
	}
	var joined joining.Joined
	err := r.Failed()
	// Listed already? A close name or the same website: the applicant is
	// offered to claim that one, and may still go on (a second click).
	if err == nil && !f.GoOn {
		found, lerr := s.dir.Lookalikes(c.Request.Context(), f.OrgName, f.Website)
		if lerr != nil {
			s.Fail(c, lerr)
			return
		}
		if len(found) > 0 {
			f.GoOn = true
			s.renderJoinForm(c, http.StatusOK, f, kit.Form{}, found...)
			return
		}
	}
	if err == nil {
		joined, err = s.join.Join(c.Request.Context(), s.Actor(c), a)
	}
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrRateLimited), errors.Is(err, accounts.ErrBusy): // joining.ErrRateLimited or ErrSpam; busy
		s.Logger(c).Warn("application refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderJoinForm(c, kit.StatusOf(err), f, kit.Form{Alert: s.Translate(lang, fault.Message(err))})
		return
	default:
		s.FormFailed(c, err, r, func(status int, st kit.Form) { s.renderJoinForm(c, status, f, st) })
		return
	}
	s.Logger(c).Info("organisation listed", "slug", joined.Slug, "user_id", joined.UserID)
	if u == nil {
		nu, err := s.acc.User(c.Request.Context(), joined.UserID)
		if err != nil {
			s.InternalError(c, err)
			return
		}
		if err := s.signIn(c, nu); err != nil {
			s.InternalError(c, err)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, "/join/received?org="+joined.Slug)
}

// signIn starts a fresh session for u, as login does: a new session id
// (no fixation) and a new form token.
func (s *Pages) signIn(c *gin.Context, u *accounts.User) error {
	if err := kit.RenewSession(c, s.sessions, s.Session(c), u.ID); err != nil {
		return err
	}
	c.Set(kit.CtxUser, u)
	return nil
}

// JoinReceivedPage is the "pending review" page after an application.
type JoinReceivedPage struct {
	kit.Page
	Org *directory.Profile
}

// ShowJoinReceived answers GET /join/received.
func (s *Pages) ShowJoinReceived(c *gin.Context) {
	slug := c.Query("org")
	u := s.CurrentUser(c)
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	ctx := c.Request.Context()
	p, err := s.dir.Profile(ctx, slug, directory.ProfileOptions{Unpublished: true})
	if err != nil {
		s.Fail(c, err)
		return
	}
	// Only its members see it: the page names an unpublished organisation.
	// An applicant who has not proven their address yet sees it too (the
	// membership waits for the proof); it grants nothing.
	if _, err := s.acc.HeldRole(ctx, u.ID, p.ID); err != nil {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	pg, ok := s.Page(c, "join.received.title", "")
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "join_received", JoinReceivedPage{Page: pg, Org: p})
}

// ConfirmReviewed answers POST /manage/:org/reviewed.
func (s *Pages) ConfirmReviewed(c *gin.Context) {
	org := s.ManagedOrg(c)
	if err := s.dir.ConfirmReviewed(c.Request.Context(), s.Actor(c), org.ID); err != nil {
		s.Fail(c, err)
		return
	}
	kit.RedirectSaved(c, org, "")
}

// SignupPage is the data of /signup: an account without an organisation,
// for people who come to claim one.
type SignupPage struct {
	kit.Page
	kit.Form
	Name, Email string
	Next        string
}

// ShowSignup answers GET /signup.
func (s *Pages) ShowSignup(c *gin.Context) {
	next := kit.SafeNext(c.Query("next"))
	if s.CurrentUser(c) != nil {
		if next == "" {
			next = s.Home(c)
		}
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	s.renderSignup(c, http.StatusOK, SignupPage{Next: next})
}

func (s *Pages) renderSignup(c *gin.Context, status int, p SignupPage) {
	var ok bool
	if p.Page, ok = s.Page(c, "signup.title", "login"); !ok {
		return
	}
	p.Form = p.Form.In(p.Base)
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "signup", p)
}

// SignUp answers POST /signup.
func (s *Pages) SignUp(c *gin.Context) {
	r := kit.NewFormReader(c)
	p := SignupPage{Name: r.Str("name"), Email: r.Str("email"), Next: kit.SafeNext(r.Raw("next"))}
	lang := kit.Lang(c)
	id, err := s.join.SignUp(c.Request.Context(), s.Actor(c), joining.NewAccount{Name: p.Name, Email: p.Email,
		Password: r.Raw("password"), IP: c.ClientIP(), Honeypot: r.Raw("homepage"), Lang: lang})
	switch {
	case err == nil:
	case errors.Is(err, fault.ErrRateLimited), errors.Is(err, accounts.ErrBusy): // joining.ErrRateLimited or ErrSpam; busy
		s.Logger(c).Warn("sign-up refused", "err", err)
		kit.SetRetryAfter(c, err)
		p.Alert = s.Translate(lang, fault.Message(err))
		s.renderSignup(c, kit.StatusOf(err), p)
		return
	default:
		s.FormFailed(c, err, nil, func(status int, st kit.Form) {
			p.Form = st
			if errors.Is(err, joining.ErrEmailTaken) { // signing up, not listing an organisation
				p.Errors = map[string]string{"email": s.Translate(lang, "signup.email_taken")}
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
		s.InternalError(c, err)
		return
	}
	if p.Next == "" {
		p.Next = "/manage"
	}
	c.Redirect(http.StatusSeeOther, p.Next)
}
