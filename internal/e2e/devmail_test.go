package e2e

import (
	"context"
	"net"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/devmail"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// TestDevMailboxReadsInTheBrowser: the mail catcher `make run` starts
// shows a person the mails the app sent: the list, then a mail with its
// link, under axe-core.
func TestDevMailboxReadsInTheBrowser(t *testing.T) {
	t.Parallel()
	box := devmail.NewBox(50)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := box.SMTPServer(ln.Addr().String())
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	web := httptest.NewServer(box.Handler())
	t.Cleanup(web.Close)

	sender, err := mail.NewSMTP("smtp://"+ln.Addr().String(), "Partnerdir <no-reply@partnerdir.localhost>")
	if err != nil {
		t.Fatal(err)
	}
	if err := sender.Send(context.Background(), mail.Outgoing{MessageID: "e2e-1@partnerdir.localhost",
		To: mail.Address{Name: "Céline Wantz", Email: "c.wantz@ecpat.lu"}, Subject: "Nouvelle offre de soutien OFR-2026-000001",
		Text: "Une offre vous attend : http://localhost:8080/manage/offers/OFR-2026-000001\n", HTML: "<p>Une offre vous attend.</p>",
		Lang: "fr", CreatedAt: time.Now()}, func() error { return nil }); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, web.URL)
	b.visit("/")
	b.waitText("table", "c.wantz@ecpat.lu")
	b.axeCheck("devmail-list")
	b.clickAndLoad(`a[href="/messages/1"]`)
	b.waitText("h1", "Nouvelle offre de soutien OFR-2026-000001")
	b.waitText("pre", "http://localhost:8080/manage/offers/OFR-2026-000001")
	if got := eval[string](b, `document.querySelector("pre a").getAttribute("href")`); got != "http://localhost:8080/manage/offers/OFR-2026-000001" {
		t.Errorf("the text's link is %q", got)
	}
	b.axeCheck("devmail-message")
	b.shot("devmail-message")
}
