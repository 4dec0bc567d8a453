// Package newsletter owns the newsletter of partners' news: the people
// who subscribe (double opt-in), the digests they are mailed, their
// unsubscription (a signed link, RFC 8058 one-click), the staff figures,
// and the subscribers' part of GDPR export, erasure and retention — the
// types, their checks and the SQL of the newsletter tables.
//
// A subscription moves through three states:
//
//	pending ──Confirm──▶ confirmed ──Unsubscribe──▶ unsubscribed
//	   │                    ▲  │
//	   │ (7 days unused:    └──┘ Subscribe again, then Confirm:
//	   ▼  deleted)               the new choices apply
//
// Subscribe mails a single-use link (its token stored hashed, expiring
// after LinkLifetime) and mails nothing else; what was asked for applies
// only once the link is used, so a stranger typing someone's address
// changes nothing for them, and the answer never says whether the address
// was known. An unsubscribed row keeps no address.
//
// The digest (SendDigests) goes once per period of the schedule to each
// confirmed subscriber with new articles matching their choices: the
// digest row's unique (subscriber, period) is the idempotency key that
// holds across workers and instances.
package newsletter

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/jobs"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

// Subscription statuses.
const (
	StatusPending      = "pending"
	StatusConfirmed    = "confirmed"
	StatusUnsubscribed = "unsubscribed"
)

// Lifetimes.
const (
	// LinkLifetime is how long a confirmation link works.
	LinkLifetime = 48 * time.Hour
	// PendingRetention is how long a sign-up never confirmed is kept.
	PendingRetention = 7 * 24 * time.Hour
)

// Bounds of a subscription's choices.
const (
	MaxOrganisations = 20
	// MaxArticles is how many articles a digest lists; it says how many
	// more there are and links to the news page for them.
	MaxArticles = 20
)

// Mail purposes (templates/mails/PURPOSE).
const (
	PurposeConfirm = "newsletter_confirm"
	PurposeDigest  = "newsletter_digest"
)

// Errors of the store, besides Invalid errors (field → message id) and
// fault.ErrNotFound.
var (
	// ErrLinkInvalid means a confirmation link is unknown, used already
	// or expired.
	ErrLinkInvalid = fault.New(fault.NotFound, "newsletter.confirm.invalid")
	// ErrBadSignature means an unsubscribe link's signature is not the
	// one of its subscriber: altered, or someone else's.
	ErrBadSignature = fault.New(fault.Forbidden, "newsletter.unsubscribe.invalid")
	// ErrRateLimited means too many sign-ups came from one client address
	// or for one email address.
	ErrRateLimited = fault.New(fault.RateLimited, "newsletter.limited")
)

// Limits bound sign-ups; a zero field turns its limit off.
type Limits struct {
	// PerIP is how many sign-ups one client address may make per Window.
	PerIP int
	// PerEmail is how many confirmation mails one address may receive
	// per Window.
	PerEmail int
	Window   time.Duration
}

// DefaultLimits: 10 sign-ups an hour from one client address, 3
// confirmation mails an hour to one address.
func DefaultLimits() Limits { return Limits{PerIP: 10, PerEmail: 3, Window: time.Hour} }

// Config is what the store needs besides the database.
type Config struct {
	Outbox *mail.Outbox
	// BaseURL is the site's public address, for the links in mails.
	BaseURL string
	// Key signs unsubscribe links (at least 32 bytes); every instance
	// must use the same.
	Key []byte
	// Pseudonyms hash client and email addresses in rate-limit keys.
	Pseudonyms pseudonym.Hasher
	// Schedule cuts time into digest periods (NEWSLETTER_DIGEST at
	// DAILY_JOBS_AT); also when it is off, `news digest --now` uses it.
	Schedule jobs.Calendar
	Limits   Limits
}

// Store keeps subscriptions and sends digests.
type Store struct {
	pool     *pgxpool.Pool
	outbox   *mail.Outbox
	baseURL  string
	key      []byte
	ips      pseudonym.Hasher
	schedule jobs.Calendar
	limits   Limits
	now      func() time.Time
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if cfg.Outbox == nil {
		return nil, errors.New("newsletter: an outbox is required")
	}
	if len(cfg.Key) < 32 {
		return nil, errors.New("newsletter: the unsubscribe key must have at least 32 bytes")
	}
	if cfg.Pseudonyms.IsZero() {
		return nil, errors.New("newsletter: a pseudonym hasher is required")
	}
	var zero jobs.Calendar
	if cfg.Schedule == zero {
		cfg.Schedule = jobs.Monthly(1, jobs.DailyAt(3, 0, time.UTC))
	}
	return &Store{pool: pool, outbox: cfg.Outbox, baseURL: strings.TrimSuffix(cfg.BaseURL, "/"),
		key: append([]byte(nil), cfg.Key...), ips: cfg.Pseudonyms, schedule: cfg.Schedule, limits: cfg.Limits,
		now: time.Now}, nil
}

// Schedule is the calendar of digest periods.
func (s *Store) Schedule() jobs.Calendar { return s.schedule }

// hashToken is how a confirmation token is stored.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// mac is the keyed hash of a purpose and a value.
func (s *Store) mac(purpose, value string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(purpose + "\x00" + value))
	return m.Sum(nil)
}
