package joining

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MoveClaims is the claims' part of merging organisation from into into
// (directory.Merge runs it in its transaction). Every claim is into's
// afterwards, the decided ones as history. A pending claim stays pending
// only when an admin decides it (method admin: the admin then reads it as
// a claim on the kept organisation) and its claimant has no pending claim
// on into already; the others are closed as expired, and the claimant may
// claim the kept organisation anew: a domain claim's link proved an
// address at the duplicate's website, which is not the kept
// organisation's proof. It returns how many claims moved.
func MoveClaims(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error) {
	if _, err := tx.Exec(ctx, `
		UPDATE organisation_claims c SET status = 'expired', decided_at = now()
		WHERE c.organisation_id = $1 AND c.status = 'pending' AND (c.method = 'domain' OR EXISTS (
			SELECT 1 FROM organisation_claims k WHERE k.organisation_id = $2 AND k.user_id = c.user_id AND k.status = 'pending'))`,
		from, into); err != nil {
		return 0, fmt.Errorf("joining: close claims of organisation %d merged into %d: %w", from, into, err)
	}
	tag, err := tx.Exec(ctx, `UPDATE organisation_claims SET organisation_id = $2 WHERE organisation_id = $1`, from, into)
	if err != nil {
		return 0, fmt.Errorf("joining: move claims of organisation %d to %d: %w", from, into, err)
	}
	return tag.RowsAffected(), nil
}
