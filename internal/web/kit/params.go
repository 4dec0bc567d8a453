package kit

import (
	"strings"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// The values of the directory's filters, checked once for the pages and
// the JSON API alike: each refusal names the parameter and says why, in
// the param.err.* messages (web/locales/params.*.json).

// CountryParam is the country code v of parameter name, upper-cased; ""
// stays "". A code that is not a reference country is refused.
func (s *Kit) CountryParam(name, v string) (string, error) {
	v = strings.ToUpper(v)
	if _, ok := s.Country(v); v != "" && !ok {
		return v, fault.InvalidValue(name, "param.err.unknown_country", v)
	}
	return v, nil
}

// ThemeParam refuses v, the value of parameter name, unless it is "" or
// the slug of one of themes.
func ThemeParam(themes []directory.Theme, name, v string) error {
	if v == "" {
		return nil
	}
	for _, t := range themes {
		if t.Slug == v {
			return nil
		}
	}
	return fault.InvalidValue(name, "param.err.unknown_theme", v)
}

// KindParam is the organisation kind named v in parameter name (0 for
// ""), or a refusal.
func KindParam(name, v string) (directory.Kind, error) {
	if v == "" {
		return 0, nil
	}
	k, ok := directory.KindFromSlug(v)
	if !ok {
		return 0, fault.InvalidValue(name, "param.err.unknown_kind", v)
	}
	return k, nil
}

// SupportParam is the kind of support v of parameter name ("" for ""),
// or a refusal.
func SupportParam(name, v string) (directory.SupportKind, error) {
	k := directory.SupportKind(v)
	if v != "" && !k.Valid() {
		return "", fault.InvalidValue(name, "param.err.unknown_support", v)
	}
	return k, nil
}
