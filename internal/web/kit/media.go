package kit

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/partnerdir/partnerdir/internal/uploads"
)

// LogoView is how an organisation's logo shows beside its name: the
// picture's variant for the place (Card, Large), or, without a logo, the
// initials of its name on a tile. The name itself is always the text next
// to it, so both are drawn as decoration (alt="", aria-hidden): a screen
// reader hears the name once.
type LogoView struct {
	// Card and Large are the 96- and 480-pixel variants' addresses, ""
	// without a logo.
	Card, Large string
	// Initials are one to two letters of the name, for the placeholder.
	Initials string
}

// Logo is the view of the logo stored at path ("" for none) of the
// organisation called name. A path the uploads store did not make (never
// expected, but the column is free text) shows the placeholder.
func Logo(path, name string) LogoView {
	k := uploads.Logos()
	v := LogoView{Initials: Initials(name)}
	if path != "" && strings.HasPrefix(path, "/uploads/"+k.Name+"/") {
		v.Card, v.Large = k.Variant(path, 96), k.Variant(path, 480)
	}
	return v
}

// Initials are the first letters of the first two words of name that
// start with a letter or digit, upper-cased ("ECPAT Luxembourg": "EL";
// "Écoles du Fleuve": "ÉD"), or "?" when there are none.
func Initials(name string) string {
	var out []rune
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == '-' || r == '–' || r == '\'' || r == '’' }) {
		for _, r := range w {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				out = append(out, unicode.ToUpper(r))
				break
			}
			if !unicode.IsPunct(r) {
				break
			}
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// FileSize is n bytes in b's language, in kB below a megabyte (whole) and
// in MB above (one decimal): "340 kB", "1.2 MB" / "340 ko", "1,2 Mo".
func FileSize(b Base, n int64) string {
	if n < 1000*1000 {
		return b.T("media.size.kb", "Size", strconv.FormatInt(max(1, (n+500)/1000), 10))
	}
	s := strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64)
	if b.Lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return b.T("media.size.mb", "Size", s)
}

// DocumentURL is the stable address of document id of the organisation
// with slug, where it is downloaded (by whoever may read it).
func DocumentURL(slug string, id int64) string {
	return "/organisations/" + slug + "/documents/" + strconv.FormatInt(id, 10)
}
