package web

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/partnerdir/partnerdir/internal/locale"
)

// negotiate picks the interface language from the lang cookie, else from
// Accept-Language, else French.
func negotiate(cookie, acceptLanguage string) string {
	languages := locale.Languages()
	for _, l := range languages {
		if cookie == l {
			return l
		}
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err == nil {
		for _, tag := range tags {
			base, _ := tag.Base()
			for _, l := range languages {
				if strings.EqualFold(base.String(), l) {
					return l
				}
			}
		}
	}
	return "fr"
}
