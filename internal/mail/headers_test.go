package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/mail/mailtest"
	"github.com/partnerdir/partnerdir/internal/mail/smtptest"
	"github.com/partnerdir/partnerdir/internal/newsletter"
)

// TestExtraHeadersReachTheServer: a mail's extra header fields go out as
// given; the fields the sender writes itself and multi-line values are
// refused.
func TestExtraHeadersReachTheServer(t *testing.T) {
	t.Parallel()
	srv := smtptest.New(t)
	s, err := mail.NewSMTP(srv.URL(), "Partnerdir <no-reply@partnerdir.test>")
	if err != nil {
		t.Fatal(err)
	}
	link := "https://partnerdir.test/newsletter/unsubscribe?s=12345&sig=" + strings.Repeat("A", 22)
	out := mail.Outgoing{MessageID: "1.h@partnerdir.test", To: mail.Address{Email: "ann@example.org"}, Subject: "Digest",
		Text: "hello", Lang: "en", CreatedAt: time.Now(), Headers: []mail.Header{
			{Name: "List-Unsubscribe", Value: "<" + link + ">"},
			{Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click"},
		}}
	if err := s.Send(context.Background(), out, nil); err != nil {
		t.Fatal(err)
	}
	h := srv.WaitFor(1, 5*time.Second)[0].Header()
	if got := h.Get("List-Unsubscribe"); got != "<"+link+">" {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	for _, bad := range []mail.Header{
		{Name: "Bcc", Value: "evil@example.com"}, {Name: "content-type", Value: "text/html"}, {Name: "Content-Foo", Value: "x"},
		{Name: "X-Evil", Value: "a\r\nBcc: evil@example.com"}, {Name: "X Evil", Value: "x"}, {Name: "X-Empty", Value: ""},
		{Name: "X-Long", Value: strings.Repeat("x", 1000)},
	} {
		out.Headers = []mail.Header{bad}
		var perm *mail.PermanentError
		if err := s.Send(context.Background(), out, nil); err == nil || !asPermanent(err, &perm) {
			t.Errorf("header %q: %v, want a permanent refusal", bad.Name, err)
		}
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages received, want 1", n)
	}
}

func asPermanent(err error, p **mail.PermanentError) bool {
	pe, ok := err.(*mail.PermanentError)
	*p = pe
	return ok
}

// TestNewsletterMailsAreWorded renders the newsletter's mails in both
// languages, with the facts the templates show.
func TestNewsletterMailsAreWorded(t *testing.T) {
	t.Parallel()
	r := mailtest.Renderer(t)
	digest := newsletter.DigestMail{Total: 23, More: 3, NewsURL: "https://p.test/news", ChoicesURL: "https://p.test/newsletter",
		UnsubscribeURL: "https://p.test/newsletter/unsubscribe?s=1&sig=x",
		Articles: []newsletter.DigestArticle{{Title: "We love ECPAT", Lead: "À Bamako…", Lang: "fr", Organisation: "ECPAT Luxembourg",
			URL: "https://p.test/news/we-love-ecpat", Day: 13, Month: 10, Year: 2016}}}
	for _, lang := range []string{"fr", "en"} {
		for _, m := range []mail.Mail{
			{Name: newsletter.PurposeConfirm, Langs: []string{lang}, To: mail.Address{Email: "ann@example.org"},
				Data: newsletter.ConfirmMail{Link: "https://p.test/newsletter/confirm?token=abc", Hours: 48, Themes: 1}},
			{Name: newsletter.PurposeConfirm, Langs: []string{lang}, To: mail.Address{Email: "ann@example.org"},
				Data: newsletter.ConfirmMail{Link: "https://p.test/newsletter/confirm?token=abc", Hours: 48}},
			{Name: newsletter.PurposeDigest, Langs: []string{lang}, To: mail.Address{Email: "ann@example.org"}, Data: digest},
		} {
			msg, err := r.Render(m)
			if err != nil {
				t.Fatalf("%s %s: %v", m.Name, lang, err)
			}
			for part, s := range map[string]string{"subject": msg.Subject, "text": msg.Text, "html": msg.HTML} {
				if s == "" || strings.Contains(s, "newsletter.") || strings.Contains(s, "date.") || strings.Contains(s, "<no value>") {
					t.Errorf("%s %s %s:\n%s", m.Name, lang, part, s)
				}
			}
			if m.Name == newsletter.PurposeDigest {
				if !strings.Contains(msg.Subject, "23") {
					t.Errorf("digest subject %q does not count 23 articles", msg.Subject)
				}
				for _, want := range []string{"https://p.test/news/we-love-ecpat", "unsubscribe?s=1", "2016", "3"} {
					if !strings.Contains(msg.Text, want) {
						t.Errorf("digest %s lacks %q:\n%s", lang, want, msg.Text)
					}
				}
			}
		}
	}
}
