package directory

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/partnerdir/partnerdir/internal/fault"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// ValidSlug reports whether s can name an organisation or project in a URL.
func ValidSlug(s string) bool { return len(s) <= 80 && slugPattern.MatchString(s) }

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 country code
// in upper case.
func ValidCountry(code string) bool {
	if len(code) != 2 || strings.ToUpper(code) != code || code == "XK" {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code && r.Canonicalize().String() == code
}

// ValidEmail reports whether s is a plain email address (no display name).
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254 && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
}

func validWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 500
}

type checker struct{ fault.Fields }

func (c *checker) required(field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		c.Add(field, "manage.err.required")
	case utf8.RuneCountInString(v) > max:
		c.Add(field, "manage.err.too_long")
	}
}

func (c *checker) optional(field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		c.Add(field, "manage.err.too_long")
	}
}

func (c *checker) email(field, v string) {
	if v != "" && !ValidEmail(v) {
		c.Add(field, "manage.err.not_a_valid_email_address")
	}
}

func (c *checker) web(field, v string) {
	if v != "" && !validWebURL(v) {
		c.Add(field, "manage.err.must_be_a_web_address_starting_with_http://_or_https://")
	}
}

func (c *checker) year(field string, y int) {
	if y != 0 && (y < 1800 || y > 2100) {
		c.Add(field, "manage.err.not_a_valid_year")
	}
}

func (c *checker) countries(field string, codes []string) {
	for _, code := range codes {
		if !ValidCountry(code) {
			c.Add(field, "manage.err.unknown_country")
		}
	}
}

// Validate checks an organisation's own fields.
func (o *Organisation) Validate() error {
	var c checker
	if !ValidSlug(o.Slug) {
		c.Add("slug", "manage.err.use_lower-case_letters,_digits_and_dashes")
	}
	c.required("name", o.Name, 200)
	c.optional("alternate_name", o.AlternateName, 100)
	if !o.Kind.Valid() {
		c.Add("kind", "manage.err.choose_a_kind_of_organisation")
	}
	c.optional("description_fr", o.Description.FR, 10000)
	c.optional("description_en", o.Description.EN, 10000)
	c.optional("mission_fr", o.Mission.FR, 2000)
	c.optional("mission_en", o.Mission.EN, 2000)
	c.year("founded_year", o.FoundedYear)
	c.web("website", o.Website)
	c.web("newsletter_url", o.NewsletterURL)
	c.email("email", o.Email)
	c.optional("phone", o.Phone, 40)
	switch o.Status {
	case StatusDraft, StatusPending, StatusPublished, StatusSuspended:
	default:
		c.Add("status", "manage.err.unknown_status")
	}
	c.countries("countries", o.Countries)
	for _, l := range o.SocialLinks {
		known := false
		for _, n := range SocialNetworks {
			known = known || n == l.Network
		}
		if !known {
			c.Add("social_"+l.Network, "manage.err.unknown_network")
		}
		c.web("social_"+l.Network, l.URL)
	}
	// The profile form's rule (IdentifierSchemes and their formats), so
	// whatever an import or a seed stores, an owner can save again.
	c.identifiers(o.Identifiers)
	return c.Err()
}

// Validate checks an office.
func (f *Office) Validate() error {
	var c checker
	c.required("name", f.Name, 200)
	switch f.Kind {
	case OfficeHeadquarters, OfficeRegional, OfficeCountry, OfficeField:
	default:
		c.Add("kind", "manage.err.choose_a_kind_of_office")
	}
	c.optional("address", f.Address, 300)
	c.optional("postal_code", f.PostalCode, 20)
	c.required("city", f.City, 100)
	if !ValidCountry(f.Country) {
		c.Add("country", "manage.err.choose_a_country")
	}
	if (f.Latitude == nil) != (f.Longitude == nil) {
		c.Add("latitude", "manage.err.give_both_latitude_and_longitude,_or_neither")
	}
	if f.Latitude != nil && (*f.Latitude < -90 || *f.Latitude > 90) {
		c.Add("latitude", "manage.err.latitude_range")
	}
	if f.Longitude != nil && (*f.Longitude < -180 || *f.Longitude > 180) {
		c.Add("longitude", "manage.err.longitude_range")
	}
	c.year("opened_year", f.OpenedYear)
	c.email("email", f.Email)
	c.optional("phone", f.Phone, 40)
	c.countries("covers", f.Covers)
	return c.Err()
}

// Validate checks a team member.
func (m *Member) Validate() error {
	var c checker
	c.required("full_name", m.FullName, 200)
	c.optional("role_title", m.RoleTitle, 200)
	c.optional("responsibilities", m.Responsibilities, 2000)
	c.optional("bio", m.Bio, 2000)
	if m.JoinedYear != 0 && (m.JoinedYear < 1900 || m.JoinedYear > 2100) {
		c.Add("joined_year", "manage.err.not_a_valid_year")
	}
	c.email("email", m.Email)
	return c.Err()
}

// Validate checks a project.
func (p *Project) Validate() error {
	var c checker
	if !ValidSlug(p.Slug) {
		c.Add("slug", "manage.err.use_lower-case_letters,_digits_and_dashes")
	}
	c.required("title", p.Title, 200)
	c.optional("summary_fr", p.Summary.FR, 1000)
	c.optional("summary_en", p.Summary.EN, 1000)
	c.optional("description_fr", p.Description.FR, 10000)
	c.optional("description_en", p.Description.EN, 10000)
	if !p.Status.Valid() {
		c.Add("status", "manage.err.choose_a_status")
	}
	if p.PlannedStart != nil && p.PlannedEnd != nil && p.PlannedEnd.Before(*p.PlannedStart) {
		c.Add("planned_end", "manage.err.ends_before_it_starts")
	}
	if p.ActualStart != nil && p.ActualEnd != nil && p.ActualEnd.Before(*p.ActualStart) {
		c.Add("actual_end", "manage.err.ends_before_it_starts")
	}
	c.optional("local_partners", p.LocalPartners, 1000)
	for _, k := range p.SupportSought {
		if !k.Valid() {
			c.Add("support_sought", "manage.err.unknown_kind_of_support")
		}
	}
	c.countries("countries", p.Countries)
	return c.Err()
}

// Validate checks a contact point.
func (cp *ContactPoint) Validate() error {
	var c checker
	c.required("name", cp.Name, 200)
	if !ValidEmail(cp.Email) {
		c.Add("email", "manage.err.not_a_valid_email_address")
	}
	if cp.RoleCode < 1 || cp.RoleCode > 4 {
		c.Add("role_code", "manage.err.choose_a_role")
	}
	return c.Err()
}
