package newsletter

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// An unsubscribe link names its subscriber and carries their signature:
// /newsletter/unsubscribe?s=ID&sig=SIG, SIG the first 16 bytes of
// HMAC-SHA256(key, "unsubscribe" ‖ ID), base64url. It needs no sign-in and
// never expires (unsubscribing twice does no harm), and it cannot be
// guessed for another subscriber.
const unsubscribePurpose = "newsletter unsubscribe"

// signature is subscriber id's unsubscribe signature.
func (s *Store) signature(id int64) string {
	return base64.RawURLEncoding.EncodeToString(s.mac(unsubscribePurpose, strconv.FormatInt(id, 10))[:16])
}

// UnsubscribeURL is subscriber id's unsubscribe link, absolute.
func (s *Store) UnsubscribeURL(id int64) string {
	return s.baseURL + "/newsletter/unsubscribe?s=" + strconv.FormatInt(id, 10) + "&sig=" + s.signature(id)
}

// Verify returns the subscriber an unsubscribe link's parameters name, or
// ErrBadSignature when the signature is not theirs (altered, truncated,
// another subscriber's).
func (s *Store) Verify(subscriber, sig string) (int64, error) {
	id, err := strconv.ParseInt(subscriber, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != subscriber {
		return 0, ErrBadSignature
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(unsubscribePurpose, subscriber)[:16]) {
		return 0, ErrBadSignature
	}
	return id, nil
}

// Unsubscribe ends the subscription of the link (subscriber, sig) at
// once: no digest goes to it from now on, and its address and choices
// are forgotten (the row stays, for the staff counts). An unsubscribed or
// erased subscriber's link still answers that they are unsubscribed. It
// returns ErrBadSignature for a link that is not theirs; nothing changes
// then.
func (s *Store) Unsubscribe(ctx context.Context, actor audit.Actor, subscriber, sig string) error {
	id, err := s.Verify(subscriber, sig)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, unsubscribe+` WHERE id = $1 AND status <> 'unsubscribed'`, id)
		if err != nil {
			return fmt.Errorf("newsletter: unsubscribe %d: %w", id, err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "subscriber.unsubscribe", EntityType: "newsletter_subscriber", EntityID: id})
	})
}

// unsubscribe empties a subscription of all but its existence.
const unsubscribe = `
	UPDATE newsletter_subscribers SET status = 'unsubscribed', email = NULL,
		theme_ids = '{}', country_codes = '{}', organisation_ids = '{}',
		requested = NULL, token_hash = NULL, token_expires_at = NULL,
		unsubscribed_at = now(), updated_at = now()`
