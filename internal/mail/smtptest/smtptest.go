// Package smtptest runs a real SMTP server (emersion/go-smtp) inside a test
// and records what it receives, so mail tests exercise the whole SMTP
// conversation instead of a fake sender.
package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/devmail"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server accepted it.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Header returns the parsed header of the message.
func (r Received) Header() mail.Header {
	m, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		return mail.Header{}
	}
	return m.Header
}

// Subject returns the decoded Subject header.
func (r Received) Subject() string { return devmail.Parse(r.Data).Subject }

// Text returns the decoded text/plain part (or the whole body when the
// message is not multipart).
func (r Received) Text() string { return devmail.Parse(r.Data).Text }

// HTML returns the decoded text/html part, "" when there is none.
func (r Received) HTML() string { return devmail.Parse(r.Data).HTML }

// Server is an SMTP server for one test.
type Server struct {
	t    testing.TB
	addr string
	user string
	pass string

	mu       sync.Mutex
	received []Received
	// reject answers RCPT for an address with an error.
	reject map[string]*smtp.SMTPError
	srv    *smtp.Server
}

// New starts a server on a free loopback port that requires AUTH PLAIN with
// user "test" and password "secret"; it stops when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	s := Reserve(t)
	s.Start()
	return s
}

// Reserve picks a free loopback port but does not listen yet: until Start,
// connections are refused, as when the mail server is down.
func Reserve(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := &Server{t: t, addr: addr, user: "test", pass: "secret", reject: map[string]*smtp.SMTPError{}}
	t.Cleanup(s.Stop)
	return s
}

// URL is the SMTP_URL of the server, with its credentials.
func (s *Server) URL() string { return fmt.Sprintf("smtp://%s:%s@%s", s.user, s.pass, s.addr) }

// Start listens on the reserved port.
func (s *Server) Start() {
	s.t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Addr = s.addr
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.MaxMessageBytes = 4 << 20
	srv.MaxRecipients = 50
	var ln net.Listener
	var err error
	// The port was free a moment ago; retry briefly if the kernel is slow to
	// release it.
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtptest: listen %s: %v", s.addr, err)
	}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(ln) //nolint:errcheck // ends with Close
}

// Stop closes the server; connections are refused until Start.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Reject makes the server answer RCPT TO addr with code (e.g. 550 or 451);
// code 0 accepts the address again.
func (s *Server) Reject(addr string, code int) {
	if code == 0 {
		s.mu.Lock()
		delete(s.reject, strings.ToLower(addr))
		s.mu.Unlock()
		return
	}
	s.RejectWith(addr, code, "rejected by test")
}

// RejectWith is Reject with the reply's text, such as real servers send:
// "<gone@example.org>: Recipient address rejected: User unknown".
func (s *Server) RejectWith(addr string, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reject[strings.ToLower(addr)] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: message}
}

// Messages returns what the server has accepted so far.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// WaitFor polls until the server has accepted at least n messages, failing
// the test after timeout, and returns them.
func (s *Server) WaitFor(n int, timeout time.Duration) []Received {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs := s.Messages()
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("smtptest: %d messages received after %s, want %d", len(msgs), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	s      *Server
	authed bool
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != ss.s.user || password != ss.s.pass {
			return errors.New("invalid credentials")
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rej := ss.s.reject[strings.ToLower(to)]
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.received = append(ss.s.received, Received{From: ss.from, To: ss.to, Data: b})
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }
