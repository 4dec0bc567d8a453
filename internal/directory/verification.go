package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
)

// Verification expiry (issue 14). An admin's verification (last_verified_on)
// counts for VERIFICATION_VALIDITY months. It is computed at read time,
// not by a daily job: every read that shows or counts the mark (profile,
// cards, lists, the search filter) compares the date with the cut-off of
// the moment, so an expired mark disappears on the day it expires, on
// every instance, with nothing to run or to miss; the date itself stays
// for the admins' records. A change of name or website withdraws the
// verification at once (audited as organisation.unverify): the platform
// verified another name, or another domain.

// DefaultVerificationValidity is how many months a verification counts.
const DefaultVerificationValidity = 24

// WithVerificationValidity makes a verification count for months months
// (DefaultVerificationValidity when months ≤ 0).
func WithVerificationValidity(months int) Option {
	return func(s *Store) {
		if months > 0 {
			s.verifiedMonths = months
		}
	}
}

// VerifiedAfter is the cut-off of the moment: a verification dated after
// it counts, one dated on it or before has expired.
func (s *Store) VerifiedAfter() time.Time {
	months := s.verifiedMonths
	if months <= 0 {
		months = DefaultVerificationValidity
	}
	y, m, d := time.Now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, -months, 0)
}

// currentVerification is verified if it still counts, else nil.
func (s *Store) currentVerification(verified *time.Time) *time.Time {
	if verified == nil || !verified.After(s.VerifiedAfter()) {
		return nil
	}
	return verified
}

// withdrawVerificationTx clears the verification of organisation orgID,
// whose name or website changed, and audits why; nothing happens when it
// was not verified.
func withdrawVerificationTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orgID int64, fields []string) error {
	var was *time.Time
	err := tx.QueryRow(ctx, `
		UPDATE organisations o SET last_verified_on = NULL FROM (SELECT id, last_verified_on FROM organisations WHERE id = $1) old
		WHERE o.id = old.id AND old.last_verified_on IS NOT NULL RETURNING old.last_verified_on`, orgID).Scan(&was)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("directory: withdraw the verification of %d: %w", orgID, err)
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.unverify", EntityType: "organisation",
		EntityID: orgID, OrganisationID: orgID,
		Details: map[string]any{"reason": "changed", "fields": fields, "verified_on": was.Format(time.DateOnly)}})
}
