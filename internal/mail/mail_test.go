package mail_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/news"
)

func TestSendCannotInjectHeaders(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	s, err := mail.NewSMTP(srv.URL(), "Partnerdir <no-reply@partnerdir.test>")
	if err != nil {
		t.Fatal(err)
	}
	evil := "x\r\nBcc: evil@example.com"
	err = s.Send(context.Background(), mail.Outgoing{
		MessageID: "1.abc@partnerdir.test",
		To:        mail.Address{Name: evil, Email: "contact@example.org"},
		ReplyTo:   mail.Address{Name: evil, Email: "donor@example.com"},
		Subject:   "Offer " + evil,
		Text:      "hello",
		HTML:      "<p>hello</p>",
		Lang:      "en",
		CreatedAt: time.Now(),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.WaitFor(1, 5*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != "contact@example.org" {
		t.Errorf("recipients %v, want only contact@example.org", msgs[0].To)
	}
	for _, line := range strings.Split(string(msgs[0].Data), "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("injected header line %q", line)
		}
	}
	if got := msgs[0].Header().Get("Message-Id"); got != "<1.abc@partnerdir.test>" {
		t.Errorf("Message-ID %q, want the stored one", got)
	}
}

func TestPermanentAndTemporaryFailures(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	srv.Reject("gone@example.org", 550)
	srv.Reject("busy@example.org", 451)
	s, err := mail.NewSMTP(srv.URL(), "no-reply@partnerdir.test")
	if err != nil {
		t.Fatal(err)
	}
	send := func(to string) error {
		return s.Send(context.Background(), mail.Outgoing{MessageID: to + ".1@partnerdir.test", To: mail.Address{Email: to}, Subject: "s", Text: "t", Lang: "fr", CreatedAt: time.Now()}, nil)
	}
	var perm *mail.PermanentError
	if err := send("gone@example.org"); !errors.As(err, &perm) {
		t.Errorf("550: %v, want a permanent error", err)
	}
	if err := send("busy@example.org"); err == nil || errors.As(err, &perm) {
		t.Errorf("451: %v, want a temporary error", err)
	}
	srv.Stop()
	if err := send("ok@example.org"); err == nil || errors.As(err, &perm) {
		t.Errorf("server down: %v, want a temporary error", err)
	}
}

func TestNewSMTPURLs(t *testing.T) {
	t.Parallel()
	for url, ok := range map[string]bool{
		"smtp://127.0.0.1:1025":               true,
		"smtp://user:p%40ss@mail.example.org": true,
		"smtps://user:pass@mail.example.org":  true,
		"http://mail.example.org":             false,
		"smtp://":                             false,
	} {
		if _, err := mail.NewSMTP(url, "Partnerdir <no-reply@partnerdir.test>"); (err == nil) != ok {
			t.Errorf("NewSMTP(%q) error = %v, want ok=%v", url, err, ok)
		}
	}
}

func TestOfferMailsInBothLanguages(t *testing.T) {
	t.Parallel()
	o := mail.OfferMail{Reference: "OFR-2026-000042", OrganisationName: "ECPAT Luxembourg", Kind: "volunteering",
		Message: "<script>alert(1)</script>", DonorName: "Ann", DonorEmail: "ann@example.com", DonorLang: "en",
		Contact: mail.Address{Email: "c.wantz@ecpat.lu"}, OfferURL: "https://p.test/manage/offers/1"}
	r := mailtest.Renderer(t)
	c, err := r.Render(o.ContactMail())
	if err != nil {
		t.Fatal(err)
	}
	if c.ReplyTo.Email != "ann@example.com" || !strings.Contains(c.Text, "Bénévolat") || !strings.Contains(c.Text, "Volunteering") {
		t.Errorf("contact mail: reply-to %q, text %q", c.ReplyTo.Email, c.Text)
	}
	if strings.Contains(c.HTML, "<script>") {
		t.Error("the donor's message is not escaped in HTML")
	}
	if a, err := r.Render(o.AckMail()); err != nil || a.Lang != "en" || !strings.HasPrefix(a.Subject, "Your offer OFR-2026-000042") {
		t.Errorf("acknowledgment %q in %s", a.Subject, a.Lang)
	}
}

// TestAckQuotesNothingTheSenderTyped: the acknowledgment goes to whatever
// address the form was given, so it states the reference, the organisation
// and what happens next, and carries neither the typed message nor the
// typed name (not in the greeting, the subject or the To header); the
// organisation's copy keeps both.
func TestAckQuotesNothingTheSenderTyped(t *testing.T) {
	t.Parallel()
	const name, message = "Zelda Spamname", "Buy cheap pills at evil.example today"
	r := mailtest.Renderer(t)
	for lang, want := range map[string][]string{
		"en": {"Your offer OFR-2026-000042 to ECPAT Luxembourg", "Hello,", "reference OFR-2026-000042", "What happens next?", "Volunteering", "someone typed your address by mistake"},
		"fr": {"Votre offre OFR-2026-000042 à ECPAT Luxembourg", "Bonjour,", "référence OFR-2026-000042", "Et maintenant ?", "Bénévolat", "quelqu'un a saisi votre adresse par erreur"},
	} {
		o := mail.OfferMail{Reference: "OFR-2026-000042", OrganisationName: "ECPAT Luxembourg", Kind: directory.SupportVolunteering,
			Message: message, DonorName: name, DonorEmail: "victim@example.com", DonorLang: lang,
			Contact: mail.Address{Email: "c.wantz@ecpat.lu"}, OfferURL: "https://p.test/manage/offers/1", PrivacyURL: "https://p.test/privacy"}
		m := o.AckMail()
		if m.To.Email != "victim@example.com" || m.To.Name != "" {
			t.Errorf("%s: acknowledgment addressed to %+v, want the address without the typed name", lang, m.To)
		}
		a, err := r.Render(m)
		if err != nil {
			t.Fatal(err)
		}
		html := strings.ReplaceAll(a.HTML, "&#39;", "'")
		for _, w := range want {
			if !strings.Contains(a.Subject+"\n"+a.Text, w) || !strings.Contains(a.Subject+"\n"+html, w) {
				t.Errorf("%s acknowledgment lacks %q:\n%s\n%s\n%s", lang, w, a.Subject, a.Text, a.HTML)
			}
		}
		if !strings.Contains(a.Text, "https://p.test/privacy") {
			t.Errorf("%s acknowledgment lacks the privacy notice:\n%s", lang, a.Text)
		}
		for _, typed := range []string{"Zelda", "Spamname", "evil.example", "cheap pills"} {
			if strings.Contains(a.Subject+a.Text+a.HTML+a.To.String(), typed) {
				t.Errorf("%s acknowledgment quotes %q, which the sender typed:\n%s\n%s\n%s", lang, typed, a.Subject, a.Text, a.HTML)
			}
		}
		// The organisation's copy keeps both.
		c, err := r.Render(o.ContactMail())
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{name, message} {
			if !strings.Contains(c.Text, typed) || !strings.Contains(c.HTML, typed) {
				t.Errorf("the organisation's copy lacks %q:\n%s", typed, c.Text)
			}
		}
		if c.ReplyTo.Name != name {
			t.Errorf("the organisation's copy replies to %+v, want the donor's name", c.ReplyTo)
		}
	}
}

var messageID = regexp.MustCompile(`\b(mail|support)\.[a-z]`)

// TestEveryMailIsWorded renders each mail in each language and looks for
// message ids left untranslated and facts the templates do not find.
func TestEveryMailIsWorded(t *testing.T) {
	t.Parallel()
	r := mailtest.Renderer(t)
	offer := mail.OfferMail{Reference: "OFR-2026-000042", OrganisationName: "ECPAT Luxembourg", Kind: directory.SupportSkills,
		ProjectTitle: "Écoles refuges", OfficeName: "Bamako", Message: "Bonjour,\n\nJe peux aider.", DonorName: "Ann",
		DonorEmail: "ann@example.com", DonorPhone: "+352 1", DonorCompany: "ACME", DonorLang: "en",
		OfferURL: "https://p.test/manage/offers/1", PrivacyURL: "https://p.test/privacy"}
	facts := map[string]any{"Organisation": "ECPAT Luxembourg", "Link": "https://p.test/x", "Reason": "Pas d'accord.",
		"Hours": 48, "Days": 7, "Inviter": "Olga", "Role": "owner", "Email": "awa@example.org"}
	var mails []mail.Mail
	for _, d := range []string{directory.DecisionApprove, directory.DecisionReject, directory.DecisionSuspend, directory.DecisionReinstate} {
		mails = append(mails, mail.DecisionMail(directory.Mail{Decision: d, To: directory.Person{Name: "Awa"},
			Organisation: "ECPAT Luxembourg", Reason: "Incomplet", Link: "https://p.test/manage/ecpat-luxembourg"}))
	}
	for _, name := range []string{"account_reset", "account_invite", "account_invite_accept", "account_verify", "join_received", "claim_link", "claim_approved", "claim_rejected", "review_reminder"} {
		mails = append(mails, mail.Mail{Name: name, Langs: []string{"fr", "en"}, To: mail.Address{Name: "Awa"}, Data: facts})
	}
	mails = append(mails, mail.NewsMail(news.Mail{Purpose: news.PurposeSentBack, To: news.Person{Name: "Awa"},
		Organisation: "ECPAT Luxembourg", Title: "We love ECPAT", Reason: "Il manque la date.", Link: "https://p.test/manage/ecpat-luxembourg/news"}))
	for _, lang := range []string{"fr", "en"} {
		offer.DonorLang = lang
		mails = append(mails, offer.ContactMail(), offer.AckMail())
	}
	for _, m := range mails {
		msg, err := r.Render(m)
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		for part, s := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
			if s == "" || messageID.MatchString(s) || strings.Contains(s, "<no value>") {
				t.Errorf("%s %s:\n%s", m.Name, part, s)
			}
		}
	}
}
