package suggestions

import (
	"strings"
	"testing"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// TestValidateRefusesLinksAndOverlongText: what a visitor may send, and
// the field each refusal names.
func TestValidateRefusesLinksAndOverlongText(t *testing.T) {
	for _, c := range []struct {
		name  string
		sub   Submission
		field string // "" when accepted
	}{
		{"plain correction", Submission{Section: "team", Body: "Fabienne a quitté l'équipe en 2025."}, ""},
		{"bare domain", Submission{Section: "other", Body: "Notre site est désormais ecpat.lu"}, ""},
		{"address", Submission{Section: "contacts", Body: "Écrire à info@ecpat.lu", Email: " Ann@Example.org "}, ""},
		{"https link", Submission{Section: "other", Body: "voir https://example.org"}, "body"},
		{"other scheme", Submission{Section: "other", Body: "ftp://example.org/x"}, "body"},
		{"www", Submission{Section: "other", Body: "voir WWW.example.org"}, "body"},
		{"html link", Submission{Section: "other", Body: `<A HREF="x">ici</A>`}, "body"},
		{"markdown link", Submission{Section: "other", Body: "[ici] (x)"}, "body"},
		{"bbcode", Submission{Section: "other", Body: "[url=x]ici[/url]"}, "body"},
		{"20 KB", Submission{Section: "team", Body: strings.Repeat("é", 20<<10)}, "body"},
		{"5000 characters", Submission{Section: "team", Body: strings.Repeat("é", MaxBody)}, ""},
		{"blank", Submission{Section: "team", Body: " \n "}, "body"},
		{"unknown section", Submission{Section: "finances", Body: "x"}, "section"},
		{"bad email", Submission{Section: "team", Body: "x", Email: "Ann <ann@example.org>"}, "email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sub := c.sub
			err := sub.Validate()
			fields := fault.FieldsOf(err)
			switch {
			case c.field == "" && err != nil:
				t.Errorf("refused: %v", fields)
			case c.field != "" && fields[c.field] == "":
				t.Errorf("accepted, or refused for another field: %v", fields)
			}
			if c.field == "" && sub.Email != strings.ToLower(strings.TrimSpace(c.sub.Email)) {
				t.Errorf("email kept as %q", sub.Email)
			}
		})
	}
}
