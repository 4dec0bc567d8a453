package inbox

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/offers"
)

// StaffFilter is the inbox's filter form, as typed.
type StaffFilter struct {
	Status       string
	Organisation string
	Kind         string
	From, To     string
	Query        string
	Overdue      bool
	Sort         string
}

// StaffOffersPage is the data of the offers inbox, for staff (/staff/offers)
// and for an organisation's members (/manage/offers).
type StaffOffersPage struct {
	kit.Page
	// Root is the inbox's path; Staff shows the staff-only actions.
	Root     string
	Staff    bool
	List     *offers.List
	Filter   StaffFilter
	Statuses []string
	Kinds    []directory.SupportKind
	Sorts    []string
	// StatusURL links to the inbox with the same filters and another
	// status ("" for all).
	StatusURL func(status string) string
	PrevURL   string
	NextURL   string
	CSVURL    string
}

// StaffOfferPage is the data of one offer's staff page.
type StaffOfferPage struct {
	kit.Page
	Root  string
	Staff bool
	Offer *offers.Detail
	Next  []string
	Alert string
	// Contacts are the organisation's contact points, for re-routing.
	Contacts []directory.ContactPoint
	// RoutingReason words why the offer went where it went.
	RoutingReason string
}

// routingReason words an offer's routing facts in lang: the rule and where
// it applied, the default contact, the platform's triage, or who re-routed
// it from where, and the recipient.
func (s *Pages) routingReason(lang string, o offers.Offer) string {
	to := o.RoutedToEmail
	if o.RoutedToName != "" {
		to = o.RoutedToName + " <" + to + ">" // for reading, not a MIME header
	}
	return s.Translate(lang, "staff.routing."+o.RoutingBasis, "Kind", s.Translate(lang, o.Kind.MessageID()), "Scope", o.RoutingScope,
		"By", o.ReroutedBy, "From", o.ReroutedFrom, "To", to)
}

// parseStaffFilter reads the inbox filters from the query string.
func parseStaffFilter(c *gin.Context) (StaffFilter, offers.Filter, error) {
	var sf StaffFilter
	r := kit.NewQueryReader(c)
	sf.Status, sf.Organisation, sf.Kind = r.Str("status"), r.Str("org"), r.Str("kind")
	sf.From, sf.To, sf.Query, sf.Sort = r.Str("from"), r.Str("to"), r.Str("q"), r.Str("sort")
	sf.Overdue = r.Str("overdue") == "1"
	page := r.Page()
	if r.Err() != nil {
		return sf, offers.Filter{}, r.Err()
	}
	f := offers.Filter{OrganisationSlug: sf.Organisation, Kind: directory.SupportKind(sf.Kind), Query: sf.Query,
		Overdue: sf.Overdue, Sort: sf.Sort, Page: page}
	if sf.Status != "" {
		if !validStatus(sf.Status) {
			return sf, f, fault.InvalidValue("status", "param.err.unknown_status", sf.Status)
		}
		f.Status = sf.Status
	}
	for _, d := range []struct {
		raw string
		dst *time.Time
		n   string
	}{{sf.From, &f.From, "from"}, {sf.To, &f.To, "to"}} {
		if d.raw == "" {
			continue
		}
		t, perr := time.ParseInLocation("2006-01-02", d.raw, time.UTC)
		if perr != nil {
			return sf, f, fault.InvalidField(d.n, "param.err.date")
		}
		*d.dst = t
	}
	return sf, f, nil
}

func validStatus(s string) bool {
	for _, st := range offers.Statuses() {
		if st == s {
			return true
		}
	}
	return false
}

// offerScope is who is looking at offers: platform staff see every offer;
// an organisation's members see only their organisations' offers.
type offerScope struct {
	root  string
	staff bool
}

var (
	staffScope  = offerScope{root: "/staff/offers", staff: true}
	memberScope = offerScope{root: "/manage/offers"}
)

// nav is the navigation entry the inbox belongs to.
func (sc offerScope) nav() string {
	if sc.staff {
		return "staff"
	}
	return "manage"
}

