package hsds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// MaxRecordBytes bounds one record Decode reads: ECPAT Luxembourg's is
// about 20 KB, and the schema's bounds allow a few MB at most, so a bigger
// input is refused before it is parsed.
const MaxRecordBytes = 16 << 20

// Decode reads one HSDS organization record, as Encode or EncodeFull write
// it, into a profile for an import to store. It is strict: the record must
// match our schema (SchemaJSON: no unknown field, the right types, UUIDs
// where HSDS has ids, bounded lengths) and its attributes must be ours
// (known taxonomies and codes, valid slugs and country codes, each linked
// to the record that holds it). Any refusal is a fault.Invalid error
// naming each field ("locations[1].addresses[0].country").
//
// The profile has no database ids and no status: Organisation.UUID is the
// record's id (so an import keeps it), offices are numbered 1…n in the
// record's order (Office.ID, and Member.OfficeID and ContactPoint.OfficeID
// refer to those numbers, 0 for none), positions follow the record's
// order. Themes carry their slug and English name only. A record without
// our attributes decodes too: kind "other", its description as the French
// one, its contacts as team members.
func Decode(data []byte) (*directory.Profile, error) {
	if len(data) > MaxRecordBytes {
		return nil, fault.InvalidField("record", "hsds.err.too_large")
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fault.InvalidField("record", "hsds.err.json")
	}
	s, err := OwnSchema()
	if err != nil {
		return nil, err
	}
	if err := s.validate(v); err != nil {
		return nil, err
	}
	var o Organization
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&o); err != nil {
		// The schema admits nothing the types refuse; this is a mismatch
		// between the two, a bug.
		return nil, fmt.Errorf("hsds: decode a valid record: %w", err)
	}
	d := decoder{}
	p := d.profile(&o)
	if err := d.fields.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

type decoder struct{ fields fault.Fields }

func (d *decoder) bad(field, id string) { d.fields.Add(field, id) }

// canonical writes a valid UUID in its lower-case form: ids compare so.
func canonical(id string) string {
	u, err := uuid.Parse(id)
	if err != nil {
		return id // the schema has checked it
	}
	return u.String()
}

// attributes checks that each of list is linked to parent (a record of
// entity) and calls fn with its term, value and field name; fn reports
// whether it knows the term.
func (d *decoder) attributes(at, parent, entity string, list []Attribute, fn func(term TaxonomyTerm, value, field string) bool) {
	for i, a := range list {
		f := fmt.Sprintf("%s[%d]", at, i)
		if canonical(a.LinkID) != parent {
			d.bad(f+".link_id", "hsds.err.link")
		}
		if a.LinkEntity != entity {
			d.bad(f+".link_entity", "hsds.err.enum")
		}
		if a.TaxonomyTerm.ID != a.TaxonomyTermID {
			d.bad(f+".taxonomy_term_id", "hsds.err.link")
		}
		if !fn(a.TaxonomyTerm, a.Value, f) {
			d.bad(f+".taxonomy_term.code", "hsds.err.unknown_term")
		}
	}
}

// year parses a year attribute's value.
func (d *decoder) year(value, field string) int {
	y, err := strconv.Atoi(value)
	if err != nil || y < 1800 || y > 2100 {
		d.bad(field+".value", "hsds.err.year")
	}
	return y
}

func (d *decoder) country(code, field string) {
	if !directory.ValidCountry(code) {
		d.bad(field+".taxonomy_term.code", "hsds.err.country")
	}
}

