package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// OfferFormPage is the data of the donor's offer form.
type OfferFormPage struct {
	Page
	Profile *directory.Profile
	Kinds   []directory.SupportKind
	// Values are what the donor typed, kept when the form comes back.
	Values offers.Submission
	// Form's alert is about the whole form (rejected, expired).
	Form
	// FormToken is the signed time the form was shown (minimum fill time).
	FormToken  string
	MaxMessage int
}

// OfferSentPage is the data of the confirmation page.
type OfferSentPage struct {
	Page
	Confirmation *offers.Confirmation
}

// PrivacyPage is the data of the privacy notice.
type PrivacyPage struct {
	Page
	ConsentVersion string
}

func (s *donorPages) showOfferForm(c *gin.Context) {
	p, err := s.dir.Profile(c.Request.Context(), c.Param("slug"), directory.ProfileOptions{})
	if err != nil {
		s.fail(c, err)
		return
	}
	project, err := query(c, "project")
	if err != nil {
		s.fail(c, err)
		return
	}
	office, _ := strconv.ParseInt(c.Query("office"), 10, 64)
	f := offers.Submission{ProjectSlug: project, OfficeID: office, Lang: c.GetString(ctxLang)}
	if k := directory.SupportKind(c.Query("kind")); k.Valid() {
		f.Kind = k
	}
	s.renderOfferForm(c, http.StatusOK, p, f, Form{})
}

func (s *donorPages) renderOfferForm(c *gin.Context, status int, p *directory.Profile, f offers.Submission, st Form) {
	pg, ok := s.page(c, "offers.form.title", "", "Name", p.Name)
	if !ok {
		return
	}
	// Never echo back more than the form accepts.
	if utf8.RuneCountInString(f.Message) > offers.MaxMessage {
		f.Message = string([]rune(f.Message)[:offers.MaxMessage])
	}
	pg.Description = s.tr.T(pg.Lang, "offers.form.lead", "Name", p.Name)
	// The form is personal to this moment (its token); never cache it.
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "offer_form", OfferFormPage{
		Page: pg, Profile: p, Kinds: directory.SupportKinds(), Values: f,
		Form: st.in(pg.Base), FormToken: s.offers.FormToken(), MaxMessage: offers.MaxMessage,
	})
}

// offerFormFromPost reads the donor's form as posted. The offers store
// trims and checks every field itself, so the values are kept as posted;
// an unreadable office is no office.
func offerFormFromPost(r *formReader) offers.Submission {
	office, _ := strconv.ParseInt(r.raw("office"), 10, 64)
	return offers.Submission{
		Kind:        directory.SupportKind(r.raw("kind")),
		ProjectSlug: r.raw("project"),
		OfficeID:    office,
		Message:     r.raw("message"),
		Name:        r.raw("name"),
		Email:       r.raw("email"),
		Phone:       r.raw("phone"),
		Company:     r.raw("company"),
		Lang:        r.raw("lang"),
		Consent:     r.raw("consent") == "yes",
	}
}

// refuseOfferToken answers an offer whose session form token is missing or
// stale — typically a session that expired while the donor was writing.
// The offer is not accepted, but the form comes back with everything the
// donor typed and a fresh token, so sending again works and nothing is
// lost.
func (s *donorPages) refuseOfferToken(c *gin.Context) {
	p, err := s.dir.Profile(c.Request.Context(), c.Param("slug"), directory.ProfileOptions{})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderOfferForm(c, http.StatusForbidden, p, offerFormFromPost(newFormReader(c)), Form{Alert: s.tr.T(c.GetString(ctxLang), "offers.form.token")})
	c.Abort()
}

func (s *donorPages) submitOffer(c *gin.Context) {
	ctx := c.Request.Context()
	slug := c.Param("slug")
	in := newFormReader(c)
	f := offerFormFromPost(in)
	actor := s.actor(c)
	if actor.UserID == 0 {
		actor.Label = "donor"
	}
	sub := f // what the form shows again stays what the donor typed
	sub.OrganisationSlug, sub.FormToken, sub.Honeypot, sub.IP = slug, in.raw("form_token"), in.raw("website"), c.ClientIP()
	r, err := s.offers.Submit(ctx, actor, sub)
	if err == nil {
		s.logger(c).Info("offer received", "reference", r.Reference, "routing_basis", r.Routing.Basis)
		c.Redirect(http.StatusSeeOther, "/organisations/"+url.PathEscape(slug)+"/offer/sent?ref="+url.QueryEscape(r.Reference))
		return
	}
	redraw := func(status int, st Form) {
		p, perr := s.dir.Profile(ctx, slug, directory.ProfileOptions{})
		if perr != nil {
			s.fail(c, perr)
			return
		}
		s.renderOfferForm(c, status, p, f, st)
	}
	if errors.Is(err, offers.ErrRejected) {
		s.logger(c).Warn("offer rejected by the spam guards", "organisation", slug)
		redraw(statusOf(err), Form{Alert: s.tr.T(c.GetString(ctxLang), fault.Message(err))})
		return
	}
	s.formFailed(c, err, nil, func(status int, st Form) {
		st.Alert = s.tr.T(c.GetString(ctxLang), "offers.form.invalid")
		if m, expired := st.Errors["form"]; expired { // not a field: the form is too old
			st.Alert = m
			delete(st.Errors, "form")
		}
		redraw(status, st)
	})
}

func (s *donorPages) showOfferSent(c *gin.Context) {
	ref, err := query(c, "ref")
	if err != nil {
		s.fail(c, err)
		return
	}
	conf, err := s.offers.Confirmation(c.Request.Context(), c.Param("slug"), ref)
	if err != nil {
		s.fail(c, err)
		return
	}
	pg, ok := s.headerPage(c, "offers.sent.title", "")
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex")
	s.render(c, http.StatusOK, "offer_sent", OfferSentPage{Page: pg, Confirmation: conf})
}

func (s *donorPages) showPrivacy(c *gin.Context) {
	pg, ok := s.headerPage(c, "privacy.title", "")
	if !ok {
		return
	}
	s.render(c, http.StatusOK, "privacy", PrivacyPage{Page: pg, ConsentVersion: offers.ConsentVersion})
}
