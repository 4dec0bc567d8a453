package offers

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ForgetUserTx replaces, in tx, the label of an erased user (userID, or
// their email address as a label) with label in the offers' notes, status
// history and re-routings; their ids go by the schema (ON DELETE SET
// NULL). It is the accounts store's erase hook (accounts.OnErase).
func (s *Store) ForgetUserTx(ctx context.Context, tx pgx.Tx, userID int64, email, label string) error {
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE offer_notes SET author = $3 WHERE author_user_id = $1 OR lower(author) = lower($2)`, []any{userID, email, label}},
		{`UPDATE offer_status_history SET actor = $3 WHERE actor_user_id = $1 OR lower(actor) = lower($2)`, []any{userID, email, label}},
		{`UPDATE offers SET rerouted_by = $2, updated_at = now() WHERE lower(rerouted_by) = lower($1)`, []any{email, label}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			return fmt.Errorf("offers: forget user %d: %w", userID, err)
		}
	}
	return nil
}
