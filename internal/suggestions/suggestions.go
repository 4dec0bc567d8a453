// Package suggestions owns visitors' suggestions of a correction to a
// profile (table suggestions): their submission (validated, rate-limited
// per client address, mailed to the organisation's owners through the
// outbox), the lists owners and staff read, the decision (accepted once
// the change is made through the normal edit forms, or declined with a
// reason mailed to the suggester), and the suggester's email in the GDPR
// export, erasure and retention.
package suggestions

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	mailpkg "github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/pseudonym"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// Sections a suggestion may be about.
var Sections = []string{"description", "offices", "team", "contacts", "other"}

// Statuses of a suggestion.
const (
	StatusOpen     = "open"
	StatusAccepted = "accepted"
	StatusDeclined = "declined"
)

// Bounds of what a suggestion holds.
const (
	MaxBody   = 5000
	MaxReason = 2000
	maxEmail  = 254
)

// Mail purposes; each is also the name of its templates.
const (
	PurposeReceived = "suggestion_received"
	PurposeDecided  = "suggestion_decided"
)

// ErrRateLimited refuses a suggestion over the client address's limit.
var ErrRateLimited = fault.New(fault.RateLimited, "truth.suggest.limited")

// ErrSpam is a submission whose hidden field was filled: nothing is
// stored, and the visitor sees the same confirmation as anyone.
var ErrSpam = errors.New("suggestions: honeypot filled")

// ErrDecided refuses to decide a suggestion again.
var ErrDecided = fault.New(fault.Conflict, "truth.suggest.decided")

// Mailer composes a mail inside the caller's transaction (the outbox).
type Mailer interface {
	ComposeTx(ctx context.Context, tx pgx.Tx, m mailpkg.Mail) (int64, error)
}

// Config is what the store needs besides the database.
type Config struct {
	Outbox  Mailer
	BaseURL string
	// Pseudonyms key the rate limit on client addresses (never in clear).
	Pseudonyms pseudonym.Hasher
	// PerHour is how many suggestions one client address may make in an
	// hour (DefaultPerHour when 0).
	PerHour int
	// Retention is how long after its decision a suggestion keeps its
	// suggester's email (PERSONAL_DATA_RETENTION).
	Retention time.Duration
}

// DefaultPerHour is the default of Config.PerHour.
const DefaultPerHour = 5

// Store reads and writes suggestions.
type Store struct {
	pool *pgxpool.Pool
	cfg  Config
}

// NewStore returns a store over pool.
func NewStore(pool *pgxpool.Pool, cfg Config) (*Store, error) {
	if cfg.Outbox == nil {
		return nil, errors.New("suggestions: an outbox is required")
	}
	if cfg.PerHour == 0 {
		cfg.PerHour = DefaultPerHour
	}
	if cfg.Pseudonyms.IsZero() {
		cfg.Pseudonyms = pseudonym.Random()
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 90 * 24 * time.Hour
	}
	return &Store{pool: pool, cfg: cfg}, nil
}

// Suggestion is one suggested correction.
type Suggestion struct {
	ID               int64
	OrganisationID   int64
	OrganisationSlug string
	OrganisationName string
	Section          string
	Body             string
	// Email is the suggester's, "" when none was left (or it was purged);
	// pages show it to staff only.
	Email     string
	Lang      string
	Status    string
	Reason    string
	CreatedAt time.Time
	DecidedAt *time.Time
}

// Submission is the public form.
type Submission struct {
	OrganisationSlug string
	Section          string
	Body             string
	Email            string
	// Lang is the visitor's language, the decision mail's.
	Lang string
	// IP is the client address, for the rate limit (pseudonymised).
	IP string
	// Honeypot is a field hidden from people; bots fill it.
	Honeypot string
}

// links are what a suggestion may not carry: an address with a scheme,
// one starting with www., or markup that makes a link. (A bare domain
// such as ecpat.lu is allowed: "our website is now …" is a correction.)
var links = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://|\bwww\.|<\s*a\b|\]\s*\(|\[url)`)

