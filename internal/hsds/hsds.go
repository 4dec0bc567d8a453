// Package hsds maps Partnerdir's organisations to and from Open Referral's
// Human Services Data Specification 3.0 (HSDS): the records we emit (an
// organization with its locations, addresses, contacts, phones,
// organization identifiers and attributes nested the way HSDS 3.0's
// compiled organization schema nests them), their ids, and the strict
// decoding of such a record back into a directory.Profile, checked first
// against the schema of exactly what we emit (organization.schema.json,
// embedded). Apart from writing a bulk export's files (WriteExport) it
// does no I/O, and it knows no HTTP.
//
// HSDS 3.0 has no field for much of what a profile holds (its kind, its
// themes, the countries it works in, both languages of its texts, social
// links, an office's kind): those travel as attributes, each a
// taxonomy_term of a Partnerdir taxonomy (TaxonomyPrefix) with the value
// in the attribute's value, as HSDS 3.0 extends records.
package hsds

import (
	"fmt"

	"github.com/google/uuid"
)

// Namespace is the UUIDv5 namespace of every id Partnerdir derives. It is
// fixed for good (generated once, at random): changing it would change the
// id of every record ever exported.
var Namespace = uuid.MustParse("8a6ed3f9-9084-456f-b96a-ccf112b5c897")

// OrganizationID is the HSDS id of organisation id when it has no stored
// one: UUIDv5(Namespace, "partnerdir:organisation:<id>").
func OrganizationID(id int64) string {
	return uuid.NewSHA1(Namespace, fmt.Appendf(nil, "partnerdir:organisation:%d", id)).String()
}

// childID is the id of the n-th child of kind under parent (an
// organization's or a location's id): UUIDv5(parent, "<kind>:<n>"). n is
// the child's position in the profile's stable order, so the ids survive an
// export, an import into another database and a new export.
func childID(parent, kind string, n int) string {
	return uuid.NewSHA1(uuid.MustParse(parent), fmt.Appendf(nil, "%s:%d", kind, n)).String()
}

// termID is a taxonomy term's id, the same in every record:
// UUIDv5(Namespace, "taxonomy_term:<taxonomy>:<code>").
func termID(taxonomy, code string) string {
	return uuid.NewSHA1(Namespace, []byte("taxonomy_term:"+taxonomy+":"+code)).String()
}

// Organization is an HSDS 3.0 organization as we emit it, with its nested
// records. Field names and nesting are HSDS's (compiled/organization.json).
type Organization struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AlternateName string `json:"alternate_name,omitempty"`
	// Description is required by HSDS, so always present, possibly empty.
	Description string `json:"description"`
	Email       string `json:"email,omitempty"`
	Website     string `json:"website,omitempty"`
	// YearIncorporated is the founding year (an HSDS number).
	YearIncorporated int                      `json:"year_incorporated,omitempty"`
	Contacts         []Contact                `json:"contacts"`
	Phones           []Phone                  `json:"phones"`
	Locations        []Location               `json:"locations"`
	Identifiers      []OrganizationIdentifier `json:"organization_identifiers"`
	Attributes       []Attribute              `json:"attributes"`
}

// OrganizationIdentifier is an HSDS organization_identifier: an
// org-id.guide registration (scheme such as LU-RCS, and its value).
type OrganizationIdentifier struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id"`
	Scheme         string `json:"identifier_scheme"`
	// Type is required by HSDS; we give the scheme's code again.
	Type       string `json:"identifier_type"`
	Identifier string `json:"identifier"`
}

// Location is an HSDS location: one of our offices.
type Location struct {
	ID             string      `json:"id"`
	LocationType   string      `json:"location_type"`
	OrganizationID string      `json:"organization_id"`
	Name           string      `json:"name"`
	Latitude       *float64    `json:"latitude,omitempty"`
	Longitude      *float64    `json:"longitude,omitempty"`
	Addresses      []Address   `json:"addresses"`
	Phones         []Phone     `json:"phones"`
	Contacts       []Contact   `json:"contacts"`
	Attributes     []Attribute `json:"attributes"`
}

