package devmail_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/devmail"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// startBox runs a catcher's SMTP server on a free loopback port and its
// page in an httptest server.
func startBox(t *testing.T) (*devmail.Box, string, *httptest.Server) {
	t.Helper()
	box := devmail.NewBox(3)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := box.SMTPServer(ln.Addr().String())
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	web := httptest.NewServer(box.Handler())
	t.Cleanup(web.Close)
	return box, ln.Addr().String(), web
}

func get(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

// A mail the app sends (its own SMTP delivery, text and HTML) is listed
// and readable: the subject decoded, the text's links clickable, the HTML
// in a frame that runs no script, the source, and the JSON for scripts.
func TestMailTheAppSendsCanBeRead(t *testing.T) {
	box, addr, web := startBox(t)
	sender, err := mail.NewSMTP("smtp://"+addr, "Partnerdir <no-reply@partnerdir.localhost>")
	if err != nil {
		t.Fatal(err)
	}
	out := mail.Outgoing{MessageID: "1@partnerdir.localhost", To: mail.Address{Name: "Céline Wantz", Email: "c.wantz@ecpat.lu"},
		ReplyTo: mail.Address{Email: "triage@partnerdir.localhost"},
		Subject: "Partnerdir : confirmez votre adresse e-mail", Lang: "fr", CreatedAt: time.Now(),
		Text: "Bonjour,\nConfirmez : http://localhost:8080/account/verify?token=abc&x=1.\n",
		HTML: `<p>Bonjour,</p><p><a href="http://localhost:8080/account/verify?token=abc">Confirmer</a></p><script>alert(1)</script>`}
	if err := sender.Send(context.Background(), out, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
	list := box.List()
	if len(list) != 1 || list[0].Subject != out.Subject || list[0].To[0] != "c.wantz@ecpat.lu" {
		t.Fatalf("caught %+v", list)
	}
	status, h, body := get(t, web.URL+"/")
	if status != 200 || !strings.Contains(body, `<a href="/messages/1">Partnerdir : confirmez votre adresse e-mail</a>`) ||
		!strings.Contains(body, "c.wantz@ecpat.lu") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("list %d: %s", status, body)
	}
	status, _, body = get(t, web.URL+"/messages/1")
	for _, want := range []string{
		`<h1>Partnerdir : confirmez votre adresse e-mail</h1>`,
		`<a href="http://localhost:8080/account/verify?token=abc&amp;x=1" target="_blank" rel="noopener noreferrer">`,
		`sandbox="allow-popups allow-popups-to-escape-sandbox"`,
		`<dt>Reply-To</dt><dd>&lt;triage@partnerdir.localhost&gt;</dd>`,
	} {
		if status != 200 || !strings.Contains(body, want) {
			t.Fatalf("message page %d lacks %s:\n%s", status, want, body)
		}
	}
	// The HTML part is only ever inside srcdoc, escaped: its script is
	// text of an attribute of a sandbox without scripts.
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatalf("the HTML part is not confined to the frame: %s", body)
	}
	if status, _, raw := get(t, web.URL+"/messages/1/raw"); status != 200 || !strings.Contains(raw, "Message-ID: <1@partnerdir.localhost>") {
		t.Fatalf("raw %d: %s", status, raw)
	}
	_, _, js := get(t, web.URL+"/api/v1/messages")
	var api struct {
		Total    int
		Messages []struct {
			ID, Subject string
			To          []struct{ Address string }
		}
	}
	if err := json.Unmarshal([]byte(js), &api); err != nil || api.Total != 1 || api.Messages[0].Subject != out.Subject ||
		api.Messages[0].To[0].Address != "c.wantz@ecpat.lu" {
		t.Fatalf("api %v: %s", err, js)
	}
	_, _, js = get(t, web.URL+"/api/v1/message/1")
	if !strings.Contains(js, `token=abc`) {
		t.Fatalf("one message's JSON: %s", js)
	}
	if status, _, _ := get(t, web.URL+"/messages/99"); status != 404 {
		t.Fatalf("an unknown mail: %d", status)
	}
}

// The box keeps the latest mails only, and another site cannot empty it.
func TestBoxKeepsTheLatestAndRefusesACrossSiteClear(t *testing.T) {
	box, _, web := startBox(t)
	for _, s := range []string{"one", "two", "three", "four"} {
		box.Add("a@x.test", []string{"b@x.test"}, []byte("Subject: "+s+"\r\n\r\nbody "+s+"\r\n"))
	}
	list := box.List()
	if len(list) != 3 || list[0].Subject != "four" || list[2].Subject != "two" || list[0].Text != "body four\r\n" {
		t.Fatalf("kept %d, first %q", len(list), list[0].Subject)
	}
	req, _ := http.NewRequest(http.MethodPost, web.URL+"/clear", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || len(box.List()) != 3 {
		t.Fatalf("cross-site clear: %d, %d kept", res.StatusCode, len(box.List()))
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err = client.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(box.List()) != 0 {
		t.Fatalf("clear: %d, %d kept", res.StatusCode, len(box.List()))
	}
}

func TestListensOnLoopbackOnly(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:1025": true, "127.0.0.9:1": true, "[::1]:8025": true, "localhost:8025": true,
		"0.0.0.0:1025": false, ":1025": false, "192.168.1.4:25": false, "example.org:25": false, "nonsense": false} {
		err := devmail.Loopback(addr)
		if (err == nil) != ok {
			t.Errorf("%s: %v", addr, err)
		}
		if !ok && err != nil && !errors.Is(err, devmail.ErrNotLoopback) && addr != "nonsense" {
			t.Errorf("%s: %v is not ErrNotLoopback", addr, err)
		}
	}
}
