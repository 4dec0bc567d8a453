package accounts

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// ErrSelf means an admin tried to remove their own admin role or disable
// their own account, which would lock them out of the page they are on.
var ErrSelf = fault.New(fault.Invalid, "admin.user.self")

// UserFilter selects users for the admin list.
type UserFilter struct {
	// Query matches emails and names, anywhere, in any case.
	Query   string
	Page    int // from 1
	PerPage int // 1–200, default 50
}

// UserRow is a user as the admin list shows them.
type UserRow struct {
	User
	Memberships int
}

// UserPage is one page of the admin list of users.
type UserPage struct {
	Users []UserRow
	Total int
	Page  int
	Pages int
}

// ListUsers returns one page of users, by email, with how many
// organisations each belongs to.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) (*UserPage, error) {
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	where, args := "true", pgx.NamedArgs{}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = `(u.email ILIKE @q OR u.name ILIKE @q)`
		args["q"] = "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	}
	p := &UserPage{Page: f.Page}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM users u WHERE `+where, args).Scan(&p.Total); err != nil {
		return nil, fmt.Errorf("accounts: count users: %w", err)
	}
	p.Pages = max(1, (p.Total+f.PerPage-1)/f.PerPage)
	args["limit"], args["offset"] = f.PerPage, (f.Page-1)*f.PerPage
	rows, _ := s.pool.Query(ctx, `
		SELECT u.id, u.email, u.name, COALESCE(u.role, ''), u.disabled, u.created_at, u.last_login_at, u.totp_enabled_at IS NOT NULL,
			(SELECT count(*)::int FROM memberships m WHERE m.user_id = u.id), u.email_verified_at IS NOT NULL
		FROM users u WHERE `+where+` ORDER BY lower(u.email), u.id LIMIT @limit OFFSET @offset`, args)
	var err error
	p.Users, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserRow, error) {
		var x UserRow
		err := r.Scan(&x.ID, &x.Email, &x.Name, &x.Role, &x.Disabled, &x.CreatedAt, &x.LastLoginAt, &x.TwoFactor, &x.Memberships, &x.Verified)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	return p, nil
}

// RemoveMembership ends user's membership of organisation. It returns
// fault.ErrNotFound when they are not a member.
func (s *Store) RemoveMembership(ctx context.Context, actor audit.Actor, userID, organisationID int64) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var role string
		err := tx.QueryRow(ctx, `DELETE FROM memberships WHERE user_id = $1 AND organisation_id = $2 RETURNING role`,
			userID, organisationID).Scan(&role)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("accounts: remove membership of %d in %d: %w", userID, organisationID, fault.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("accounts: remove membership of %d in %d: %w", userID, organisationID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.revoke", EntityType: "user", EntityID: userID,
			OrganisationID: organisationID, Details: map[string]any{"role": role}})
	})
}

// ChangeMembershipRole changes user's role in an organisation they already
// belong to. It returns fault.ErrNotFound when they are not a member and a
// Invalid error for an unknown role.
func (s *Store) ChangeMembershipRole(ctx context.Context, actor audit.Actor, userID, organisationID int64, role string) error {
	if role != OrgOwner && role != OrgEditor {
		return fault.InvalidField("org_role", "manage.err.must_be_owner_or_editor")
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var from string
		err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2 FOR UPDATE`,
			userID, organisationID).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("accounts: membership of %d in %d: %w", userID, organisationID, fault.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("accounts: membership of %d in %d: %w", userID, organisationID, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE memberships SET role = $3 WHERE user_id = $1 AND organisation_id = $2`,
			userID, organisationID, role); err != nil {
			return fmt.Errorf("accounts: membership of %d in %d: %w", userID, organisationID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.role_change", EntityType: "user", EntityID: userID,
			OrganisationID: organisationID, Details: map[string]any{"from": from, "to": role}})
	})
}
