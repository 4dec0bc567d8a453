package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Card returns the card of published organisation id, as lists show it
// (a news article shows its organisation's), or fault.ErrNotFound.
func (s *Store) Card(ctx context.Context, id int64) (Card, error) {
	return s.card(ctx, "o.id = $1", id)
}

// CardBySlug is Card by the organisation's slug: a filter or feed names
// its organisation so.
func (s *Store) CardBySlug(ctx context.Context, slug string) (Card, error) {
	return s.card(ctx, "o.slug = $1", slug)
}

func (s *Store) card(ctx context.Context, where string, key any) (Card, error) {
	themes, err := s.themes(ctx)
	if err != nil {
		return Card{}, err
	}
	rows, _ := s.pool.Query(ctx, "SELECT "+cardColumns+` FROM organisations o WHERE `+where+` AND o.status = 'published'`, key)
	c, err := pgx.CollectExactlyOneRow(rows, s.cardScanner(themes))
	if errors.Is(err, pgx.ErrNoRows) {
		return Card{}, fault.ErrNotFound
	}
	if err != nil {
		return Card{}, fmt.Errorf("directory: card of %v: %w", key, err)
	}
	return c, nil
}
