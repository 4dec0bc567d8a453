package news

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// CountSubmitted is how many articles wait in the staff's review queue
// (one count over the queue's partial index, cheap enough for the header
// of every staff page).
func (s *Store) CountSubmitted(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM articles WHERE status = 'submitted'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("news: count submitted articles: %w", err)
	}
	return n, nil
}

// Trusted reports whether an admin marked organisation orgID trusted for
// news (its submissions are published without review). It returns
// fault.ErrNotFound for an unknown organisation.
func (s *Store) Trusted(ctx context.Context, orgID int64) (bool, error) {
	var trusted bool
	err := s.pool.QueryRow(ctx, `SELECT news_trusted FROM organisations WHERE id = $1`, orgID).Scan(&trusted)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("news: organisation %d: %w", orgID, fault.ErrNotFound)
	}
	if err != nil {
		return false, fmt.Errorf("news: organisation %d trusted: %w", orgID, err)
	}
	return trusted, nil
}
