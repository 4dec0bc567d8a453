package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
)

// SetLogo records path as organisation orgID's logo ("" removes it), width
// pixels wide (its link previews are large from 480), and returns the
// previous path, so the caller can delete the old file. The
// profile's version does not change: a logo never conflicts with an edit
// of the text. It returns fault.ErrNotFound for an unknown organisation.
func (s *Store) SetLogo(ctx context.Context, actor audit.Actor, orgID int64, path string, width int) (string, error) {
	var old string
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: "organisation.logo", EntityType: "organisation", EntityID: orgID,
		Details: map[string]any{"logo_path": path}}, func(tx pgx.Tx, e *audit.Entry) error {
		if err := tx.QueryRow(ctx, `SELECT logo_path FROM organisations WHERE id = $1`, orgID).Scan(&old); err != nil {
			return err
		}
		if path == "" || width < 0 {
			width = 0 // none, or unknown
		}
		_, err := tx.Exec(ctx, `UPDATE organisations SET logo_path = $2, logo_width = NULLIF($3, 0) WHERE id = $1`, orgID, path, width)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("directory: set logo of %d: %w", orgID, err)
	}
	return old, nil
}
