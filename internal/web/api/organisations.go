package api

import (
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// The JSON of the directory. Field names are snake_case and stable (the
// contract names them); dates are ISO 8601 (RFC 3339 in UTC for instants,
// YYYY-MM-DD for days), countries ISO 3166-1 alpha-2 codes, languages
// ISO 639-1 codes. Only what a profile page shows leaves the server:
// private team members and contact points are never read, and a member's
// email address never is.

// Text is a text written in French and English; either may be "".
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

func textOf(l directory.Localized) Text { return Text{FR: l.FR, EN: l.EN} }

// OrganisationSummary is an organisation in a list.
type OrganisationSummary struct {
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Acronym   string    `json:"acronym"`
	Kind      string    `json:"kind"`
	Mission   Text      `json:"mission"`
	Themes    []string  `json:"themes"`
	Countries []string  `json:"countries"`
	Cities    []string  `json:"cities"`
	UpdatedAt time.Time `json:"updated_at"`
	URL       string    `json:"url"`
	APIURL    string    `json:"api_url"`
}

// OrganisationList is a page of organisations.
type OrganisationList struct {
	Data []OrganisationSummary `json:"data"`
	// Total counts the organisations matching the filters; absent when
	// q is given (the list is not counted then).
	Total      *int   `json:"total,omitempty"`
	Limit      int    `json:"limit"`
	Next       string `json:"next,omitempty"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Theme is a theme as an organisation, project or article names it.
type Theme struct {
	Slug string `json:"slug"`
	Name Text   `json:"name"`
}

func themesOf(ts []directory.Theme) []Theme {
	out := make([]Theme, len(ts))
	for i, t := range ts {
		out[i] = Theme{Slug: t.Slug, Name: Text{FR: t.NameFR, EN: t.NameEN}}
	}
	return out
}

// Identifier is an org-id.guide registration.
type Identifier struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}

// SocialLink is a link to the organisation on a social network.
type SocialLink struct {
	Network string `json:"network"`
	URL     string `json:"url"`
}

// Office is one of the organisation's offices.
type Office struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Kind       string   `json:"kind"`
	Address    string   `json:"address"`
	PostalCode string   `json:"postal_code"`
	City       string   `json:"city"`
	Country    string   `json:"country"`
	Covers     []string `json:"covers"`
	Latitude   *float64 `json:"latitude"`
	Longitude  *float64 `json:"longitude"`
	OpenedYear *int     `json:"opened_year"`
	Email      string   `json:"email"`
	Phone      string   `json:"phone"`
}

// Member is a public member of the team.
type Member struct {
	Name       string `json:"name"`
	Role       string `json:"role"`
	Bio        string `json:"bio"`
	JoinedYear *int   `json:"joined_year"`
	OfficeID   *int64 `json:"office_id"`
	OfficeName string `json:"office_name"`
}

// Project is a piece of work of the organisation.
type Project struct {
	Slug          string   `json:"slug"`
	Title         string   `json:"title"`
	Summary       Text     `json:"summary"`
	Description   Text     `json:"description"`
	Status        string   `json:"status"`
	PlannedStart  *string  `json:"planned_start"`
	PlannedEnd    *string  `json:"planned_end"`
	ActualStart   *string  `json:"actual_start"`
	ActualEnd     *string  `json:"actual_end"`
	LeadOfficeID  *int64   `json:"lead_office_id"`
	LocalPartners string   `json:"local_partners"`
	SupportSought []string `json:"support_sought"`
	Countries     []string `json:"countries"`
	Themes        []Theme  `json:"themes"`
}

// ContactPoint is a public mailbox of the organisation.
type ContactPoint struct {
	Name     string `json:"name"`
	Email    string `json:"email"`
	Role     string `json:"role"`
	OfficeID *int64 `json:"office_id"`
	Default  bool   `json:"default"`
}

// contactRoles name IATI ContactType codes.
var contactRoles = map[int]string{1: "general-enquiries", 2: "project-management", 3: "financial-management", 4: "communications"}

// Organisation is an organisation's whole public profile.
type Organisation struct {
	Slug          string         `json:"slug"`
	Name          string         `json:"name"`
	Acronym       string         `json:"acronym"`
	Kind          string         `json:"kind"`
	IATIType      int            `json:"iati_type"`
	Description   Text           `json:"description"`
	Mission       Text           `json:"mission"`
	FoundedYear   *int           `json:"founded_year"`
	Website       string         `json:"website"`
	Email         string         `json:"email"`
	Phone         string         `json:"phone"`
	LogoURL       string         `json:"logo_url"`
	NewsletterURL string         `json:"newsletter_url"`
	Themes        []Theme        `json:"themes"`
	Countries     []string       `json:"countries"`
	Identifiers   []Identifier   `json:"identifiers"`
	SocialLinks   []SocialLink   `json:"social_links"`
	SupportSought []string       `json:"support_sought"`
	Offices       []Office       `json:"offices"`
	Team          []Member       `json:"team"`
	Projects      []Project      `json:"projects"`
	ContactPoints []ContactPoint `json:"contact_points"`
	VerifiedOn    *string        `json:"verified_on"`
	LastReviewed  time.Time      `json:"last_reviewed_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	URL           string         `json:"url"`
	APIURL        string         `json:"api_url"`
}

// ProjectList is an organisation's projects.
type ProjectList struct {
	Organisation string    `json:"organisation"`
	Data         []Project `json:"data"`
}

// minTextLen is the shortest q of the list.
const minTextLen = 3

// ListOrganisations answers GET /api/v1/organisations: the published
// organisations by name, filtered as the web's list and search are
// (theme, country, kind, support sought, words of the name), a page at a
// time through an opaque keyset cursor.
func (h *Handlers) ListOrganisations(c *gin.Context) {
	f, err := h.listFilter(c)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	page, err := h.dir.List(c.Request.Context(), f)
	if err != nil {
		h.FailJSON(c, cursorError(err))
		return
	}
	out := OrganisationList{Data: make([]OrganisationSummary, len(page.Cards)), Limit: f.Limit}
	if f.Text == "" {
		out.Total = &page.Total
	}
	for i, card := range page.Cards {
		out.Data[i] = h.summaryOf(card)
	}
	if page.Next != "" {
		v := url.Values(kit.Params{}.Set("theme", f.Theme).Set("country", f.Country).Set("support", string(f.Support)).
			Set("q", f.Text).Set("cursor", page.Next))
		if f.Kind != 0 {
			v.Set("kind", f.Kind.Slug())
		}
		if f.Limit != defaultLimit {
			v.Set("limit", strconv.Itoa(f.Limit))
		}
		out.Next, out.NextCursor = h.link(Prefix+"/organisations", v), page.Next
	}
	h.writeJSON(c, out, out.Next)
}

// listFilter reads the list's parameters with the web's vocabulary
// (kit.ThemeParam, CountryParam, KindParam, SupportParam).
func (h *Handlers) listFilter(c *gin.Context) (directory.ListFilter, error) {
	var f directory.ListFilter
	q, err := readParams(c, "theme", "country", "kind", "support", "q", "cursor", "limit")
	if err != nil {
		return f, err
	}
	theme, country, kind, support := q.Str("theme"), q.Str("country"), q.Str("kind"), q.Str("support")
	f.Text, f.After = q.Str("q"), q.Str("cursor")
	if err := q.Err(); err != nil {
		return f, err
	}
	if f.Limit, err = limitParam(q, defaultLimit, maxLimit); err != nil {
		return f, err
	}
	// Shorter words have no trigram: every name would be read.
	if f.Text != "" && utf8.RuneCountInString(f.Text) < minTextLen {
		return f, fault.InvalidValue("q", "api.err.q_short", strconv.Itoa(minTextLen))
	}
	if theme != "" {
		themes, err := h.dir.Themes(c.Request.Context())
		if err != nil {
			return f, err
		}
		if err := kit.ThemeParam(themes, "theme", theme); err != nil {
			return f, err
		}
		f.Theme = theme
	}
	if f.Country, err = h.CountryParam("country", country); err != nil {
		return f, err
	}
	if f.Kind, err = kit.KindParam("kind", kind); err != nil {
		return f, err
	}
	if f.Support, err = kit.SupportParam("support", support); err != nil {
		return f, err
	}
	return f, nil
}

func (h *Handlers) summaryOf(card directory.Card) OrganisationSummary {
	s := OrganisationSummary{Slug: card.Slug, Name: card.Name, Acronym: card.AlternateName, Kind: card.Kind.Slug(),
		Mission: textOf(card.Mission), Themes: make([]string, len(card.Themes)), Countries: nonNil(card.Countries),
		Cities: nonNil(card.Cities), UpdatedAt: card.UpdatedAt.UTC(),
		URL: h.BaseURL() + "/organisations/" + card.Slug, APIURL: h.BaseURL() + Prefix + "/organisations/" + card.Slug}
	for i, t := range card.Themes {
		s.Themes[i] = t.Slug
	}
	return s
}

// ShowOrganisation answers GET /api/v1/organisations/{slug}: the
// published organisation's public profile, or 404.
func (h *Handlers) ShowOrganisation(c *gin.Context) {
	p, ok := h.profile(c)
	if !ok {
		return
	}
	contacts, err := h.dir.PublicContactPoints(c.Request.Context(), p.ID)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	h.writeJSON(c, h.organisationOf(p, contacts), "")
}

// ListProjects answers GET /api/v1/organisations/{slug}/projects: the
// published organisation's projects, current ones first.
func (h *Handlers) ListProjects(c *gin.Context) {
	p, ok := h.profile(c)
	if !ok {
		return
	}
	out := ProjectList{Organisation: p.Slug, Data: make([]Project, len(p.Projects))}
	for i, pr := range p.Projects {
		out.Data[i] = h.projectOf(p, pr)
	}
	h.writeJSON(c, out, "")
}

// profile reads the published organisation of the path's slug, public
// parts only; false when it has answered (400, 404, 500).
func (h *Handlers) profile(c *gin.Context) (*directory.Profile, bool) {
	if _, err := readParams(c); err != nil {
		h.FailJSON(c, err)
		return nil, false
	}
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		h.FailJSON(c, fault.ErrNotFound)
		return nil, false
	}
	p, err := h.dir.Profile(c.Request.Context(), slug, directory.ProfileOptions{})
	if err != nil {
		h.FailJSON(c, err)
		return nil, false
	}
	return p, true
}

