package hsds

import (
	"strconv"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// contactRoles name a contact point's role codes (directory.ContactPoint
// RoleCode 1-4) as TaxContactRole terms.
var contactRoles = []string{1: "general", 2: "projects", 3: "finance", 4: "communications"}

// Encode returns the public HSDS record of p: what its public profile
// shows, and nothing else. Private team members and contact points are
// left out whatever p holds, and so are team members' email addresses and
// responsibilities (the profile never shows them).
func Encode(p *directory.Profile) Organization { return encode(p, false) }

// EncodeFull returns the whole HSDS record of p for its owners: every team
// member and contact point p holds, private ones included and each marked
// with the TaxFlag attribute FlagPrivate, with members' email addresses
// and responsibilities.
func EncodeFull(p *directory.Profile) Organization { return encode(p, true) }

// ID returns p's HSDS id: the stored one (an imported organisation's) or
// the one derived from its id.
func ID(o *directory.Organisation) string {
	if o.UUID != "" {
		return o.UUID
	}
	return OrganizationID(o.ID)
}

// attrs builds the attributes of one record, numbering them in order.
type attrs struct {
	parent, entity string
	list           []Attribute
}

func (a *attrs) add(taxonomy, code, name, value string) {
	if name == "" {
		name = code
	}
	term := TaxonomyTerm{ID: termID(taxonomy, code), Code: code, Name: name, Taxonomy: taxonomy}
	if taxonomy == TaxTheme {
		term.Language = "en"
	}
	a.list = append(a.list, Attribute{
		ID: childID(a.parent, "attribute", len(a.list)), LinkID: a.parent, TaxonomyTermID: term.ID,
		LinkType: taxonomy, LinkEntity: a.entity, Value: value, TaxonomyTerm: term,
	})
}

// text adds a text attribute when the text is not empty.
func (a *attrs) text(field, value string) {
	if value != "" {
		a.add(TaxText, field, "", value)
	}
}

func (a *attrs) year(y int) {
	if y != 0 {
		a.add(TaxOpened, "year", "", strconv.Itoa(y))
	}
}

func encode(p *directory.Profile, full bool) Organization {
	id := ID(&p.Organisation)
	o := Organization{
		ID: id, Name: p.Name, AlternateName: p.AlternateName, Description: p.Description.In("fr"),
		Email: p.Email, Website: p.Website, YearIncorporated: p.FoundedYear,
		Contacts: []Contact{}, Phones: []Phone{}, Locations: []Location{},
		Identifiers: []OrganizationIdentifier{}, Attributes: []Attribute{},
	}
	a := attrs{parent: id, entity: "organization"}
	a.add(TaxSlug, "slug", "", p.Slug)
	a.add(TaxKind, strconv.Itoa(int(p.Kind)), p.Kind.Slug(), "")
	a.text("description_fr", p.Description.FR)
	a.text("description_en", p.Description.EN)
	a.text("mission_fr", p.Mission.FR)
	a.text("mission_en", p.Mission.EN)
	for _, t := range p.Themes {
		a.add(TaxTheme, t.Slug, t.NameEN, "")
	}
	for _, c := range p.Countries {
		a.add(TaxCountry, c, "", "")
	}
	for _, l := range p.SocialLinks {
		a.add(TaxSocial, l.Network, "", l.URL)
	}
	if p.NewsletterURL != "" {
		a.add(TaxLink, "newsletter", "", p.NewsletterURL)
	}
	o.Attributes = a.list

	if p.Phone != "" {
		o.Phones = append(o.Phones, Phone{ID: childID(id, "phone", 0), OrganizationID: id, Number: p.Phone})
	}
	for i, ident := range p.Identifiers {
		o.Identifiers = append(o.Identifiers, OrganizationIdentifier{
			ID: childID(id, "organization_identifier", i), OrganizationID: id,
			Scheme: ident.Scheme, Type: ident.Scheme, Identifier: ident.Value,
		})
	}

	// Offices in profile order (headquarters, regional, country, field
	// offices, each by position then id); a child refers to its office by
	// the office's location id.
	locationOf := map[int64]string{}
	for i, f := range p.Offices {
		lid := childID(id, "location", i)
		locationOf[f.ID] = lid
		l := Location{ID: lid, LocationType: "physical", OrganizationID: id, Name: f.Name,
			Latitude: f.Latitude, Longitude: f.Longitude,
			Addresses: []Address{{ID: childID(lid, "address", 0), LocationID: lid, Address1: f.Address,
				City: f.City, PostalCode: f.PostalCode, Country: f.Country, AddressType: "physical"}},
			Phones: []Phone{}, Contacts: []Contact{}}
		if f.Phone != "" {
			l.Phones = append(l.Phones, Phone{ID: childID(lid, "phone", 0), LocationID: lid, Number: f.Phone})
		}
		if f.Email != "" {
			cid := childID(lid, "contact", 0)
			ca := attrs{parent: cid, entity: "contact"}
			ca.add(TaxContactKind, ContactOffice, "", "")
			l.Contacts = append(l.Contacts, Contact{ID: cid, LocationID: lid, Name: f.Name, Email: f.Email, Attributes: ca.list})
		}
		la := attrs{parent: lid, entity: "location"}
		la.add(TaxOfficeKind, f.Kind, "", "")
		la.year(f.OpenedYear)
		for _, c := range f.Covers {
			la.add(TaxCountry, c, "", "")
		}
		l.Attributes = la.list
		o.Locations = append(o.Locations, l)
	}

	// Contacts: the contact points (default first, then by name and id),
	// then the team (by position and id). n counts the contacts emitted, so
	// the public record and an owner's download number them each in their
	// own list.
	for _, cp := range p.Contacts {
		if !cp.Public && !full {
			continue
		}
		cid := childID(id, "contact", len(o.Contacts))
		ca := attrs{parent: cid, entity: "contact"}
		ca.add(TaxContactKind, ContactPoint, "", "")
		if cp.RoleCode > 0 && cp.RoleCode < len(contactRoles) {
			ca.add(TaxContactRole, contactRoles[cp.RoleCode], "", "")
		}
		if cp.Default {
			ca.add(TaxFlag, FlagDefault, "", "")
		}
		if !cp.Public {
			ca.add(TaxFlag, FlagPrivate, "", "")
		}
		o.Contacts = append(o.Contacts, Contact{ID: cid, OrganizationID: id, LocationID: locationOf[cp.OfficeID],
			Name: cp.Name, Email: cp.Email, Attributes: ca.list})
	}
	for _, m := range p.Members {
		if !m.Public && !full {
			continue
		}
		cid := childID(id, "contact", len(o.Contacts))
		ca := attrs{parent: cid, entity: "contact"}
		ca.add(TaxContactKind, ContactMember, "", "")
		ca.text("bio", m.Bio)
		ca.year(m.JoinedYear)
		c := Contact{ID: cid, OrganizationID: id, LocationID: locationOf[m.OfficeID], Name: m.FullName, Title: m.RoleTitle}
		if full {
			c.Email = m.Email
			ca.text("responsibilities", m.Responsibilities)
			if !m.Public {
				ca.add(TaxFlag, FlagPrivate, "", "")
			}
		}
		c.Attributes = ca.list
		o.Contacts = append(o.Contacts, c)
	}
	return o
}

// OrganizationSummary is an HSDS 3.0 organization_list record: an
// organization's own fields without its nested records, as the HSDS API
// lists them.
type OrganizationSummary struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	AlternateName    string `json:"alternate_name,omitempty"`
	Description      string `json:"description"`
	Email            string `json:"email,omitempty"`
	Website          string `json:"website,omitempty"`
	YearIncorporated int    `json:"year_incorporated,omitempty"`
}

// Summarize returns p's organization_list record (its public fields, as
// in Encode).
func Summarize(p *directory.Profile) OrganizationSummary {
	return OrganizationSummary{ID: ID(&p.Organisation), Name: p.Name, AlternateName: p.AlternateName,
		Description: p.Description.In("fr"), Email: p.Email, Website: p.Website, YearIncorporated: p.FoundedYear}
}