// Validate checks sub, with a message id per field.
func (sub *Submission) Validate() error {
	sub.Body = strings.TrimSpace(sub.Body)
	sub.Email = strings.ToLower(strings.TrimSpace(sub.Email))
	var v fault.Fields
	if !slices.Contains(Sections, sub.Section) {
		v.Add("section", "truth.suggest.err.section")
	}
	switch {
	case sub.Body == "":
		v.Add("body", "truth.suggest.err.body_required")
	case !utf8.ValidString(sub.Body) || utf8.RuneCountInString(sub.Body) > MaxBody:
		v.Add("body", "truth.suggest.err.body_long")
	case links.MatchString(sub.Body):
		v.Add("body", "truth.suggest.err.links")
	}
	if sub.Email != "" {
		if a, err := mail.ParseAddress(sub.Email); err != nil || a.Address != sub.Email || len(sub.Email) > maxEmail {
			v.Add("email", "truth.suggest.err.email")
		}
	}
	if sub.Lang != "en" {
		sub.Lang = "fr"
	}
	return v.Err()
}

// perIP is the limit of suggestions per client address.
func (s *Store) perIP() ratelimit.Limit {
	return ratelimit.Limit{Name: "suggest:ip", Max: s.cfg.PerHour, Window: time.Hour}
}

// Submit stores sub, audits it and mails the organisation's owners, in
// one transaction, and returns the suggestion's id. The rate limit is
// taken in that transaction (internal/ratelimit): of a burst of parallel
// submissions from one address exactly the limit are stored, and a
// refused one takes its attempt back with the rest. It returns an Invalid
// error for bad input, fault.ErrNotFound unless the organisation is
// published, ErrRateLimited over the limit and ErrSpam for a bot; a
// refusal stores nothing.
func (s *Store) Submit(ctx context.Context, actor audit.Actor, sub Submission) (int64, error) {
	if sub.Honeypot != "" {
		return 0, ErrSpam
	}
	if err := sub.Validate(); err != nil {
		return 0, err
	}
	var id int64
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var orgID int64
		var orgName string
		err := tx.QueryRow(ctx, `SELECT id, name FROM organisations WHERE slug = $1 AND status = 'published'`,
			sub.OrganisationSlug).Scan(&orgID, &orgName)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		d, err := s.perIP().Take(ctx, tx, s.cfg.Pseudonyms.IP(sub.IP))
		if err != nil {
			return err
		}
		if !d.Allowed {
			return fault.Later(ErrRateLimited, d.RetryAfter)
		}
		if err := tx.QueryRow(ctx, `INSERT INTO suggestions (organisation_id, section, body, email, lang)
			VALUES ($1, $2, $3, NULLIF($4, ''), $5) RETURNING id`, orgID, sub.Section, sub.Body, sub.Email, sub.Lang).Scan(&id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "suggestion.create", EntityType: "suggestion", EntityID: id,
			OrganisationID: orgID, Details: map[string]any{"section": sub.Section}}); err != nil {
			return err
		}
		return s.mailOwners(ctx, tx, orgID, ReceivedFacts{Organisation: orgName, Section: sub.Section, Body: sub.Body,
			Link: s.cfg.BaseURL + "/manage/" + sub.OrganisationSlug + "/suggestions"})
	})
	if err != nil {
		return 0, fmt.Errorf("suggestions: submit to %q: %w", sub.OrganisationSlug, err)
	}
	return id, nil
}

// ReceivedFacts are what the owners' mail tells (templates/mails/
// suggestion_received): the organisation, the section, the suggested text
// and the page where they decide.
type ReceivedFacts struct {
	Organisation, Section, Body, Link string
}

// mailOwners mails f to every owner of orgID whose membership is in
// effect, in French then English. Owners are read from the accounts'
// tables, as the review decisions' mails do: this is the one place the
// package reads them.
func (s *Store) mailOwners(ctx context.Context, tx pgx.Tx, orgID int64, f ReceivedFacts) error {
	rows, _ := tx.Query(ctx, `
		SELECT u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.role = 'owner' AND NOT u.disabled AND u.email_verified_at IS NOT NULL
		ORDER BY u.id`, orgID)
	owners, err := pgx.CollectRows(rows, pgx.RowToStructByPos[mailpkg.Address])
	if err != nil {
		return err
	}
	for _, to := range owners {
		if _, err := s.cfg.Outbox.ComposeTx(ctx, tx, mailpkg.Mail{Name: PurposeReceived, Langs: []string{"fr", "en"},
			To: to, Data: f}); err != nil {
			return err
		}
	}
	return nil
}
