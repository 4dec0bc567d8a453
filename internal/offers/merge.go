package offers

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MoveOffers is the offers' part of merging organisation from into into
// (directory.Merge runs it in its transaction, the offices and projects
// they name moving with them): the offers made to from are into's now,
// with their history, notes and mails. It returns how many moved.
func MoveOffers(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE offers SET organisation_id = $2 WHERE organisation_id = $1`, from, into)
	if err != nil {
		return 0, fmt.Errorf("offers: move offers of organisation %d to %d: %w", from, into, err)
	}
	return tag.RowsAffected(), nil
}
