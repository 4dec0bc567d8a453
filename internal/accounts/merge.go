package accounts

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MoveMemberships is the accounts' part of merging organisation from into
// into (directory.Merge runs it in its transaction): every member of from
// becomes a member of into, a user already a member of both keeping the
// higher role (owner over editor); pending invitations to from invite to
// into. It returns how many memberships from had.
func MoveMemberships(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error) {
	var n int64
	err := tx.QueryRow(ctx, `
		WITH gone AS (DELETE FROM memberships WHERE organisation_id = $1 RETURNING user_id, role, created_at),
			raised AS (UPDATE memberships m SET role = 'owner' FROM gone g
				WHERE m.organisation_id = $2 AND m.user_id = g.user_id AND g.role = 'owner' AND m.role <> 'owner'),
			added AS (INSERT INTO memberships (user_id, organisation_id, role, created_at)
				SELECT user_id, $2, role, created_at FROM gone ON CONFLICT (user_id, organisation_id) DO NOTHING),
			invites AS (UPDATE account_tokens SET organisation_id = $2
				WHERE organisation_id = $1 AND purpose = 'invite' AND used_at IS NULL)
		SELECT count(*) FROM gone`, from, into).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("accounts: move memberships of organisation %d to %d: %w", from, into, err)
	}
	return n, nil
}
