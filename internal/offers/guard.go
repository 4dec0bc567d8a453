package offers

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"
	"time"

	mailpkg "github.com/partnerdir/partnerdir/internal/mail"
)

// FormToken returns a signed token holding the time the form was shown and
// a random nonce; the submission returns it, which proves a minimum fill
// time without any server-side state. The nonce makes every form's token
// unique: the offer stores its hash (see formTokenHash), so a form is accepted
// once and a resubmission gets the first offer's receipt.
func (s *Store) FormToken() string { return s.FormTokenAt(s.now()) }

// FormTokenAt is the token of a form shown at t.
func (s *Store) FormTokenAt(t time.Time) string {
	ts := strconv.FormatInt(t.UnixMilli(), 36)
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	body := ts + "." + hex.EncodeToString(b[:])
	return body + "." + s.sign("offer-form", body)
}

// formTokenHash is what an offer stores of its form token: its SHA-256,
// never the token itself.
func formTokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// SetClock replaces the clock the spam guards read (tests use it to age a
// form without waiting).
func (s *Store) SetClock(now func() time.Time) { s.now = now }

// checkFormToken reports whether token is genuine and was issued between
// MaxFormAge and MinFillTime ago. expired distinguishes a form left open too
// long (the donor may simply resend) from a forgery or a bot.
func (s *Store) checkFormToken(token string) (ok, expired bool) {
	body, sig, found := cutLast(token, ".")
	if !found || !hmac.Equal([]byte(sig), []byte(s.sign("offer-form", body))) {
		return false, false
	}
	ts, nonce, found := strings.Cut(body, ".")
	if !found || len(nonce) != 32 {
		// A genuine form shown before tokens carried a nonce: it cannot
		// be told from its resubmissions, so the donor sends a fresh one.
		return false, true
	}
	ms, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return false, false
	}
	age := s.now().Sub(time.UnixMilli(ms))
	switch {
	case age < s.limits.MinFillTime:
		return false, false
	case s.limits.MaxFormAge > 0 && age > s.limits.MaxFormAge:
		return false, true
	}
	return true, false
}

// genuineFormToken reports whether token carries a valid signature,
// whatever its age.
func (s *Store) genuineFormToken(token string) bool {
	body, sig, found := cutLast(token, ".")
	return found && hmac.Equal([]byte(sig), []byte(s.sign("offer-form", body)))
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func (s *Store) sign(purpose, v string) string {
	m := hmac.New(sha256.New, s.secret)
	fmt.Fprintf(m, "%s\x00%s", purpose, v)
	return hex.EncodeToString(m.Sum(nil))
}

func parseAddress(s string) (mailpkg.Address, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return mailpkg.Address{}, fmt.Errorf("offers: triage address %q: %w", s, err)
	}
	return mailpkg.Address{Name: a.Name, Email: a.Address}, nil
}
