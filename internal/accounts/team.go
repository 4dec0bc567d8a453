package accounts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// An organisation's owners manage their team's access here: roles,
// removals, pending invitations, the hand-over of ownership. Every change
// is decided under the organisation's row lock, so that two owners
// demoting (or removing) each other at the same moment cannot leave the
// organisation without one: the second waits for the first, then counts
// the owners left as the first committed them.

// ErrOnlyOwner refuses a change of the team that would leave an
// organisation with no owner who can sign in.
var ErrOnlyOwner = fault.New(fault.Conflict, "truth.access.last_owner")

// ErrNotTransferable refuses to hand ownership to someone whose membership
// is not in effect yet (their address is not proven) or who is the owner
// already.
var ErrNotTransferable = fault.New(fault.Conflict, "truth.access.not_transferable")

// lockTeam locks the organisation's row for a change of its memberships.
func lockTeam(ctx context.Context, tx pgx.Tx, orgID int64) error {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM organisations WHERE id = $1 FOR NO KEY UPDATE`, orgID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.ErrNotFound
	}
	return err
}

// actingOwner refuses, under lockTeam, an actor who is no longer an owner
// of orgID (demoted or removed since the page was read); the platform
// team (actor.Role) acts without a membership.
func actingOwner(ctx context.Context, tx pgx.Tx, orgID int64, actor audit.Actor) error {
	if actor.Role != "" {
		return nil
	}
	role, err := memberRole(ctx, tx, orgID, actor.UserID)
	if errors.Is(err, fault.ErrNotFound) || (err == nil && role != OrgOwner) {
		return fault.ErrForbidden
	}
	return err
}

// memberRole reads userID's role in orgID (after lockTeam), or
// fault.ErrNotFound.
func memberRole(ctx context.Context, tx pgx.Tx, orgID, userID int64) (string, error) {
	var role string
	err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2`, userID, orgID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.ErrNotFound
	}
	return role, err
}

// otherOwners counts orgID's owners but userID who can act as owners: an
// account that is enabled, has a password and a proven address.
func otherOwners(ctx context.Context, tx pgx.Tx, orgID, userID int64) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `
		SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.user_id <> $2 AND m.role = 'owner'
			AND NOT u.disabled AND u.password_hash <> '' AND u.email_verified_at IS NOT NULL`, orgID, userID).Scan(&n)
	return n, err
}

