package mail

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
)

// Header is an extra header field of a mail, such as List-Unsubscribe.
// The fields the outbox writes itself (addresses, subject, dates, ids,
// MIME structure) cannot be given this way.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// headerName is a field name as RFC 5322 allows it, restricted to letters,
// digits and hyphens.
var headerName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,62}$`)

// ownHeaders are written by the outbox and the SMTP sender; a mail may not
// set or repeat them.
var ownHeaders = []string{"from", "sender", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id",
	"mime-version", "content-type", "content-transfer-encoding", "content-language", "content-disposition",
	"return-path", "received", "auto-submitted", "in-reply-to", "references"}

// maxHeaderValue bounds a value: a line must stay under 998 characters.
const maxHeaderValue = 900

func (h Header) check() error {
	if !headerName.MatchString(h.Name) || slices.Contains(ownHeaders, strings.ToLower(h.Name)) || strings.HasPrefix(strings.ToLower(h.Name), "content-") {
		return fmt.Errorf("mail: header %q may not be set by a mail", h.Name)
	}
	if h.Value == "" || len(h.Value) > maxHeaderValue || HeaderSafe(h.Value) != h.Value {
		return fmt.Errorf("mail: header %s: the value must be one line of at most %d bytes", h.Name, maxHeaderValue)
	}
	return nil
}

// check refuses a message the outbox cannot send as it is (a malformed
// recipient, a header it may not carry) and settles its language.
func (m *Message) check() error {
	if _, err := mail.ParseAddress(m.To.Email); err != nil {
		return fmt.Errorf("mail: enqueue %s: recipient %q: %w", m.Purpose, m.To.Email, err)
	}
	if m.Lang != "en" {
		m.Lang = "fr"
	}
	seen := map[string]bool{}
	for _, h := range m.Headers {
		if err := h.check(); err != nil {
			return err
		}
		if seen[strings.ToLower(h.Name)] {
			return fmt.Errorf("mail: header %s given twice", h.Name)
		}
		seen[strings.ToLower(h.Name)] = true
	}
	return nil
}

// headersJSON is the headers column's value.
func (m *Message) headersJSON() []byte {
	hs := m.Headers
	if hs == nil {
		hs = []Header{}
	}
	b, _ := json.Marshal(hs) // strings only: never fails
	return b
}
