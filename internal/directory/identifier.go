package directory

import (
	"fmt"
	"regexp"
	"strings"
)

// IdentifierScheme is an org-id.guide list of registration numbers that
// organisations in this directory hold: its code (the prefix of an
// org-id, e.g. LU-RCS) and, when the register's numbers have a known
// shape, the pattern a value must match. Its name is the locale message
// "identifier.scheme.<code in lower case, dashes as underscores>".
type IdentifierScheme struct {
	Code string
	// Format is the pattern of a value (anchored), or nil when the
	// register's numbers have no fixed shape.
	Format *regexp.Regexp
	// Example is a value of the right shape, shown as the field's hint.
	Example string
}

// MessageID names the scheme's label in the locale files.
func (s IdentifierScheme) MessageID() string {
	return "identifier.scheme." + strings.ToLower(strings.ReplaceAll(s.Code, "-", "_"))
}

// identifierSchemes are the org-id.guide lists offered, in display order:
// the registers of the countries the directory's partners come from, then
// the international ones. Org-id.guide lists no Malian register of
// associations, so a Malian NGO gives its IATI reference if it has one.
var identifierSchemes = []IdentifierScheme{
	// Luxembourg Business Registers: a section letter (B companies, F
	// associations and foundations, …) then its number.
	{Code: "LU-RCS", Format: regexp.MustCompile(`^[A-Z][0-9]{1,6}$`), Example: "F1234"},
	// Répertoire national des associations: W and nine digits.
	{Code: "FR-RNA", Format: regexp.MustCompile(`^W[0-9]{9}$`), Example: "W123456789"},
	// SIRET: the SIREN's nine digits and the establishment's five.
	{Code: "FR-SIRET", Format: regexp.MustCompile(`^[0-9]{14}$`), Example: "12345678900012"},
	// Niger's Registre du commerce et du crédit mobilier (OHADA's RCCM,
	// where associations and NGOs are listed too): the country, the
	// court's town, then the year, section and number, whose layout has
	// changed over the years.
	{Code: "NE-RCCM", Format: regexp.MustCompile(`^[A-Z]{2}-[A-Z]{3}-[0-9A-Z-]{4,40}$`), Example: "NE-NIA-2018-B-1234"},
	// Charity Commission for England and Wales: six or seven digits, a
	// linked charity's suffix after a dash.
	{Code: "GB-CHC", Format: regexp.MustCompile(`^[0-9]{6,7}(-[0-9]{1,2})?$`), Example: "1234567"},
	// Companies House: eight characters, digits or two letters and six
	// digits.
	{Code: "GB-COH", Format: regexp.MustCompile(`^([0-9]{8}|[A-Z]{2}[0-9]{6})$`), Example: "01234567"},
	// US Internal Revenue Service's employer identification number.
	{Code: "US-EIN", Format: regexp.MustCompile(`^[0-9]{2}-?[0-9]{7}$`), Example: "12-3456789"},
	// The IATI organisation identifiers registry (its own references).
	{Code: "XI-IATI", Format: regexp.MustCompile(`^[A-Za-z0-9_.-]{1,60}$`), Example: "EC_DEVCO"},
	// OECD DAC's codes of donor agencies and multilaterals.
	{Code: "XM-DAC", Format: regexp.MustCompile(`^[0-9]{1,6}(-[0-9]{1,6})*$`), Example: "41114"},
}

// IdentifierSchemes lists the schemes an identifier may use.
func IdentifierSchemes() []IdentifierScheme { return identifierSchemes }

// SchemeOf returns the scheme with code.
func SchemeOf(code string) (IdentifierScheme, bool) {
	for _, s := range identifierSchemes {
		if s.Code == code {
			return s, true
		}
	}
	return IdentifierScheme{}, false
}

// MaxIdentifiers is how many identifiers an organisation may hold.
const MaxIdentifiers = 8

// IdentifierField names the form fields of the i-th identifier (from 0):
// "identifier_scheme_0", "identifier_value_0".
func IdentifierField(part string, i int) string { return fmt.Sprintf("identifier_%s_%d", part, i) }

// checkIdentifiers refuses an unknown scheme, a value that does not have
// its scheme's shape, the same scheme twice and more than MaxIdentifiers,
// each at its own field.
func (c *checker) identifiers(ids []Identifier) {
	seen := map[string]bool{}
	for i, id := range ids {
		scheme, ok := SchemeOf(id.Scheme)
		switch {
		case i >= MaxIdentifiers:
			c.Add(IdentifierField("scheme", i), "identifier.err.too_many")
		case !ok:
			c.Add(IdentifierField("scheme", i), "identifier.err.unknown_scheme")
		case seen[id.Scheme]:
			c.Add(IdentifierField("scheme", i), "manage.err.given_twice")
		}
		seen[id.Scheme] = true
		c.required(IdentifierField("value", i), id.Value, 100)
		if ok && id.Value != "" && scheme.Format != nil && !scheme.Format.MatchString(id.Value) {
			c.Add(IdentifierField("value", i), "identifier.err.format")
		}
	}
}