func (h *Handlers) organisationOf(p *directory.Profile, contacts []directory.ContactPoint) Organisation {
	base := h.BaseURL()
	o := Organisation{Slug: p.Slug, Name: p.Name, Acronym: p.AlternateName, Kind: p.Kind.Slug(), IATIType: int(p.Kind),
		Description: textOf(p.Description), Mission: textOf(p.Mission), FoundedYear: optInt(p.FoundedYear),
		Website: p.Website, Email: p.Email, Phone: p.Phone, NewsletterURL: p.NewsletterURL,
		Themes: themesOf(p.Themes), Countries: nonNil(p.Countries), Identifiers: []Identifier{}, SocialLinks: []SocialLink{},
		SupportSought: []string{}, Offices: make([]Office, len(p.Offices)), Team: make([]Member, len(p.Members)),
		Projects: make([]Project, len(p.Projects)), ContactPoints: make([]ContactPoint, len(contacts)),
		LastReviewed: p.LastReviewedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		URL: base + "/organisations/" + p.Slug, APIURL: base + Prefix + "/organisations/" + p.Slug}
	if p.LogoPath != "" {
		o.LogoURL = base + p.LogoPath
	}
	if p.LastVerifiedOn != nil {
		d := p.LastVerifiedOn.Format(time.DateOnly)
		o.VerifiedOn = &d
	}
	for _, id := range p.Identifiers {
		o.Identifiers = append(o.Identifiers, Identifier(id))
	}
	for _, l := range p.SocialLinks {
		o.SocialLinks = append(o.SocialLinks, SocialLink(l))
	}
	for _, k := range p.SupportSought() {
		o.SupportSought = append(o.SupportSought, string(k))
	}
	for i, f := range p.Offices {
		o.Offices[i] = Office{ID: f.ID, Name: f.Name, Kind: f.Kind, Address: f.Address, PostalCode: f.PostalCode, City: f.City,
			Country: f.Country, Covers: nonNil(f.Covers), Latitude: f.Latitude, Longitude: f.Longitude,
			OpenedYear: optInt(f.OpenedYear), Email: f.Email, Phone: f.Phone}
	}
	for i, m := range p.Members {
		mv := Member{Name: m.FullName, Role: m.RoleTitle, Bio: m.Bio, JoinedYear: optInt(m.JoinedYear)}
		if f := p.Office(m.OfficeID); f != nil {
			mv.OfficeID, mv.OfficeName = &f.ID, f.Name
		}
		o.Team[i] = mv
	}
	for i, pr := range p.Projects {
		o.Projects[i] = h.projectOf(p, pr)
	}
	for i, cp := range contacts {
		cv := ContactPoint{Name: cp.Name, Email: cp.Email, Role: contactRoles[cp.RoleCode], Default: cp.Default}
		if f := p.Office(cp.OfficeID); f != nil {
			cv.OfficeID = &f.ID
		}
		o.ContactPoints[i] = cv
	}
	return o
}

func (h *Handlers) projectOf(p *directory.Profile, pr directory.Project) Project {
	out := Project{Slug: pr.Slug, Title: pr.Title, Summary: textOf(pr.Summary), Description: textOf(pr.Description),
		Status: pr.Status.Name(), PlannedStart: optDate(pr.PlannedStart), PlannedEnd: optDate(pr.PlannedEnd),
		ActualStart: optDate(pr.ActualStart), ActualEnd: optDate(pr.ActualEnd), LocalPartners: pr.LocalPartners,
		SupportSought: make([]string, len(pr.SupportSought)), Countries: nonNil(pr.Countries), Themes: themesOf(pr.Themes)}
	for i, k := range pr.SupportSought {
		out.SupportSought[i] = string(k)
	}
	if f := p.Office(pr.LeadOfficeID); f != nil {
		out.LeadOfficeID = &f.ID
	}
	return out
}

// optInt is n, or null for 0 (a year not given).
func optInt(n int) *int {
	if n == 0 {
		return nil
	}
	return &n
}

// optDate is t as YYYY-MM-DD, or null.
func optDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	d := t.Format(time.DateOnly)
	return &d
}

// nonNil makes an empty list [] rather than null in JSON.
func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
