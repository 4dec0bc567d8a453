package suggestions

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MoveSuggestions is the suggestions' part of merging organisation from
// into into (directory.Merge runs it in its transaction): open and decided
// suggestions alike are into's now. It returns how many moved.
func MoveSuggestions(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error) {
	tag, err := tx.Exec(ctx, `UPDATE suggestions SET organisation_id = $2 WHERE organisation_id = $1`, from, into)
	if err != nil {
		return 0, fmt.Errorf("suggestions: move suggestions of organisation %d to %d: %w", from, into, err)
	}
	return tag.RowsAffected(), nil
}
