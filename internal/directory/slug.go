package directory

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Slugify makes a URL name from a name or a title: accents dropped, lower
// case, words joined by dashes, at most max bytes. It returns "" when the
// text has no letter or digit, so the caller chooses its own fallback; a
// result that is not empty is ValidSlug for any max up to 80.
func Slugify(text string, max int) string {
	var b strings.Builder
	dash := false
	letters := strings.NewReplacer("ø", "o", "æ", "ae", "œ", "oe", "ß", "ss", "đ", "d", "ł", "l")
	for _, r := range norm.NFD.String(letters.Replace(strings.ToLower(text))) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > max {
		s = strings.TrimRight(s[:max], "-")
	}
	return s
}
