package offers

import (
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// offerFields are the fields validate may name.
var offerFields = map[string]bool{"kind": true, "message": true, "name": true, "email": true, "phone": true,
	"company": true, "lang": true, "consent": true, "project": true}

// FuzzSubmission feeds the offer form's values (as the donor's browser, or
// anyone, may send them) to the validation and the form-token check. Any
// input is either refused as Invalid naming only known fields, or kept in
// the shape the store and the mails rely on (one-line name and company,
// a valid address, bounded valid text); no token but the store's own is
// ever accepted.
func FuzzSubmission(f *testing.F) {
	f.Add("volunteering", "", "Je peux aider le samedi.", "Marie Dupont", "marie@example.com", "+352 26 27 08 01", "", "fr", true, "")
	f.Add("donation", "ecole-bamako", "Don\r\nmensuel", " Ana ", "ana@example.org ", "", "ACME", "en", true, "1.2.3")
	f.Add("goods", "../x", "see https://a.example www.b.example [url=c]", "X\u2028Y", "a@b", "123", "\x00", "de", false, "..")
	f.Add("skills", "", strings.Repeat("é", MaxMessage+1), "N\nM", "not an address", "+++", "Co\tmpany", "fr", true, "lrk0.00.ff")
	f.Add("other", "p", "\xff\xfe", "\xc3", "\"a b\"@example.org", "(0) 1", "", "en", true, "")

	s := &Store{secret: []byte("0123456789abcdef0123456789abcdef"), limits: DefaultLimits(), now: time.Now}
	shown := s.FormTokenAt(time.Now().Add(-time.Minute))
	f.Fuzz(func(t *testing.T, kind, project, message, name, email, phone, company, lang string, consent bool, token string) {
		sub := Submission{Kind: directory.SupportKind(kind), ProjectSlug: project, Message: message, Name: name,
			Email: email, Phone: phone, Company: company, Lang: lang, Consent: consent}
		err := s.validate(&sub)
		if err != nil {
			if fault.KindOf(err) != fault.Invalid {
				t.Fatalf("validate: %v is not an Invalid error", err)
			}
			fields := fault.FieldsOf(err)
			if len(fields) == 0 {
				t.Fatalf("validate: %v names no field", err)
			}
			for field := range fields {
				if !offerFields[field] {
					t.Fatalf("validate names unknown field %q", field)
				}
			}
		} else {
			oneLineOK := func(v string) bool {
				return utf8.ValidString(v) && !strings.ContainsFunc(v, func(r rune) bool {
					return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
				})
			}
			switch {
			case !sub.Kind.Valid() || (sub.Lang != "fr" && sub.Lang != "en") || !sub.Consent:
				t.Fatalf("accepted %+v", sub)
			case sub.Name == "" || !oneLineOK(sub.Name) || utf8.RuneCountInString(sub.Name) > 200:
				t.Fatalf("accepted name %q", sub.Name)
			case !oneLineOK(sub.Company) || utf8.RuneCountInString(sub.Company) > 200:
				t.Fatalf("accepted company %q", sub.Company)
			case !directory.ValidEmail(sub.Email) || strings.ContainsAny(sub.Email, "\r\n"):
				t.Fatalf("accepted email %q", sub.Email)
			case sub.Message == "" || !utf8.ValidString(sub.Message) || utf8.RuneCountInString(sub.Message) > MaxMessage:
				t.Fatalf("accepted message %q", sub.Message)
			case sub.ProjectSlug != "" && !directory.ValidSlug(sub.ProjectSlug):
				t.Fatalf("accepted project %q", sub.ProjectSlug)
			}
			// What was accepted is accepted again unchanged.
			again := sub
			if err := s.validate(&again); err != nil || again != sub {
				t.Fatalf("validating the accepted %+v again gave %+v, %v", sub, again, err)
			}
		}

		if token != shown {
			if ok, _ := s.checkFormToken(token); ok {
				t.Fatalf("accepted form token %q", token)
			}
			if ok, _ := s.checkFormToken(shown + token); ok && token != "" {
				t.Fatalf("accepted the genuine token with %q appended", token)
			}
		}
	})
}