// restrict limits f to the organisations the user may see.
func (s *Pages) restrict(c *gin.Context, sc offerScope, f *offers.Filter) error {
	if sc.staff {
		return nil
	}
	ms, err := s.acc.Memberships(c.Request.Context(), s.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	f.OrganisationIDs = []int64{}
	for _, m := range ms {
		f.OrganisationIDs = append(f.OrganisationIDs, m.OrganisationID)
	}
	return nil
}

// visibleOffer returns the offer when the scope may see it; another
// organisation's offer is "not found", as if it did not exist.
func (s *Pages) visibleOffer(c *gin.Context, sc offerScope, id int64) (*offers.Detail, error) {
	d, err := s.offers.Get(c.Request.Context(), id)
	if err != nil || sc.staff {
		return d, err
	}
	if _, err := s.acc.Role(c.Request.Context(), s.CurrentUser(c).ID, d.OrganisationID); err != nil {
		return nil, err // not a member: fault.ErrNotFound
	}
	return d, nil
}

// ListStaffOffers answers GET /staff/offers.
func (s *Pages) ListStaffOffers(c *gin.Context) { s.listOffers(c, staffScope) }

// ListMemberOffers answers GET /manage/offers.
func (s *Pages) ListMemberOffers(c *gin.Context) { s.listOffers(c, memberScope) }

// ExportStaffOffers answers GET /staff/offers.csv.
func (s *Pages) ExportStaffOffers(c *gin.Context) { s.exportOffers(c, staffScope) }

// ExportMemberOffers answers GET /manage/offers.csv.
func (s *Pages) ExportMemberOffers(c *gin.Context) {
	s.exportOffers(c, memberScope)
}

// ShowStaffOffer answers GET /staff/offers/:id.
func (s *Pages) ShowStaffOffer(c *gin.Context) { s.showOffer(c, staffScope) }

// ShowMemberOffer answers GET /manage/offers/:id.
func (s *Pages) ShowMemberOffer(c *gin.Context) { s.showOffer(c, memberScope) }

// ChangeOfferStatus answers POST /staff/offers/:id/status.
func (s *Pages) ChangeOfferStatus(c *gin.Context) { s.changeStatus(c, staffScope) }

// ChangeMemberOfferStatus answers POST /manage/offers/:id/status.
func (s *Pages) ChangeMemberOfferStatus(c *gin.Context) { s.changeStatus(c, memberScope) }

// AddOfferNote answers POST /staff/offers/:id/notes.
func (s *Pages) AddOfferNote(c *gin.Context) { s.addNote(c, staffScope) }

// AddMemberOfferNote answers POST /manage/offers/:id/notes.
func (s *Pages) AddMemberOfferNote(c *gin.Context) { s.addNote(c, memberScope) }

// scopedFilter is the inbox filter of the query string, kept to what sc
// may see; a bad filter has been answered.
func (s *Pages) scopedFilter(c *gin.Context, sc offerScope) (StaffFilter, offers.Filter, bool) {
	sf, f, err := parseStaffFilter(c)
	if err == nil {
		err = s.restrict(c, sc, &f)
	}
	if err != nil {
		s.Fail(c, err)
		return sf, f, false
	}
	return sf, f, true
}

func (s *Pages) listOffers(c *gin.Context, sc offerScope) {
	sf, f, ok := s.scopedFilter(c, sc)
	if !ok {
		return
	}
	list, err := s.offers.List(c.Request.Context(), f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "staff.offers.title", sc.nav())
	if !ok {
		return
	}
	p := StaffOffersPage{
		Page: pg, Root: sc.root, Staff: sc.staff, List: list, Filter: sf, Statuses: offers.Statuses(), Kinds: directory.SupportKinds(),
		Sorts: offers.Sorts(),
		StatusURL: func(status string) string {
			v := sf.Values()
			v.Del("status")
			if status != "" {
				v.Set("status", status)
			}
			return kit.Link(sc.root, v)
		},
	}
	p.CSVURL = kit.Link(sc.root+".csv", sf.Values())
	pageURL := func(n int) string {
		v := sf.Values()
		v.Set("page", strconv.Itoa(n))
		return kit.Link(sc.root, v)
	}
	if list.Page > 1 {
		p.PrevURL = pageURL(list.Page - 1)
	}
	if list.Page < list.Pages {
		p.NextURL = pageURL(list.Page + 1)
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, http.StatusOK, "staff_offers", p)
}

// exportOffers sends the filtered inbox as CSV (every page).
func (s *Pages) exportOffers(c *gin.Context, sc offerScope) {
	_, f, ok := s.scopedFilter(c, sc)
	if !ok {
		return
	}
	f.PerPage, f.Page = -1, 1
	list, err := s.offers.List(c.Request.Context(), f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	lang := kit.Lang(c)
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"reference", "received_at", "organisation", "kind", "status", "overdue", "donor_name", "donor_email",
		"donor_phone", "donor_company", "donor_lang", "routed_to", "routing_reason", "assigned_to", "message"})
	for _, o := range list.Offers {
		_ = w.Write(csvSafe(o.Reference, o.CreatedAt.UTC().Format(time.RFC3339), o.OrganisationName, s.Translate(lang, o.Kind.MessageID()),
			o.Status, strconv.FormatBool(o.Overdue), o.DonorName, o.DonorEmail, o.DonorPhone, o.DonorCompany, o.DonorLang,
			o.RoutedToEmail, s.routingReason(lang, o), o.AssignedName, o.Message))
	}
	w.Flush()
	if err := s.offers.RecordExport(c.Request.Context(), s.Actor(c), f, len(list.Offers)); err != nil {
		s.Fail(c, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="offers-%s.csv"`, time.Now().UTC().Format("2006-01-02")))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", []byte(b.String()))
}

// csvSafe neutralises cells a spreadsheet would run as a formula.
func csvSafe(cells ...string) []string {
	for i, v := range cells {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			cells[i] = "'" + v
		}
	}
	return cells
}

func (s *Pages) offerID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.Fail(c, fault.ErrNotFound)
		return 0, false
	}
	return id, true
}

func (s *Pages) showOffer(c *gin.Context, sc offerScope) {
	id, ok := s.offerID(c)
	if !ok {
		return
	}
	s.renderOffer(c, sc, http.StatusOK, id, "")
}

func (s *Pages) renderOffer(c *gin.Context, sc offerScope, status int, id int64, alert string) {
	d, err := s.visibleOffer(c, sc, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "", sc.nav())
	if !ok {
		return
	}
	pg.Title = d.Reference
	p := StaffOfferPage{Page: pg, Root: sc.root, Staff: sc.staff, Offer: d, RoutingReason: s.routingReason(pg.Lang, d.Offer),
		Next: offers.NextStatuses(d.Status), Alert: alert}
	if sc.staff && d.AnonymisedAt == nil {
		if p.Contacts, err = s.dir.ContactPoints(c.Request.Context(), d.OrganisationID); err != nil {
			s.InternalError(c, err)
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, status, "staff_offer", p)
}

// visibleOfferID is the id of the path's offer if sc may see it; else it
// has answered.
func (s *Pages) visibleOfferID(c *gin.Context, sc offerScope) (int64, bool) {
	id, ok := s.offerID(c)
	if !ok {
		return 0, false
	}
	if _, err := s.visibleOffer(c, sc, id); err != nil {
		s.Fail(c, err)
		return 0, false
	}
	return id, true
}

func (s *Pages) changeStatus(c *gin.Context, sc offerScope) {
	id, ok := s.visibleOfferID(c, sc)
	if !ok {
		return
	}
	f := kit.NewFormReader(c)
	version, _ := strconv.Atoi(f.Raw("version")) // a bad version is a conflict
	err := s.offers.ChangeStatus(c.Request.Context(), s.Actor(c), id, f.Raw("status"), version)
	if errors.Is(err, fault.ErrConflict) {
		s.renderOffer(c, sc, kit.StatusOf(err), id, s.Translate(kit.Lang(c), "staff.offer.conflict"))
		return
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s/%d", sc.root, id))
}

func (s *Pages) addNote(c *gin.Context, sc offerScope) {
	id, ok := s.visibleOfferID(c, sc)
	if !ok {
		return
	}
	err := s.offers.AddNote(c.Request.Context(), s.Actor(c), id, kit.NewFormReader(c).Raw("body"))
	if errors.Is(err, fault.ErrInvalid) {
		s.renderOffer(c, sc, http.StatusUnprocessableEntity, id, s.Translate(kit.Lang(c), "staff.offer.note.invalid"))
		return
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("%s/%d#notes", sc.root, id))
}

// AssignOffer answers POST /staff/offers/:id/assign.
func (s *Pages) AssignOffer(c *gin.Context) {
	id, ok := s.offerID(c)
	if !ok {
		return
	}
	var userID int64
	if c.PostForm("to") == "me" {
		userID = s.Actor(c).UserID
	}
	if err := s.offers.Assign(c.Request.Context(), s.Actor(c), id, userID); err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/offers/%d", id))
}

// MarkOffersSpam answers POST /staff/offers/spam.
func (s *Pages) MarkOffersSpam(c *gin.Context) {
	var ids []int64
	for _, v := range c.PostFormArray("id") {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && len(ids) < 500 {
			ids = append(ids, id)
		}
	}
	if _, err := s.offers.MarkSpam(c.Request.Context(), s.Actor(c), ids); err != nil {
		s.Fail(c, err)
		return
	}
	back := kit.SafeNext(c.PostForm("next"))
	if !strings.HasPrefix(back, "/staff/offers") {
		back = "/staff/offers"
	}
	c.Redirect(http.StatusSeeOther, back)
}

// RerouteOffer sends the offer to another contact of its organisation
// (and mails it again).
func (s *Pages) RerouteOffer(c *gin.Context) {
	id, ok := s.offerID(c)
	if !ok {
		return
	}
	contact, _ := strconv.ParseInt(c.PostForm("contact"), 10, 64)
	err := s.offers.Reroute(c.Request.Context(), s.Actor(c), id, contact)
	switch {
	case errors.Is(err, fault.ErrInvalid), errors.Is(err, fault.ErrConflict): // another organisation's contact, an anonymised offer
		s.renderOffer(c, staffScope, http.StatusUnprocessableEntity, id, s.Translate(kit.Lang(c), "staff.offer.reroute.invalid"))
		return
	case err != nil:
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/staff/offers/%d", id))
}
