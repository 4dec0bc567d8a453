// Package directory owns the partner directory: organisations, their
// offices, team members, projects, themes, contact points and routing
// rules — the types, their validation and the SQL that stores them.
package directory

import (
	"fmt"
	"slices"
	"time"
)

// Localized is a text written in French and English; either may be empty.
type Localized struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in lang ("fr" or "en"), or the other language's when
// that one is empty.
func (l Localized) In(lang string) string {
	if lang == "en" {
		if l.EN != "" {
			return l.EN
		}
		return l.FR
	}
	if l.FR != "" {
		return l.FR
	}
	return l.EN
}

// Kind is an organisation's IATI OrganisationType code.
type Kind int16

// The IATI OrganisationType codes Partnerdir offers.
const (
	KindGovernment     Kind = 10
	KindLocalGov       Kind = 11
	KindPublicSector   Kind = 15
	KindInternational  Kind = 21
	KindNational       Kind = 22
	KindRegional       Kind = 23
	KindPartnerCountry Kind = 24
	KindPPP            Kind = 30
	KindMultilateral   Kind = 40
	KindFoundation     Kind = 60
	KindPrivate        Kind = 70
	KindAcademic       Kind = 80
	KindOther          Kind = 90
)

type kindInfo struct {
	kind Kind
	slug string
}

var kinds = []kindInfo{
	{KindInternational, "international-ngo"},
	{KindNational, "national-ngo"},
	{KindRegional, "regional-ngo"},
	{KindPartnerCountry, "partner-country-ngo"},
	{KindFoundation, "foundation"},
	{KindAcademic, "academic"},
	{KindPrivate, "private-sector"},
	{KindPPP, "public-private-partnership"},
	{KindMultilateral, "multilateral"},
	{KindGovernment, "government"},
	{KindLocalGov, "local-government"},
	{KindPublicSector, "public-sector"},
	{KindOther, "other"},
}

// Kinds lists every organisation kind in display order.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

func (k Kind) info() (kindInfo, bool) {
	for _, i := range kinds {
		if i.kind == k {
			return i, true
		}
	}
	return kindInfo{}, false
}

// Valid reports whether k is a known code.
func (k Kind) Valid() bool { _, ok := k.info(); return ok }

// Slug is the kind's URL name, e.g. "international-ngo".
func (k Kind) Slug() string { i, _ := k.info(); return i.slug }

// MessageID names the kind's label in the locale files, e.g.
// "kind.international-ngo"; an unknown kind's is its code.
func (k Kind) MessageID() string {
	i, ok := k.info()
	if !ok {
		return fmt.Sprint(int16(k))
	}
	return "kind." + i.slug
}

// KindFromSlug parses a kind's URL name.
func KindFromSlug(s string) (Kind, bool) {
	for _, i := range kinds {
		if i.slug == s {
			return i.kind, true
		}
	}
	return 0, false
}

// Organisation statuses.
const (
	StatusDraft     = "draft"
	StatusPending   = "pending"
	StatusPublished = "published"
	StatusSuspended = "suspended"
)

// SupportKind is a kind of help a donor can offer.
type SupportKind string

// The kinds of support.
const (
	SupportDonation     SupportKind = "donation"
	SupportVolunteering SupportKind = "volunteering"
	SupportSkills       SupportKind = "skills"
	SupportGoods        SupportKind = "goods"
	SupportPartnership  SupportKind = "partnership"
	SupportOther        SupportKind = "other"
)

// SupportKinds lists every kind of support in display order.
func SupportKinds() []SupportKind {
	return []SupportKind{SupportDonation, SupportVolunteering, SupportSkills, SupportGoods, SupportPartnership, SupportOther}
}

// Valid reports whether s is a known kind of support.
func (s SupportKind) Valid() bool { return slices.Contains(SupportKinds(), s) }

// MessageID names the kind's label in the locale files, e.g.
// "support.volunteering"; an unknown kind's is its code.
func (s SupportKind) MessageID() string {
	if !s.Valid() {
		return string(s)
	}
	return "support." + string(s)
}

// Office kinds.
const (
	OfficeHeadquarters = "headquarters"
	OfficeRegional     = "regional"
	OfficeCountry      = "country"
	OfficeField        = "field"
)

// OfficeKinds lists office kinds, headquarters first.
func OfficeKinds() []string {
	return []string{OfficeHeadquarters, OfficeRegional, OfficeCountry, OfficeField}
}

// Social networks an organisation can link to.
var SocialNetworks = []string{"facebook", "x", "linkedin", "scoopit", "instagram", "youtube"}

// ProjectStatus is an IATI ActivityStatus code.
type ProjectStatus int16

// The IATI activity statuses.
const (
	ProjectPipeline       ProjectStatus = 1
	ProjectImplementation ProjectStatus = 2
	ProjectFinalisation   ProjectStatus = 3
	ProjectClosed         ProjectStatus = 4
	ProjectCancelled      ProjectStatus = 5
	ProjectSuspended      ProjectStatus = 6
)

// projectStatusNames are the statuses' names in message ids.
var projectStatusNames = map[ProjectStatus]string{
	ProjectPipeline:       "pipeline",
	ProjectImplementation: "implementation",
	ProjectFinalisation:   "finalisation",
	ProjectClosed:         "closed",
	ProjectCancelled:      "cancelled",
	ProjectSuspended:      "suspended",
}

