package news

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MoveArticles is the news' part of merging organisation from into into
// (directory.Merge runs it in its transaction, with the foreign keys to
// the projects, offices and people the articles present deferred: those
// move too): every article of from, whatever its status, is into's now.
// It returns how many moved.
func MoveArticles(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `
		WITH p AS (UPDATE article_projects SET organisation_id = $2 WHERE organisation_id = $1),
			o AS (UPDATE article_offices SET organisation_id = $2 WHERE organisation_id = $1),
			m AS (UPDATE article_members SET organisation_id = $2 WHERE organisation_id = $1),
			a AS (UPDATE articles SET organisation_id = $2 WHERE organisation_id = $1 RETURNING id)
		SELECT count(*) FROM a`, from, into).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("news: move articles of organisation %d to %d: %w", from, into, err)
	}
	return n, nil
}
