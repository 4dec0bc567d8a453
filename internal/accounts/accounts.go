// Package accounts owns who may sign in and what they may do: users, their
// platform roles (admin, staff), their memberships of organisations (owner,
// editor), password hashing, single-use tokens, login rate limits and the
// PostgreSQL-backed session store.
package accounts

import (
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

// Errors returned by the store, besides fault.ErrNotFound (no user,
// membership or session matches), fault.ErrConflict (the email address is
// already taken) and Invalid errors (field → message id).
var (
	// ErrBadCredentials means the email or password is wrong, or the
	// account is disabled; callers must not tell which.
	ErrBadCredentials = fault.New(fault.Unauthorized, "auth.login.failed")
	// ErrRateLimited means too many failed logins; try again later.
	ErrRateLimited = fault.New(fault.RateLimited, "auth.login.limited")
)

// Platform roles.
const (
	RoleAdmin = "admin"
	RoleStaff = "staff"
)

// Organisation roles.
const (
	OrgOwner  = "owner"
	OrgEditor = "editor"
)

// User is a person who can sign in.
type User struct {
	ID          int64
	Email       string
	Name        string
	Role        string // "", RoleAdmin or RoleStaff
	Disabled    bool
	CreatedAt   time.Time
	LastLoginAt *time.Time
	// TwoFactor says the user has enrolled a TOTP authenticator.
	TwoFactor bool
	// Verified says the user proved they receive mail at Email (a link
	// mailed there was followed, or an admin created the account); until
	// then their memberships grant nothing. User and UserByEmail read it;
	// the other lookups leave it false.
	Verified bool
}

// NeedsTwoFactor reports whether u must enrol two-factor authentication
// before using their role: admins and staff must.
func (u *User) NeedsTwoFactor() bool { return u.IsStaff() && !u.TwoFactor }

// IsStaff reports whether u works for the platform (staff or admin).
func (u *User) IsStaff() bool { return u != nil && (u.Role == RoleStaff || u.Role == RoleAdmin) }

// IsAdmin reports whether u administers the platform.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Membership is a user's role in one organisation.
type Membership struct {
	OrganisationID   int64
	OrganisationSlug string
	OrganisationName string
	Role             string
	// OrganisationStatus is the organisation's status (draft, pending,
	// published, suspended).
	OrganisationStatus string
}

// Store reads and writes accounts in PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	params hashParams
	// Limits of failed logins per window, per client address and per
	// account.
	ipLimit, accountLimit int
	window                time.Duration
	// erasers clear other packages' tables when a user is erased (OnErase).
	erasers []EraseHook
	// purges are other packages' retention steps (OnPurge).
	purges []PurgeStep
	// outbox and baseURL send reset and invitation mails (WithMail).
	outbox  Mailer
	baseURL string
	// ips hides client addresses in limits and audit entries
	// (WithPseudonyms).
	ips pseudonym.Hasher
	// box seals TOTP secrets and MACs recovery codes (WithTOTPKeys).
	box *secretBox
	// hashing bounds concurrent argon2id computations (WithHashing).
	hashing hashSlots
	// tokenLimit is the most token redemptions, and separately reset
	// requests, per client address per tokenWindow (WithTokenLimits).
	tokenLimit  int
	tokenWindow time.Duration
}

// Option tunes a Store.
type Option func(*Store)

// WithLoginLimits sets how many failed logins a client address and an
// account may make per window before login is refused.
func WithLoginLimits(perIP, perAccount int, window time.Duration) Option {
	return func(s *Store) { s.ipLimit, s.accountLimit, s.window = perIP, perAccount, window }
}

// WithFastHashing makes password hashing cheap. Tests only: it weakens
// stored hashes.
func WithFastHashing() Option {
	return func(s *Store) { s.params = hashParams{memory: 1024, time: 1, threads: 1} }
}

// WithPseudonyms sets the hasher of client addresses, which every
// instance must share so that per-address limits add up. Without it a
// store makes its own random key, which suits one process (tests).
func WithPseudonyms(h pseudonym.Hasher) Option {
	return func(s *Store) { s.ips = h }
}

// WithTOTPKeys sets the keys (TOTP_KEYS, newest first) that seal TOTP
// secrets and key the MAC of recovery codes: the newest seals, every one
// opens. Without it a store uses a random key of its own, which no other
// process shares.
func WithTOTPKeys(keys ...TOTPKey) Option {
	return func(s *Store) {
		if len(keys) > 0 {
			s.box = newSecretBox(keys)
		}
	}
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool, opts ...Option) *Store {
	s := &Store{pool: pool, params: defaultParams, ipLimit: 20, accountLimit: 5, window: 15 * time.Minute,
		tokenLimit: 10, tokenWindow: time.Hour, box: randomSecretBox()}
	for _, o := range opts {
		o(s)
	}
	if s.ips.IsZero() {
		s.ips = pseudonym.Random()
	}
	s.hashing.init(s.params)
	return s
}
