package suggestions

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	mailpkg "github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

const columns = `s.id, s.organisation_id, o.slug, o.name, s.section, s.body, COALESCE(s.email, ''), s.lang, s.status,
	s.reason, s.created_at, s.decided_at`

// MaxList bounds a list of suggestions.
const MaxList = 100

// ForOrganisation lists orgID's suggestions: the open ones oldest first,
// then the decided ones, latest decision first; at most MaxList.
func (s *Store) ForOrganisation(ctx context.Context, orgID int64) ([]Suggestion, error) {
	rows, _ := s.pool.Query(ctx, `SELECT `+columns+` FROM suggestions s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.organisation_id = $1
		ORDER BY s.status <> 'open', CASE WHEN s.status = 'open' THEN s.created_at END, s.decided_at DESC, s.id LIMIT $2`, orgID, MaxList)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Suggestion])
	if err != nil {
		return nil, fmt.Errorf("suggestions: of organisation %d: %w", orgID, err)
	}
	return out, nil
}

// QueuePage is a page of the staff's queue.
type QueuePage struct {
	Open []Suggestion
	// Total is how many are open in all.
	Total int
	// Next is the keyset of the following page (0 on the last).
	Next int64
}

// Queue lists every organisation's open suggestions, oldest first, after
// the suggestion id after (0: from the oldest), at most MaxList.
func (s *Store) Queue(ctx context.Context, after int64) (*QueuePage, error) {
	p := &QueuePage{}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM suggestions WHERE status = 'open'`).Scan(&p.Total); err != nil {
		return nil, fmt.Errorf("suggestions: count the queue: %w", err)
	}
	// Ids grow with created_at (one sequence, now() at insert): the keyset
	// is the id, walked along the open index.
	rows, _ := s.pool.Query(ctx, `SELECT `+columns+` FROM suggestions s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.status = 'open' AND s.id > $1 ORDER BY s.created_at, s.id LIMIT $2`, after, MaxList+1)
	open, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Suggestion])
	if err != nil {
		return nil, fmt.Errorf("suggestions: queue: %w", err)
	}
	if len(open) > MaxList {
		open = open[:MaxList]
		p.Next = open[MaxList-1].ID
	}
	p.Open = open
	return p, nil
}

// Decision is an owner's or staff's answer to a suggestion.
type Decision struct {
	Accept bool
	// Reason is required to decline; the suggester reads it.
	Reason string
}

// DecidedFacts are what the suggester's mail tells (templates/mails/
// suggestion_decided): the organisation, the section, whether it was
// accepted and, declined, why.
type DecidedFacts struct {
	Organisation, Section, Reason, Link string
	Accepted                            bool
}

// Decide accepts or declines open suggestion id, orgID's (0: any
// organisation's, for staff), audited, and mails the suggester in their
// language when they left an email. It returns an Invalid error for a
// decline without a reason (or too long a reason), fault.ErrNotFound for
// another organisation's or an unknown suggestion and ErrDecided for one
// decided already.
func (s *Store) Decide(ctx context.Context, actor audit.Actor, orgID, id int64, d Decision) error {
	d.Reason = strings.TrimSpace(d.Reason)
	status, action := StatusDeclined, "suggestion.decline"
	if d.Accept {
		status, action = StatusAccepted, "suggestion.accept"
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var cur Suggestion
		err := tx.QueryRow(ctx, `SELECT `+columns+` FROM suggestions s JOIN organisations o ON o.id = s.organisation_id
			WHERE s.id = $1 AND ($2 = 0 OR s.organisation_id = $2) FOR UPDATE OF s`, id, orgID).
			Scan(&cur.ID, &cur.OrganisationID, &cur.OrganisationSlug, &cur.OrganisationName, &cur.Section, &cur.Body,
				&cur.Email, &cur.Lang, &cur.Status, &cur.Reason, &cur.CreatedAt, &cur.DecidedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Status != StatusOpen {
			return ErrDecided
		}
		// The reason is checked once the suggestion is known to be the
		// caller's: another organisation's is a 404 whatever the form.
		switch {
		case !d.Accept && d.Reason == "":
			return fault.InvalidField("reason", "truth.suggest.err.reason_required")
		case utf8.RuneCountInString(d.Reason) > MaxReason || !utf8.ValidString(d.Reason):
			return fault.InvalidField("reason", "truth.suggest.err.reason_long")
		}
		if _, err := tx.Exec(ctx, `UPDATE suggestions SET status = $2, reason = $3, decided_by = NULLIF($4, 0)::bigint,
			decided_at = now() WHERE id = $1`, id, status, d.Reason, actor.UserID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: action, EntityType: "suggestion",
			EntityID: id, OrganisationID: cur.OrganisationID, Details: map[string]any{"section": cur.Section}}); err != nil {
			return err
		}
		if cur.Email == "" {
			return nil
		}
		_, err = s.cfg.Outbox.ComposeTx(ctx, tx, mailpkg.Mail{Name: PurposeDecided, Langs: []string{cur.Lang},
			To: mailpkg.Address{Email: cur.Email}, Data: DecidedFacts{Organisation: cur.OrganisationName, Section: cur.Section,
				Reason: d.Reason, Accepted: d.Accept, Link: s.cfg.BaseURL + "/organisations/" + cur.OrganisationSlug}})
		return err
	})
	if err != nil {
		return fmt.Errorf("suggestions: decide %d: %w", id, err)
	}
	return nil
}

// ExportItem is a suggestion in a donor's GDPR export.
type ExportItem struct {
	Organisation string     `json:"organisation"`
	Section      string     `json:"section"`
	Text         string     `json:"text"`
	Status       string     `json:"status"`
	Reason       string     `json:"reason,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
}

// Export lists the suggestions left with email (any case), nil for none.
func (s *Store) Export(ctx context.Context, email string) ([]ExportItem, error) {
	rows, _ := s.pool.Query(ctx, `SELECT o.slug, s.section, s.body, s.status, s.reason, s.created_at, s.decided_at
		FROM suggestions s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.email = lower(btrim($1)) ORDER BY s.created_at, s.id`, email)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ExportItem])
	if err != nil {
		return nil, fmt.Errorf("suggestions: export: %w", err)
	}
	return out, nil
}

// EraseTx deletes, in tx, the suggestions left with email (any case): what
// they wrote is theirs as much as their address (the profile's own
// changes stay audited); the mails to them still queued are emptied. It
// returns how many went.
func (s *Store) EraseTx(ctx context.Context, tx pgx.Tx, email string) (int, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return 0, nil
	}
	tag, err := tx.Exec(ctx, `DELETE FROM suggestions WHERE email = $1`, email)
	if err != nil {
		return 0, fmt.Errorf("suggestions: erase: %w", err)
	}
	if err := mailpkg.ForgetRecipientTx(ctx, tx, email, PurposeDecided); err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// purgeBatch bounds each statement of the retention.
const purgeBatch = 1000

// Purge applies the retention: the suggester's email leaves every
// suggestion decided more than Retention ago (an open one keeps it: the
// decision is mailed to it). Batches of purgeBatch, skipping rows another
// transaction holds; it returns how many emails went.
func (s *Store) Purge(ctx context.Context) (int, error) {
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `UPDATE suggestions SET email = NULL WHERE id IN (
			SELECT id FROM suggestions WHERE email IS NOT NULL AND status <> 'open'
				AND decided_at < now() - make_interval(secs => $1)
			LIMIT $2 FOR UPDATE SKIP LOCKED)`, s.cfg.Retention.Seconds(), purgeBatch)
		if err != nil {
			return total, fmt.Errorf("suggestions: purge emails: %w", err)
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}