// Valid reports whether s is a known status.
func (s ProjectStatus) Valid() bool { _, ok := projectStatusNames[s]; return ok }

// Name is the status's name in data and URLs, e.g. "implementation".
func (s ProjectStatus) Name() string { return projectStatusNames[s] }

// MessageID names the status's label in the locale files, e.g.
// "project.status.implementation".
func (s ProjectStatus) MessageID() string { return "project.status." + projectStatusNames[s] }

// Theme is a field of work, such as child protection.
type Theme struct {
	ID     int64  `json:"id"`
	Slug   string `json:"slug"`
	NameFR string `json:"name_fr"`
	NameEN string `json:"name_en"`
}

// Name is the theme's name in lang.
func (t Theme) Name(lang string) string {
	if lang == "en" {
		return t.NameEN
	}
	return t.NameFR
}

// Identifier is an org-id.guide registration, e.g. scheme LU-RCS.
type Identifier struct {
	Scheme string `json:"scheme"`
	Value  string `json:"value"`
}

// SocialLink is a link to the organisation on a social network.
type SocialLink struct {
	Network string `json:"network"`
	URL     string `json:"url"`
}

// Organisation is a partner organisation's own data.
type Organisation struct {
	ID            int64
	Slug          string
	Name          string
	AlternateName string
	Kind          Kind
	Description   Localized
	Mission       Localized
	FoundedYear   int
	Website       string
	Email         string
	Phone         string
	LogoPath      string
	// LogoWidth is the stored logo's width in pixels, 0 when unknown
	// (a logo recorded before widths were kept) or none.
	LogoWidth        int
	NewsletterURL    string
	Status           string
	DefaultContactID int64
	LastVerifiedOn   *time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// LastReviewedAt is when its own people last saved or confirmed the
	// profile (shown as "last reviewed").
	LastReviewedAt time.Time
	Version        int
	Themes         []Theme
	Countries      []string
	Identifiers    []Identifier
	SocialLinks    []SocialLink
	// UUID is the organisation's HSDS id when it came with one (an HSDS
	// import), or "": exports then derive it from ID (internal/hsds).
	UUID string
}

// Office is one place an organisation works from.
type Office struct {
	ID         int64
	Name       string
	Kind       string
	Address    string
	PostalCode string
	City       string
	Country    string
	Latitude   *float64
	Longitude  *float64
	OpenedYear int
	Email      string
	Phone      string
	Position   int
	Covers     []string
	Version    int
}

// Member is a person on an organisation's team.
type Member struct {
	ID               int64
	OfficeID         int64
	FullName         string
	RoleTitle        string
	Responsibilities string
	Bio              string
	JoinedYear       int
	Email            string
	Public           bool
	Position         int
	Version          int
}

// Project is a piece of work an organisation runs.
type Project struct {
	ID            int64
	Slug          string
	Title         string
	Summary       Localized
	Description   Localized
	Status        ProjectStatus
	PlannedStart  *time.Time
	PlannedEnd    *time.Time
	ActualStart   *time.Time
	ActualEnd     *time.Time
	LeadOfficeID  int64
	LocalPartners string
	SupportSought []SupportKind
	Countries     []string
	Themes        []Theme
	Position      int
	Version       int
}

// ContactPoint is a named mailbox that receives support offers.
type ContactPoint struct {
	ID       int64
	Name     string
	Email    string
	RoleCode int
	OfficeID int64
	Public   bool
	Default  bool
	Version  int
}

// Rule routes one kind of support, optionally for one office or project, to
// a contact point.
type Rule struct {
	ID             int64
	SupportKind    SupportKind
	OfficeID       int64
	ProjectID      int64
	ContactPointID int64
}

// Profile is an organisation with everything shown on its page.
type Profile struct {
	Organisation
	Offices  []Office
	Members  []Member
	Projects []Project
	// Contacts are its contact points, default first; only the reads that
	// say so fill them (EachProfile, the owner's export): a profile page
	// does not show them.
	Contacts []ContactPoint
	// Documents are its public documents, and the private ones too when
	// read with ProfileOptions.Private.
	Documents []Document
}

// SupportSought lists the kinds of support any of its projects seeks.
func (p *Profile) SupportSought() []SupportKind {
	var out []SupportKind
	for _, k := range SupportKinds() {
		for _, pr := range p.Projects {
			if slices.Contains(pr.SupportSought, k) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// Office returns the office with id, or nil.
func (p *Profile) Office(id int64) *Office {
	for i := range p.Offices {
		if p.Offices[i].ID == id {
			return &p.Offices[i]
		}
	}
	return nil
}

// Team is the public members grouped by office, offices in profile order
// and members without an office last.
type Team struct {
	Office  *Office
	Members []Member
}

// Teams groups the members by office.
func (p *Profile) Teams() []Team {
	var out []Team
	for i := range p.Offices {
		t := Team{Office: &p.Offices[i]}
		for _, m := range p.Members {
			if m.OfficeID == p.Offices[i].ID {
				t.Members = append(t.Members, m)
			}
		}
		if len(t.Members) > 0 {
			out = append(out, t)
		}
	}
	var rest Team
	for _, m := range p.Members {
		if m.OfficeID == 0 || p.Office(m.OfficeID) == nil {
			rest.Members = append(rest.Members, m)
		}
	}
	if len(rest.Members) > 0 {
		out = append(out, rest)
	}
	return out
}
