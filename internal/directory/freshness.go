package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// ConfirmReviewed records that the organisation's people checked its
// profile and found nothing to change: the profile's "last reviewed" date
// becomes today. Every save of the profile or its parts does the same on
// its own. It returns fault.ErrNotFound for an unknown organisation.
func (s *Store) ConfirmReviewed(ctx context.Context, actor audit.Actor, orgID int64) error {
	// Through write: the date shows on the public profile, so this
	// process's caches drop it at once.
	err := s.write(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE organisations SET last_reviewed_at = now() WHERE id = $1`, orgID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fault.ErrNotFound
		}
		// The search document does not carry the date: no index job.
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.review_confirm", EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID})
	})
	if err != nil {
		return fmt.Errorf("directory: confirm review of %d: %w", orgID, err)
	}
	return nil
}
