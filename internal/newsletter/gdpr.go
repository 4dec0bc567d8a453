package newsletter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/mail"
)

// Export is what the newsletter holds about one address, for a GDPR
// access request (see offers.DonorData).
type Export struct {
	Email         string    `json:"email"`
	Status        string    `json:"status"`
	Language      string    `json:"language"`
	Themes        []string  `json:"themes"`
	Countries     []string  `json:"countries"`
	Organisations []string  `json:"organisations"`
	SignedUpAt    time.Time `json:"signed_up_at"`
	// LastRequestAt is the last sign-up with this address; Pending what
	// it asked for, until its link is used.
	LastRequestAt time.Time      `json:"last_request_at"`
	Pending       *ExportRequest `json:"pending_request,omitempty"`
	ConfirmedAt   *time.Time     `json:"confirmed_at,omitempty"`
	Digests       []ExportDigest `json:"digests"`
}

// ExportRequest is a sign-up's choices waiting for its link.
type ExportRequest struct {
	Language      string    `json:"language"`
	Themes        []string  `json:"themes"`
	Countries     []string  `json:"countries"`
	Organisations []string  `json:"organisations"`
	LinkExpiresAt time.Time `json:"link_expires_at"`
}

// ExportDigest is a digest mailed to the address.
type ExportDigest struct {
	Period   string    `json:"period"`
	QueuedAt time.Time `json:"queued_at"`
	Articles int       `json:"articles"`
	Status   string    `json:"mail_status"`
}

// Export returns what the newsletter holds about email (any case), nil
// when it holds nothing: an unsubscribed address is not kept.
func (s *Store) Export(ctx context.Context, email string) (*Export, error) {
	x := &Export{Email: normalEmail(email), Digests: []ExportDigest{}}
	var id int64
	var req *struct {
		Lang          string   `json:"lang"`
		Themes        []string `json:"themes"`
		Countries     []string `json:"country_codes"`
		Organisations []string `json:"organisations"`
	}
	var expires *time.Time
	err := s.pool.QueryRow(ctx, `
		SELECT s.id, s.status, s.lang,
			ARRAY(SELECT t.slug FROM themes t WHERE t.id = ANY(s.theme_ids) ORDER BY t.slug),
			s.country_codes,
			ARRAY(SELECT o.slug FROM organisations o WHERE o.id = ANY(s.organisation_ids) ORDER BY o.slug),
			s.created_at, s.requested_at, s.confirmed_at, s.token_expires_at,
			CASE WHEN s.requested IS NOT NULL THEN jsonb_build_object(
				'lang', s.requested->>'lang',
				'themes', ARRAY(SELECT t.slug FROM themes t
					WHERE t.id IN (SELECT jsonb_array_elements_text(s.requested->'theme_ids')::bigint) ORDER BY t.slug),
				'country_codes', s.requested->'country_codes',
				'organisations', ARRAY(SELECT o.slug FROM organisations o
					WHERE o.id IN (SELECT jsonb_array_elements_text(s.requested->'organisation_ids')::bigint) ORDER BY o.slug))
			END
		FROM newsletter_subscribers s WHERE s.email = $1`, x.Email).
		Scan(&id, &x.Status, &x.Language, &x.Themes, &x.Countries, &x.Organisations, &x.SignedUpAt, &x.LastRequestAt,
			&x.ConfirmedAt, &expires, &req)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("newsletter: export: %w", err)
	}
	if req != nil && expires != nil {
		x.Pending = &ExportRequest{Language: req.Lang, Themes: req.Themes, Countries: req.Countries,
			Organisations: req.Organisations, LinkExpiresAt: *expires}
	}
	rows, _ := s.pool.Query(ctx, `
		SELECT d.period, d.created_at, d.articles, COALESCE(m.status, '')
		FROM newsletter_digests d LEFT JOIN mail_messages m ON m.id = d.mail_id
		WHERE d.subscriber_id = $1 ORDER BY d.created_at, d.id`, id)
	if x.Digests, err = pgx.CollectRows(rows, pgx.RowToStructByPos[ExportDigest]); err != nil {
		return nil, fmt.Errorf("newsletter: export digests: %w", err)
	}
	return x, nil
}

// EraseTx deletes, in tx, the subscription of email (any case) and empties
// the newsletter's mails to it still in the outbox (a queued one is never
// sent); the digests stay counted, tied to no one. It returns how many
// subscriptions went (0 or 1).
func (s *Store) EraseTx(ctx context.Context, tx pgx.Tx, email string) (int, error) {
	email = normalEmail(email)
	if email == "" {
		return 0, nil
	}
	tag, err := tx.Exec(ctx, `DELETE FROM newsletter_subscribers WHERE email = $1`, email)
	if err != nil {
		return 0, fmt.Errorf("newsletter: erase: %w", err)
	}
	if err := mail.ForgetRecipientTx(ctx, tx, email, PurposeConfirm, PurposeDigest); err != nil {
		return 0, err
	}
	return int(tag.RowsAffected()), nil
}

// ForgetUserTx erases the subscription of an erased account's address:
// the accounts store's erase hook (accounts.OnErase).
func (s *Store) ForgetUserTx(ctx context.Context, tx pgx.Tx, _ int64, email, _ string) error {
	_, err := s.EraseTx(ctx, tx, email)
	return err
}

// purgeBatch bounds each statement of the retention.
const purgeBatch = 1000

// PurgeUnconfirmed applies the newsletter's retention: sign-ups never
// confirmed are deleted PendingRetention after their last request, and a
// subscriber's change whose link expired is dropped (their choices stay
// as confirmed). Every statement handles at most a batch of rows and
// skips rows another transaction holds. It returns how many sign-ups it
// deleted; a second run finds nothing.
func (s *Store) PurgeUnconfirmed(ctx context.Context) (int, error) {
	before := s.now().Add(-PendingRetention)
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, `
			DELETE FROM newsletter_subscribers WHERE id IN (
				SELECT id FROM newsletter_subscribers WHERE status = 'pending' AND requested_at < $1
				LIMIT $2 FOR UPDATE SKIP LOCKED)`, before, purgeBatch)
		if err != nil {
			return total, fmt.Errorf("newsletter: purge unconfirmed sign-ups: %w", err)
		}
		total += int(tag.RowsAffected())
		if tag.RowsAffected() < purgeBatch {
			break
		}
	}
	for {
		tag, err := s.pool.Exec(ctx, `
			UPDATE newsletter_subscribers SET requested = NULL, token_hash = NULL, token_expires_at = NULL, updated_at = now()
			WHERE id IN (SELECT id FROM newsletter_subscribers
				WHERE token_hash IS NOT NULL AND status = 'confirmed' AND token_expires_at < $1
				LIMIT $2 FOR UPDATE SKIP LOCKED)`, s.now(), purgeBatch)
		if err != nil {
			return total, fmt.Errorf("newsletter: purge expired changes: %w", err)
		}
		if tag.RowsAffected() < purgeBatch {
			return total, nil
		}
	}
}
