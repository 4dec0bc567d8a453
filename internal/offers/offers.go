// Package offers owns support offers: a donor's submission (validation,
// anti-spam), its routing to the right contact, the triage workflow staff
// and organisations follow, and the retention of donors' personal data.
package offers

import (
	"cmp"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
)

// ErrRejected means the submission looks automated or exceeds a rate
// limit. Its message deliberately says nothing more. The store's other
// errors are fault.ErrNotFound (no offer, or no published organisation,
// matches), fault.ErrConflict (the offer changed since it was read, or the
// requested status change is not allowed from its current status) and
// Invalid errors (form field → message id).
var ErrRejected = fault.New(fault.RateLimited, "offers.form.rejected")

// ConsentVersion names the wording of the consent the donor ticks; it is
// stored with every offer so the text agreed to can be found later.
const ConsentVersion = "2026-01"

// MaxMessage is the longest message accepted, in characters.
const MaxMessage = 5000

// Statuses of an offer.
const (
	StatusNew       = "new"
	StatusInReview  = "in_review"
	StatusForwarded = "forwarded"
	StatusAccepted  = "accepted"
	StatusDeclined  = "declined"
	StatusSpam      = "spam"
	StatusClosed    = "closed"
)

// Statuses lists every status in workflow order.
func Statuses() []string {
	return []string{StatusNew, StatusInReview, StatusForwarded, StatusAccepted, StatusDeclined, StatusSpam, StatusClosed}
}

// Routing bases: what decided where an offer went.
const (
	BasisProjectRule    = "project_rule"
	BasisOfficeRule     = "office_rule"
	BasisKindRule       = "kind_rule"
	BasisDefaultContact = "default_contact"
	BasisTriage         = "triage"
	// BasisManual: staff re-routed the offer by hand.
	BasisManual = "manual"
)

// Limits are the anti-spam settings.
type Limits struct {
	// MinFillTime is how long a person needs at least to fill the form;
	// faster submissions are automated.
	MinFillTime time.Duration
	// MaxFormAge is how long a form stays valid after it was shown.
	MaxFormAge time.Duration
	// Window is the period the rate limits count over.
	Window time.Duration
	// PerIP and PerEmail are the most offers accepted per Window from one
	// IP address and from one email address; 0 means no limit.
	PerIP    int
	PerEmail int
	// MaxLinks is the most links a message may contain.
	MaxLinks int
}

// DefaultLimits are the limits in production.
func DefaultLimits() Limits {
	return Limits{
		MinFillTime: 3 * time.Second,
		MaxFormAge:  24 * time.Hour,
		Window:      time.Hour,
		PerIP:       5,
		PerEmail:    3,
		MaxLinks:    3,
	}
}

// Config is what the store needs besides the database.
type Config struct {
	Outbox *mail.Outbox
	// Secret signs form tokens (at least 32 bytes; the same on every
	// instance).
	Secret []byte
	// Pseudonyms hash the sender's address for the per-address limit.
	Pseudonyms pseudonym.Hasher
	// TriageEmail receives offers no rule or default contact covers.
	TriageEmail string
	// BaseURL is the public address, for links in mails.
	BaseURL string
	Limits  Limits
	// ResponseTarget is the first-response time (in working days, counted
	// as 24 h each) after which an unanswered offer is overdue; 0 means 5.
	ResponseTarget time.Duration
}

// Store reads and writes offers in PostgreSQL.
type Store struct {
	pool    *pgxpool.Pool
	outbox  *mail.Outbox
	secret  []byte
	ips     pseudonym.Hasher
	triage  mail.Address
	baseURL string
	limits  Limits
	now     func() time.Time
	// responseTarget: see Config.ResponseTarget.
	responseTarget time.Duration
	// donorData are other packages' parts of a donor's data (AddDonorData).
	donorData []DonorData
	// statusKey signs the donors' status links (see StatusToken).
	statusKey []byte
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("offers: the signing secret must have at least 32 bytes")
	}
	if cfg.Pseudonyms.IsZero() {
		return nil, errors.New("offers: no pseudonym hasher for client addresses")
	}
	triage, err := parseAddress(cfg.TriageEmail)
	if err != nil {
		return nil, err
	}
	return &Store{
		pool:           pool,
		outbox:         cfg.Outbox,
		secret:         cfg.Secret,
		ips:            cfg.Pseudonyms,
		triage:         triage,
		baseURL:        cfg.BaseURL,
		limits:         cfg.Limits,
		now:            time.Now,
		responseTarget: cmp.Or(cfg.ResponseTarget, 5*24*time.Hour),
		statusKey:      statusKey(cfg.Secret),
	}, nil
}
