package newsletter

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// FormValues are what the sign-up form holds.
type FormValues struct {
	Email string
	Lang  string
	// Themes are slugs, Countries codes, Organisations slugs (checked).
	Themes, Countries, Organisations []string
	// OrganisationsAdd are other organisations, one per line.
	OrganisationsAdd string
}

// FormPage is the data of /newsletter.
type FormPage struct {
	kit.Page
	kit.Form
	Values        FormValues
	Langs         []kit.Option
	Themes        []kit.Option
	Countries     []kit.Option
	Organisations []kit.Option
}

// ShowForm answers GET /newsletter; ?theme=, ?country= and ?organisation=
// (each repeatable) come checked, so a theme, a country or a profile can
// link to the form with its choice made.
func (s *Pages) ShowForm(c *gin.Context) {
	lang := kit.Lang(c)
	v := FormValues{Lang: lang, Themes: c.QueryArray("theme"), Countries: c.QueryArray("country"),
		Organisations: c.QueryArray("organisation")}
	s.renderForm(c, http.StatusOK, v, kit.Form{})
}

func (s *Pages) renderForm(c *gin.Context, status int, v FormValues, st kit.Form) {
	pg, ok := s.Page(c, "newsletter.title", "newsletter")
	if !ok {
		return
	}
	lang := pg.Lang
	p := FormPage{Page: pg, Form: st.In(pg.Base), Values: v, Countries: s.CountryOptions(lang, v.Countries)}
	for _, l := range []string{"fr", "en"} {
		p.Langs = append(p.Langs, kit.Option{Value: l, Label: s.Translate(lang, "newsletter.lang."+l), Selected: v.Lang == l})
	}
	var err error
	if p.Themes, err = kit.ThemeOptions(c, s.dir, lang, v.Themes); err != nil {
		s.Fail(c, err)
		return
	}
	orgs, err := s.letters.Organisations(c.Request.Context(), v.Organisations)
	if err != nil {
		s.Fail(c, err)
		return
	}
	for _, o := range orgs {
		p.Organisations = append(p.Organisations, kit.Option{Value: o.Slug, Label: o.Name, Selected: true})
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "newsletter_form", p)
}

// Subscribe answers POST /newsletter: every valid sign-up gets the same
// answer (the "check your inbox" page), whether the address was known or
// not; bad input comes back with each field's message.
func (s *Pages) Subscribe(c *gin.Context) {
	r := kit.NewFormReader(c)
	v := FormValues{Email: r.Str("email"), Lang: r.Str("lang"), Themes: r.Strs("themes"), Countries: r.Strs("countries"),
		Organisations: r.Strs("organisations"), OrganisationsAdd: r.Str("organisations_add")}
	orgs := slices.Clone(v.Organisations)
	for _, line := range strings.Split(v.OrganisationsAdd, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			orgs = append(orgs, line)
		}
	}
	err := s.letters.Subscribe(c.Request.Context(), s.Actor(c), newsletter.Request{Email: v.Email, Lang: v.Lang,
		Themes: v.Themes, Countries: v.Countries, Organisations: orgs, IP: c.ClientIP(), Honeypot: r.Raw("homepage")})
	lang := kit.Lang(c)
	switch {
	case err == nil:
		c.Redirect(http.StatusSeeOther, "/newsletter/sent")
	case errors.Is(err, newsletter.ErrRateLimited):
		s.Logger(c).Warn("newsletter sign-up refused", "err", err)
		kit.SetRetryAfter(c, err)
		s.renderForm(c, kit.StatusOf(err), v, kit.Form{Alert: s.Translate(lang, fault.Message(err))})
	default:
		s.FormFailed(c, err, r, func(status int, st kit.Form) {
			// The unknown organisation is named in its message.
			if id := fault.FieldsOf(err)["organisations"]; id != "" {
				st.Errors["organisations"] = s.Translate(lang, id, "Value", fault.ValueOf(err))
			}
			s.renderForm(c, status, v, st)
		})
	}
}

// MessagePage is a page that only tells something: a title, what
// happened, and where to go next.
type MessagePage struct {
	kit.Page
	// Body and More are message ids; Link and LinkLabel (an id) the next
	// step, if any.
	Body, More      string
	Link, LinkLabel string
	// Problem says the body is a refusal.
	Problem bool
}

// ShowSent answers GET /newsletter/sent, the page after a sign-up.
func (s *Pages) ShowSent(c *gin.Context) {
	s.message(c, http.StatusOK, MessagePage{Body: "newsletter.sent.body", More: "newsletter.sent.spam"}, "newsletter.sent.title")
}

func (s *Pages) message(c *gin.Context, status int, p MessagePage, titleID string) {
	var ok bool
	if p.Page, ok = s.HeaderPage(c, titleID, "newsletter"); !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "newsletter_message", p)
}