func (d *decoder) profile(o *Organization) *directory.Profile {
	id := canonical(o.ID)
	p := &directory.Profile{}
	org := &p.Organisation
	org.UUID, org.Name, org.AlternateName = id, o.Name, o.AlternateName
	org.Email, org.Website, org.FoundedYear = o.Email, o.Website, o.YearIncorporated
	org.Kind = directory.KindOther
	texts := false
	d.attributes("attributes", id, "organization", o.Attributes, func(term TaxonomyTerm, value, f string) bool {
		code := term.Code
		switch term.Taxonomy {
		case TaxSlug:
			if code != "slug" {
				return false
			}
			if !directory.ValidSlug(value) {
				d.bad(f+".value", "hsds.err.slug")
			}
			org.Slug = value
		case TaxKind:
			k, err := strconv.Atoi(code)
			if err != nil || !directory.Kind(k).Valid() {
				return false
			}
			org.Kind = directory.Kind(k)
		case TaxText:
			texts = true
			switch code {
			case "description_fr":
				org.Description.FR = value
			case "description_en":
				org.Description.EN = value
			case "mission_fr":
				org.Mission.FR = value
			case "mission_en":
				org.Mission.EN = value
			default:
				return false
			}
		case TaxTheme:
			if !directory.ValidSlug(code) {
				return false
			}
			org.Themes = append(org.Themes, directory.Theme{Slug: code, NameEN: term.Name})
		case TaxCountry:
			d.country(code, f)
			org.Countries = append(org.Countries, code)
		case TaxSocial:
			if !slices.Contains(directory.SocialNetworks, code) {
				return false
			}
			org.SocialLinks = append(org.SocialLinks, directory.SocialLink{Network: code, URL: value})
		case TaxLink:
			if code != "newsletter" {
				return false
			}
			org.NewsletterURL = value
		default:
			return false
		}
		return true
	})
	if !texts {
		org.Description.FR = o.Description
	}
	if len(o.Phones) > 0 {
		org.Phone = o.Phones[0].Number
	}
	for _, ident := range o.Identifiers {
		org.Identifiers = append(org.Identifiers, directory.Identifier{Scheme: ident.Scheme, Value: ident.Identifier})
	}

	office := map[string]int64{} // location id → office number
	for i, l := range o.Locations {
		f := fmt.Sprintf("locations[%d]", i)
		lid := canonical(l.ID)
		if _, dup := office[lid]; dup {
			d.bad(f+".id", "hsds.err.duplicate")
		}
		office[lid] = int64(i + 1)
		off := directory.Office{ID: int64(i + 1), Name: l.Name, Latitude: l.Latitude, Longitude: l.Longitude, Position: i}
		if len(l.Addresses) == 0 {
			d.bad(f+".addresses", "hsds.err.required")
		} else {
			a := l.Addresses[0]
			off.Address, off.City, off.PostalCode, off.Country = a.Address1, a.City, a.PostalCode, a.Country
			if !directory.ValidCountry(a.Country) {
				d.bad(f+".addresses[0].country", "hsds.err.country")
			}
		}
		if len(l.Phones) > 0 {
			off.Phone = l.Phones[0].Number
		}
		if len(l.Contacts) > 0 {
			off.Email = l.Contacts[0].Email
		}
		d.attributes(f+".attributes", lid, "location", l.Attributes, func(term TaxonomyTerm, value, af string) bool {
			code := term.Code
			switch term.Taxonomy {
			case TaxOfficeKind:
				if !slices.Contains(directory.OfficeKinds(), code) {
					return false
				}
				off.Kind = code
			case TaxOpened:
				off.OpenedYear = d.year(value, af)
			case TaxCountry:
				d.country(code, af)
				off.Covers = append(off.Covers, code)
			default:
				return false
			}
			return true
		})
		if off.Kind == "" {
			off.Kind = directory.OfficeCountry
			if i == 0 {
				off.Kind = directory.OfficeHeadquarters
			}
		}
		p.Offices = append(p.Offices, off)
	}

	officeOf := func(locationID, field string) int64 {
		if locationID == "" {
			return 0
		}
		n, ok := office[canonical(locationID)]
		if !ok {
			d.bad(field+".location_id", "hsds.err.link")
		}
		return n
	}
	for i, c := range o.Contacts {
		f := fmt.Sprintf("contacts[%d]", i)
		cid := canonical(c.ID)
		kindOf, role, private, isDefault, bio, responsibilities, joined := ContactMember, 0, false, false, "", "", 0
		d.attributes(f+".attributes", cid, "contact", c.Attributes, func(term TaxonomyTerm, value, af string) bool {
			code := term.Code
			switch term.Taxonomy {
			case TaxContactKind:
				if code != ContactPoint && code != ContactMember {
					return false
				}
				kindOf = code
			case TaxContactRole:
				role = slices.Index(contactRoles, code)
				if role < 1 {
					return false
				}
			case TaxFlag:
				switch code {
				case FlagDefault:
					isDefault = true
				case FlagPrivate:
					private = true
				default:
					return false
				}
			case TaxText:
				switch code {
				case "bio":
					bio = value
				case "responsibilities":
					responsibilities = value
				default:
					return false
				}
			case TaxOpened:
				joined = d.year(value, af)
			default:
				return false
			}
			return true
		})
		officeID := officeOf(c.LocationID, f)
		if kindOf == ContactPoint {
			if role == 0 {
				role = 1
			}
			p.Contacts = append(p.Contacts, directory.ContactPoint{Name: c.Name, Email: c.Email, RoleCode: role,
				OfficeID: officeID, Public: !private, Default: isDefault})
			continue
		}
		p.Members = append(p.Members, directory.Member{OfficeID: officeID, FullName: c.Name, RoleTitle: c.Title,
			Email: c.Email, Bio: bio, Responsibilities: responsibilities, JoinedYear: joined,
			Public: !private, Position: len(p.Members)})
	}
	return p
}

// Field names a field of the directory's validation, as an import of a
// decoded record reports it, by the record's own name where the two
// differ: the i-th identifier's "identifier_scheme_i" and
// "identifier_value_i" are organization_identifiers[i]'s
// identifier_scheme and identifier. Others keep their name.
func Field(field string) string {
	for part, name := range map[string]string{"scheme": "identifier_scheme", "value": "identifier"} {
		if n, ok := strings.CutPrefix(field, "identifier_"+part+"_"); ok {
			if _, err := strconv.Atoi(n); err == nil {
				return "organization_identifiers[" + n + "]." + name
			}
		}
	}
	if field == "identifier_scheme" { // a repeated identifier (importing's precheck)
		return "organization_identifiers"
	}
	return field
}
