package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Outgoing is a stored message ready to go out.
type Outgoing struct {
	// MessageID is the stable Message-ID, without angle brackets.
	MessageID string
	To        Address
	ReplyTo   Address
	Subject   string
	Text      string
	HTML      string
	Lang      string
	CreatedAt time.Time
	// Headers are the message's extra header fields.
	Headers []Header
}

// SMTP delivers messages to the server of SMTP_URL as MAIL_FROM.
type SMTP struct {
	opts []gomail.Option
	host string
	from Address
}

// PermanentError is a refusal that retrying will not change (an SMTP 5xx
// answer such as "no such user").
type PermanentError struct {
	Err error
}

// Error describes the refusal.
func (e *PermanentError) Error() string { return "permanent failure: " + e.Err.Error() }

// Unwrap returns the library's error.
func (e *PermanentError) Unwrap() error { return e.Err }

// NewSMTP parses rawURL — smtp://[user:password@]host[:port] (STARTTLS when
// the server offers it, port 25 by default) or smtps://… (implicit TLS, port
// 465 by default) — and from (MAIL_FROM, "Name <address>").
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP_URL: %w", err)
	}
	if u.Hostname() == "" {
		return nil, errors.New("mail: SMTP_URL has no host")
	}
	opts := []gomail.Option{gomail.WithTimeout(20 * time.Second), gomail.WithHELO("partnerdir")}
	port := 25
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP_URL scheme must be smtp or smtps, got %q", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: SMTP_URL port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		// PLAIN is refused by the library over an unencrypted connection
		// unless the server is local.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	a, err := parseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("mail: MAIL_FROM: %w", err)
	}
	return &SMTP{opts: opts, host: u.Hostname(), from: a}, nil
}

// Send delivers m and, as soon as the server has accepted it and before
// the connection is closed, calls accepted (which records the delivery),
// so a crash leaves the smallest possible window between "accepted" and
// "recorded". An SMTP 5xx answer is returned as a *PermanentError;
// anything else (connection refused, 4xx, timeout) is temporary. Once
// accepted has run, errors closing the connection are ignored.
func (s *SMTP) Send(ctx context.Context, m Outgoing, accepted func() error) error {
	msg, err := s.build(m)
	if err != nil {
		return &PermanentError{Err: err}
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	sc, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("mail: connect to SMTP server: %w", err)
	}
	if err := c.SendWithSMTPClient(sc, msg); err != nil {
		_ = c.CloseWithSMTPClient(sc)
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return &PermanentError{Err: err}
		}
		return err
	}
	if accepted != nil {
		if err := accepted(); err != nil {
			_ = c.CloseWithSMTPClient(sc)
			return &RecordError{Err: err}
		}
	}
	_ = c.CloseWithSMTPClient(sc)
	return nil
}

// RecordError means the server accepted the message but recording that
// failed: the message may go out again on retry (with the same Message-ID).
type RecordError struct {
	Err error
}

// Error says the message went out but is not recorded as sent.
func (e *RecordError) Error() string { return "message accepted but not recorded: " + e.Err.Error() }

// Unwrap returns the database error.
func (e *RecordError) Unwrap() error { return e.Err }

func (s *SMTP) build(m Outgoing) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.FromFormat(HeaderSafe(s.from.Name), s.from.Email); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := msg.AddToFormat(HeaderSafe(m.To.Name), m.To.Email); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	if m.ReplyTo.Email != "" {
		if err := msg.ReplyToFormat(HeaderSafe(m.ReplyTo.Name), m.ReplyTo.Email); err != nil {
			return nil, fmt.Errorf("reply-to: %w", err)
		}
	}
	msg.Subject(HeaderSafe(m.Subject))
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.CreatedAt)
	msg.SetGenHeader(gomail.HeaderContentLang, m.Lang)
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	for _, h := range m.Headers {
		if err := h.check(); err != nil {
			return nil, err
		}
		msg.SetGenHeader(gomail.Header(h.Name), h.Value)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func parseAddress(s string) (Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return Address{}, err
	}
	return Address{Name: a.Name, Email: a.Address}, nil
}