// Address is an HSDS address. HSDS requires every field here, so empty
// ones are present as "".
type Address struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id"`
	Address1      string `json:"address_1"`
	City          string `json:"city"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// Contact is an HSDS contact: a contact point, a team member, or an
// office's own mailbox.
type Contact struct {
	ID             string      `json:"id"`
	OrganizationID string      `json:"organization_id,omitempty"`
	LocationID     string      `json:"location_id,omitempty"`
	Name           string      `json:"name"`
	Title          string      `json:"title,omitempty"`
	Email          string      `json:"email,omitempty"`
	Attributes     []Attribute `json:"attributes"`
}

// Phone is an HSDS phone.
type Phone struct {
	ID             string `json:"id"`
	OrganizationID string `json:"organization_id,omitempty"`
	LocationID     string `json:"location_id,omitempty"`
	Number         string `json:"number"`
}

// Attribute is an HSDS attribute: it links a record (LinkID, a row of
// LinkEntity) to a taxonomy term, with an optional value.
type Attribute struct {
	ID             string       `json:"id"`
	LinkID         string       `json:"link_id"`
	TaxonomyTermID string       `json:"taxonomy_term_id"`
	LinkType       string       `json:"link_type"`
	LinkEntity     string       `json:"link_entity"`
	Value          string       `json:"value,omitempty"`
	TaxonomyTerm   TaxonomyTerm `json:"taxonomy_term"`
}

// TaxonomyTerm is an HSDS taxonomy_term of one of our taxonomies.
type TaxonomyTerm struct {
	ID          string `json:"id"`
	Code        string `json:"code"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Taxonomy    string `json:"taxonomy"`
	Language    string `json:"language,omitempty"`
}

// TaxonomyPrefix begins the name of every Partnerdir taxonomy
// ("partnerdir:theme", …).
const TaxonomyPrefix = "partnerdir:"

// The taxonomies of the attributes we emit. Their terms' codes are ours:
// theme slugs, ISO country codes, IATI OrganisationType codes, office
// kinds, social networks, and field names for texts.
const (
	TaxSlug        = TaxonomyPrefix + "slug"         // value: the organisation's slug
	TaxKind        = TaxonomyPrefix + "kind"         // code: IATI OrganisationType
	TaxText        = TaxonomyPrefix + "text"         // code: a field (description_fr, …); value: its text
	TaxTheme       = TaxonomyPrefix + "theme"        // code: theme slug; name: its English name
	TaxCountry     = TaxonomyPrefix + "country"      // code: ISO 3166-1 alpha-2, where it works or an office covers
	TaxSocial      = TaxonomyPrefix + "social"       // code: network; value: the URL
	TaxLink        = TaxonomyPrefix + "link"         // code: newsletter; value: the URL
	TaxOfficeKind  = TaxonomyPrefix + "office_kind"  // code: headquarters, regional, country, field
	TaxOpened      = TaxonomyPrefix + "opened"       // code: year; value: the year an office opened or a member joined
	TaxContactKind = TaxonomyPrefix + "contact_kind" // code: contact_point, team_member, office
	TaxContactRole = TaxonomyPrefix + "contact_role" // code: 1-4, what a contact point handles
	TaxFlag        = TaxonomyPrefix + "flag"         // code: default (the default contact), private (owner's download only)
)

// Contact kinds (TaxContactKind codes).
const (
	ContactPoint  = "contact_point"
	ContactMember = "team_member"
	ContactOffice = "office"
)

// Flags (TaxFlag codes).
const (
	FlagDefault = "default"
	// FlagPrivate marks, in an owner's download, a team member or contact
	// point the public never sees.
	FlagPrivate = "private"
)