// SetMemberRole makes userID an owner or an editor of orgID. It returns an
// Invalid error for another role, fault.ErrNotFound when they are not a
// member and ErrOnlyOwner when they are the last owner and would become an
// editor; a refusal changes nothing.
func (s *Store) SetMemberRole(ctx context.Context, actor audit.Actor, orgID, userID int64, role string) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockTeam(ctx, tx, orgID); err != nil {
			return err
		}
		if err := actingOwner(ctx, tx, orgID, actor); err != nil {
			return err
		}
		// Someone else's member is a 404 whatever the form says.
		from, err := memberRole(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if role != OrgOwner && role != OrgEditor {
			return fault.InvalidField("role", "manage.err.must_be_owner_or_editor")
		}
		if from == role {
			return nil
		}
		if from == OrgOwner {
			if n, err := otherOwners(ctx, tx, orgID, userID); err != nil {
				return err
			} else if n == 0 {
				return ErrOnlyOwner
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = $3 WHERE user_id = $1 AND organisation_id = $2`,
			userID, orgID, role); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.role_change", EntityType: "user", EntityID: userID,
			OrganisationID: orgID, Details: map[string]any{"from": from, "to": role,
				"changes": map[string]audit.Change{"role": {Old: from, New: role}}}})
	})
	if err != nil {
		return fmt.Errorf("accounts: role of %d in %d: %w", userID, orgID, err)
	}
	return nil
}

// RemoveMember ends userID's access to orgID, with the invitation links
// they have not used yet. It returns fault.ErrNotFound when they are not a
// member and ErrOnlyOwner for the last owner.
func (s *Store) RemoveMember(ctx context.Context, actor audit.Actor, orgID, userID int64) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockTeam(ctx, tx, orgID); err != nil {
			return err
		}
		if err := actingOwner(ctx, tx, orgID, actor); err != nil {
			return err
		}
		role, err := memberRole(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if role == OrgOwner {
			if n, err := otherOwners(ctx, tx, orgID, userID); err != nil {
				return err
			} else if n == 0 {
				return ErrOnlyOwner
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2`, userID, orgID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM account_tokens WHERE user_id = $1 AND organisation_id = $2 AND used_at IS NULL
			AND purpose IN ('invite', 'accept')`, userID, orgID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.revoke", EntityType: "user", EntityID: userID,
			OrganisationID: orgID, Details: map[string]any{"role": role,
				"changes": map[string]audit.Change{"role": {Old: role}}}})
	})
	if err != nil {
		return fmt.Errorf("accounts: remove %d from %d: %w", userID, orgID, err)
	}
	return nil
}

// TransferOwnership hands orgID's ownership from fromUserID, an owner, to
// toUserID, a member whose membership is in effect: toUserID becomes an
// owner and fromUserID an editor, in one transaction. It returns
// fault.ErrNotFound when either is not a member, fault.ErrForbidden when
// fromUserID is not an owner and ErrNotTransferable when toUserID cannot
// take it.
func (s *Store) TransferOwnership(ctx context.Context, actor audit.Actor, orgID, fromUserID, toUserID int64) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockTeam(ctx, tx, orgID); err != nil {
			return err
		}
		if err := actingOwner(ctx, tx, orgID, actor); err != nil {
			return err
		}
		from, err := memberRole(ctx, tx, orgID, fromUserID)
		if err != nil {
			return err
		}
		if from != OrgOwner {
			return fault.ErrForbidden
		}
		var to string
		var effective bool
		err = tx.QueryRow(ctx, `SELECT m.role, NOT u.disabled AND u.password_hash <> '' AND u.email_verified_at IS NOT NULL
			FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.user_id = $1 AND m.organisation_id = $2`,
			toUserID, orgID).Scan(&to, &effective)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if !effective || to == OrgOwner || toUserID == fromUserID {
			return ErrNotTransferable
		}
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = CASE WHEN user_id = $2 THEN 'owner' ELSE 'editor' END
			WHERE organisation_id = $1 AND user_id IN ($2, $3)`, orgID, toUserID, fromUserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.transfer", EntityType: "user", EntityID: toUserID,
			OrganisationID: orgID, Details: map[string]any{"from_user_id": fromUserID, "to_user_id": toUserID}})
	})
	if err != nil {
		return fmt.Errorf("accounts: transfer ownership of %d: %w", orgID, err)
	}
	return nil
}

// PendingInvite is an invitation of someone who already has an account,
// waiting for them to accept it (its link not used, not expired).
type PendingInvite struct {
	ID        int64
	Email     string
	Name      string
	Role      string
	ExpiresAt time.Time
}

// PendingInvites lists orgID's invitations waiting to be accepted, newest
// first. (Invitations of people without an account are memberships
// already, shown as pending members; removing the member revokes them.)
func (s *Store) PendingInvites(ctx context.Context, orgID int64) ([]PendingInvite, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT t.id, u.email, u.name, t.org_role, t.expires_at FROM account_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.organisation_id = $1 AND t.purpose = 'accept' AND t.used_at IS NULL AND t.expires_at > now()
		ORDER BY t.created_at DESC, t.id DESC LIMIT 200`, orgID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PendingInvite])
	if err != nil {
		return nil, fmt.Errorf("accounts: pending invitations of %d: %w", orgID, err)
	}
	return out, nil
}

// RevokeInvite withdraws orgID's pending invitation id: its link no longer
// works. It returns fault.ErrNotFound for an invitation of another
// organisation, used or expired.
func (s *Store) RevokeInvite(ctx context.Context, actor audit.Actor, orgID, id int64) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockTeam(ctx, tx, orgID); err != nil {
			return err
		}
		if err := actingOwner(ctx, tx, orgID, actor); err != nil {
			return err
		}
		var userID int64
		var role string
		err := tx.QueryRow(ctx, `DELETE FROM account_tokens WHERE id = $1 AND organisation_id = $2 AND purpose = 'accept'
			AND used_at IS NULL AND expires_at > now() RETURNING user_id, org_role`, id, orgID).Scan(&userID, &role)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.invitation_revoke", EntityType: "user",
			EntityID: userID, OrganisationID: orgID, Details: map[string]any{"role": role}})
	})
	if err != nil {
		return fmt.Errorf("accounts: revoke invitation %d of %d: %w", id, orgID, err)
	}
	return nil
}
