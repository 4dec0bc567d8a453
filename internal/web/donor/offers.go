package donor

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// OfferFormPage is the data of the donor's offer form.
type OfferFormPage struct {
	kit.Page
	Profile *directory.Profile
	Kinds   []directory.SupportKind
	// Values are what the donor typed, kept when the form comes back.
	Values offers.Submission
	// Form's alert is about the whole form (rejected, expired).
	kit.Form
	// FormToken is the signed time the form was shown (minimum fill time).
	FormToken  string
	MaxMessage int
}

// OfferSentPage is the data of the confirmation page.
type OfferSentPage struct {
	kit.Page
	Confirmation *offers.Confirmation
}

// PrivacyPage is the data of the privacy notice.
type PrivacyPage struct {
	kit.Page
	ConsentVersion string
	// TriageEmail is where donors ask for their data.
	TriageEmail string
}

// ShowOfferForm answers GET /organisations/:slug/offer.
func (s *Pages) ShowOfferForm(c *gin.Context) {
	p, err := s.dir.Profile(c.Request.Context(), c.Param("slug"), directory.ProfileOptions{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	project, err := kit.Query(c, "project")
	if err != nil {
		s.Fail(c, err)
		return
	}
	office, _ := strconv.ParseInt(c.Query("office"), 10, 64)
	f := offers.Submission{ProjectSlug: project, OfficeID: office, Lang: kit.Lang(c)}
	if k := directory.SupportKind(c.Query("kind")); k.Valid() {
		f.Kind = k
	}
	s.renderOfferForm(c, http.StatusOK, p, f, kit.Form{})
}

func (s *Pages) renderOfferForm(c *gin.Context, status int, p *directory.Profile, f offers.Submission, st kit.Form) {
	pg, ok := s.Page(c, "offers.form.title", "", "Name", p.Name)
	if !ok {
		return
	}
	// Never echo back more than the form accepts.
	if utf8.RuneCountInString(f.Message) > offers.MaxMessage {
		f.Message = string([]rune(f.Message)[:offers.MaxMessage])
	}
	pg.Description = s.Translate(pg.Lang, "offers.form.lead", "Name", p.Name)
	// The form is personal to this moment (its token); never cache it.
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "offer_form", OfferFormPage{
		Page: pg, Profile: p, Kinds: directory.SupportKinds(), Values: f,
		Form: st.In(pg.Base), FormToken: s.offers.FormToken(), MaxMessage: offers.MaxMessage,
	})
}

// offerFormFromPost reads the donor's form as posted. The offers store
// trims and checks every field itself, so the values are kept as posted;
// an unreadable office is no office.
func offerFormFromPost(r *kit.FormReader) offers.Submission {
	office, _ := strconv.ParseInt(r.Raw("office"), 10, 64)
	return offers.Submission{
		Kind:        directory.SupportKind(r.Raw("kind")),
		ProjectSlug: r.Raw("project"),
		OfficeID:    office,
		Message:     r.Raw("message"),
		Name:        r.Raw("name"),
		Email:       r.Raw("email"),
		Phone:       r.Raw("phone"),
		Company:     r.Raw("company"),
		Lang:        r.Raw("lang"),
		Consent:     r.Raw("consent") == "yes",
	}
}

// RefuseOfferToken answers an offer whose session form token is missing or
// stale — typically a session that expired while the donor was writing.
// The offer is not accepted, but the form comes back with everything the
// donor typed and a fresh token, so sending again works and nothing is
// lost.
func (s *Pages) RefuseOfferToken(c *gin.Context) {
	p, err := s.dir.Profile(c.Request.Context(), c.Param("slug"), directory.ProfileOptions{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.renderOfferForm(c, http.StatusForbidden, p, offerFormFromPost(kit.NewFormReader(c)), kit.Form{Alert: s.Translate(kit.Lang(c), "offers.form.token")})
	c.Abort()
}

// SubmitOffer answers POST /organisations/:slug/offer.
func (s *Pages) SubmitOffer(c *gin.Context) {
	ctx := c.Request.Context()
	slug := c.Param("slug")
	in := kit.NewFormReader(c)
	f := offerFormFromPost(in)
	actor := s.Actor(c)
	if actor.UserID == 0 {
		actor.Label = "donor"
	}
	sub := f // what the form shows again stays what the donor typed
	sub.OrganisationSlug, sub.FormToken, sub.Honeypot, sub.IP = slug, in.Raw("form_token"), in.Raw("website"), c.ClientIP()
	r, err := s.offers.Submit(ctx, actor, sub)
	if err == nil {
		s.Logger(c).Info("offer received", "reference", r.Reference, "routing_basis", r.Routing.Basis)
		c.Redirect(http.StatusSeeOther, "/organisations/"+url.PathEscape(slug)+"/offer/sent?ref="+url.QueryEscape(r.Reference))
		return
	}
	redraw := func(status int, st kit.Form) {
		p, perr := s.dir.Profile(ctx, slug, directory.ProfileOptions{})
		if perr != nil {
			s.Fail(c, perr)
			return
		}
		s.renderOfferForm(c, status, p, f, st)
	}
	if errors.Is(err, offers.ErrRejected) {
		s.Logger(c).Warn("offer rejected by the spam guards", "organisation", slug)
		kit.SetRetryAfter(c, err)
		redraw(kit.StatusOf(err), kit.Form{Alert: s.Translate(kit.Lang(c), fault.Message(err))})
		return
	}
	s.FormFailed(c, err, nil, func(status int, st kit.Form) {
		st.Alert = s.Translate(kit.Lang(c), "offers.form.invalid")
		if m, expired := st.Errors["form"]; expired { // not a field: the form is too old
			st.Alert = m
			delete(st.Errors, "form")
		}
		redraw(status, st)
	})
}

// ShowOfferSent answers GET /organisations/:slug/offer/sent.
func (s *Pages) ShowOfferSent(c *gin.Context) {
	ref, err := kit.Query(c, "ref")
	if err != nil {
		s.Fail(c, err)
		return
	}
	conf, err := s.offers.Confirmation(c.Request.Context(), c.Param("slug"), ref)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.HeaderPage(c, "offers.sent.title", "")
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Robots-Tag", "noindex")
	s.Render(c, http.StatusOK, "offer_sent", OfferSentPage{Page: pg, Confirmation: conf})
}

// ShowPrivacy answers GET /privacy.
func (s *Pages) ShowPrivacy(c *gin.Context) {
	pg, ok := s.HeaderPage(c, "privacy.title", "")
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "privacy", PrivacyPage{Page: pg, ConsentVersion: offers.ConsentVersion,
		TriageEmail: s.offers.TriageEmail()})
}

// OfferStatusPage is the data of the donor's status page.
type OfferStatusPage struct {
	kit.Page
	Status *offers.DonorStatus
}

// ShowOfferStatus answers GET /offers/status?token=…, the private link
// of the donor's mails. A tampered, unknown or purged offer's token is the
// site's plain 404. The token is in the address: the page is never stored
// (no-store, set by the route's group), never indexed, and its links send
// no Referer.
func (s *Pages) ShowOfferStatus(c *gin.Context) {
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Robots-Tag", "noindex")
	st, err := s.offers.StatusOf(c.Request.Context(), c.Query("token"))
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.HeaderPage(c, "donors.status.title", "", "Reference", st.Reference)
	if !ok {
		return
	}
	s.Render(c, http.StatusOK, "offer_status", OfferStatusPage{Page: pg, Status: st})
}
