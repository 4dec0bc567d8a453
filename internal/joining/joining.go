// Package joining owns how organisations and people come to the directory
// and how profiles stay trustworthy: the public "list your organisation"
// application (an account and a pending organisation at once), claims of
// unowned organisations (by a link mailed to an address at the website's
// domain, or by an admin's approval), and the yearly reminder to owners of
// profiles nobody has reviewed. It composes the directory and accounts
// stores inside one transaction and owns the organisation_claims table.
package joining

import (
	"context"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

// Errors returned by the store, besides fault.ErrNotFound (no
// organisation, claim or usable link matches) and Invalid errors (field →
// message id). Each wraps a fault kind and names the message shown.
var (
	// ErrEmailTaken means an account already uses the applicant's email:
	// they must sign in first.
	ErrEmailTaken = &fault.Error{Kind: fault.Conflict, ID: "join.email_taken", Fields: map[string]string{"email": "join.email_taken"}}
	// ErrHasOwner means the organisation already has an owner and cannot
	// be claimed.
	ErrHasOwner = fault.New(fault.Conflict, "claim.has_owner")
	// ErrClaimPending means the user already has a claim waiting for this
	// organisation.
	ErrClaimPending = fault.New(fault.Conflict, "claim.already_pending")
	// ErrRateLimited means too many applications came from one address.
	ErrRateLimited = fault.New(fault.RateLimited, "join.limited")
	// ErrDecided means the claim was already approved or rejected.
	ErrDecided = fault.New(fault.Conflict, "claims.admin.decided")
)

// Mailer stores a message in the caller's transaction (the mail outbox).
type Mailer interface {
	ComposeTx(ctx context.Context, tx pgx.Tx, m mail.Mail) (int64, error)
}

// Config is what the store needs besides the database.
type Config struct {
	Directory *directory.Store
	Accounts  *accounts.Store
	Outbox    Mailer
	// BaseURL is the site's public address, for links in mails.
	BaseURL string
	// JoinsPerHour bounds applications from one client address (0: 5).
	JoinsPerHour int
	// Pseudonyms hash client addresses before they are stored (zero: a
	// random key, for one process).
	Pseudonyms pseudonym.Hasher
}

// Store runs joining, claims and review reminders.
type Store struct {
	pool    *pgxpool.Pool
	dir     *directory.Store
	acc     *accounts.Store
	outbox  Mailer
	baseURL string
	perHour int
	ips     pseudonym.Hasher
	now     func() time.Time
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool, cfg Config) *Store {
	s := &Store{pool: pool, dir: cfg.Directory, acc: cfg.Accounts, outbox: cfg.Outbox,
		baseURL: strings.TrimSuffix(cfg.BaseURL, "/"), perHour: cfg.JoinsPerHour, ips: cfg.Pseudonyms, now: time.Now}
	if s.ips.IsZero() {
		s.ips = pseudonym.Random()
	}
	if s.perHour <= 0 {
		s.perHour = 5
	}
	return s
}
