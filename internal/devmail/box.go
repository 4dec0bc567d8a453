package devmail

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// MaxMessageBytes is the largest message the catcher accepts.
const MaxMessageBytes = 10 << 20

// Message is one caught message.
type Message struct {
	ID       int
	Received time.Time
	// From and To are the SMTP envelope's sender and recipients.
	From string
	To   []string
	Raw  []byte
	Parsed
}

// Box keeps the latest messages in memory, the oldest dropped past its
// size. It is safe for concurrent use.
type Box struct {
	max  int
	mu   sync.Mutex
	next int
	msgs []*Message // oldest first
}

// NewBox returns a Box that keeps the latest max messages (at least 1).
func NewBox(max int) *Box {
	if max < 1 {
		max = 1
	}
	return &Box{max: max, next: 1}
}

// Add keeps a message received from the envelope's from and to.
func (b *Box) Add(from string, to []string, raw []byte) *Message {
	m := &Message{Received: time.Now(), From: from, To: to, Raw: raw, Parsed: Parse(raw)}
	b.mu.Lock()
	defer b.mu.Unlock()
	m.ID = b.next
	b.next++
	b.msgs = append(b.msgs, m)
	if over := len(b.msgs) - b.max; over > 0 {
		b.msgs = append([]*Message(nil), b.msgs[over:]...)
	}
	return m
}

// List returns the messages kept, the newest first.
func (b *Box) List() []*Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]*Message, len(b.msgs))
	for i, m := range b.msgs {
		out[len(b.msgs)-1-i] = m
	}
	return out
}

// Get returns the message with id, if it is still kept.
func (b *Box) Get(id int) (*Message, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

// Clear drops every message.
func (b *Box) Clear() {
	b.mu.Lock()
	b.msgs = nil
	b.mu.Unlock()
}

// ErrNotLoopback refuses an address a development tool must not listen on.
var ErrNotLoopback = errors.New("devmail: listens on loopback addresses only (127.0.0.0/8, ::1)")

// Loopback checks that addr (host:port) names a loopback address.
func Loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("devmail: %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %q", ErrNotLoopback, addr)
	}
	return nil
}

// SMTPServer returns an SMTP server for addr that keeps every message in
// b. It accepts any sender and recipient, and AUTH PLAIN with any
// credentials (the app may be configured with some) or none.
func (b *Box) SMTPServer(addr string) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{box: b}, nil }))
	srv.Addr = addr
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 30 * time.Second
	srv.WriteTimeout = 30 * time.Second
	srv.MaxMessageBytes = MaxMessageBytes
	srv.MaxRecipients = 100
	return srv
}

type session struct {
	box  *Box
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, _, _ string) error { return nil }), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	s.box.Add(s.from, append([]string(nil), s.to...), raw)
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
