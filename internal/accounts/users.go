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

// NewUser is what creating a user needs.
type NewUser struct {
	Email    string
	Name     string
	Password string // may be empty: the user cannot sign in until one is set
	Role     string // "", RoleAdmin or RoleStaff
	// OrganisationID, when set, makes the user a member with OrgRole.
	OrganisationID int64
	OrgRole        string
}

func normalizeEmail(e string) string { return strings.TrimSpace(e) }

func (n *NewUser) validate() error {
	var v fault.Fields
	e := normalizeEmail(n.Email)
	if at := strings.LastIndexByte(e, '@'); at < 1 || at == len(e)-1 || len(e) > 254 || strings.ContainsAny(e, " <>\"") ||
		!strings.Contains(e[at:], ".") {
		v.Add("email", "manage.err.not_a_valid_email_address")
	}
	if strings.TrimSpace(n.Name) == "" {
		v.Add("name", "manage.err.required")
	} else if len(n.Name) > 200 {
		v.Add("name", "manage.err.too_long")
	}
	if n.Password != "" {
		if err := checkPassword(n.Password); err != nil {
			v.Add("password", fault.FieldsOf(err)["password"])
		}
	}
	switch n.Role {
	case "", RoleAdmin, RoleStaff:
	default:
		v.Add("role", "manage.err.must_be_admin_or_staff")
	}
	if n.OrganisationID != 0 && n.OrgRole != OrgOwner && n.OrgRole != OrgEditor {
		v.Add("org_role", "manage.err.must_be_owner_or_editor")
	}
	return v.Err()
}

// Validate checks n as CreateUser would, so a form that creates a user
// with something else can report every problem at once.
func (n *NewUser) Validate() error { return n.validate() }

// CreateUser stores a new user (and their membership) with its audit entry
// and returns its id. The address counts as verified: the admin or the
// CLI operator who creates an account vouches for it. It returns an
// Invalid error for bad input, fault.ErrConflict when the email address
// is taken, whatever its case, and ErrBusy when no password-hashing slot
// is free.
func (s *Store) CreateUser(ctx context.Context, actor audit.Actor, n NewUser) (int64, error) {
	var id int64
	hash, err := s.prepareUser(ctx, n)
	if err != nil {
		return 0, err
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		id, err = s.insertUser(ctx, tx, actor, n, hash, true)
		return err
	})
	return id, err
}

// CreateUserTx is CreateUser inside the caller's transaction; the address
// counts as verified too. A person who signs themselves up gets
// CreateUnverifiedUserTx.
func (s *Store) CreateUserTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, n NewUser) (int64, error) {
	hash, err := s.prepareUser(ctx, n)
	if err != nil {
		return 0, err
	}
	return s.insertUser(ctx, tx, actor, n, hash, true)
}

// prepareUser validates n and hashes its password (slow: outside any
// transaction where possible; ErrBusy when no hashing slot is free).
func (s *Store) prepareUser(ctx context.Context, n NewUser) (string, error) {
	if err := n.validate(); err != nil {
		return "", err
	}
	if n.Password == "" {
		return "", nil
	}
	return s.newHash(ctx, n.Password)
}

// insertUser stores n; verified says whether its address counts as proven.
func (s *Store) insertUser(ctx context.Context, tx pgx.Tx, actor audit.Actor, n NewUser, hash string, verified bool) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO users (email, name, password_hash, role, email_verified_at)
		VALUES ($1, $2, $3, NULLIF($4, ''), CASE WHEN $5::boolean THEN now() END) RETURNING id`,
		normalizeEmail(n.Email), strings.TrimSpace(n.Name), hash, n.Role, verified).Scan(&id)
	if c, ok := postgres.UniqueViolation(err); ok && c == "users_email_key" {
		return 0, fmt.Errorf("accounts: create user %s: email taken: %w", n.Email, fault.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("accounts: create user %s: %w", n.Email, err)
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "user.create", EntityType: "user", EntityID: id,
		Details: map[string]any{"email": n.Email, "role": n.Role}}); err != nil {
		return 0, err
	}
	if n.OrganisationID != 0 {
		return id, addMembership(ctx, tx, actor, id, n.OrganisationID, n.OrgRole)
	}
	return id, nil
}

// AddMembershipTx is AddMembership inside the caller's transaction.
func (s *Store) AddMembershipTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, userID, organisationID int64, role string) error {
	if role != OrgOwner && role != OrgEditor {
		return fault.InvalidField("org_role", "manage.err.must_be_owner_or_editor")
	}
	return addMembership(ctx, tx, actor, userID, organisationID, role)
}

// AddMembership makes user a member of organisation with role, or changes
// their role there.
func (s *Store) AddMembership(ctx context.Context, actor audit.Actor, userID, organisationID int64, role string) error {
	if role != OrgOwner && role != OrgEditor {
		return fault.InvalidField("org_role", "manage.err.must_be_owner_or_editor")
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return addMembership(ctx, tx, actor, userID, organisationID, role)
	})
}

func addMembership(ctx context.Context, tx pgx.Tx, actor audit.Actor, userID, orgID int64, role string) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO memberships (user_id, organisation_id, role) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, organisation_id) DO UPDATE SET role = EXCLUDED.role`, userID, orgID, role)
	if _, ok := postgres.ForeignKeyViolation(err); ok {
		return fmt.Errorf("accounts: membership of user %d in organisation %d: %w", userID, orgID, fault.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("accounts: membership of user %d in organisation %d: %w", userID, orgID, err)
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.grant", EntityType: "user", EntityID: userID,
		OrganisationID: orgID, Details: map[string]any{"role": role}})
}

const userColumns = `id, email, name, COALESCE(role, ''), disabled, created_at, last_login_at, totp_enabled_at IS NOT NULL`

func scanUser(row pgx.Row) (*User, error) {
	u := &User{}
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &u.TwoFactor)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	return u, err
}

// verifiedUserColumns are userColumns and whether the address is proven,
// for scanVerifiedUser.
const verifiedUserColumns = userColumns + `, email_verified_at IS NOT NULL`

func scanVerifiedUser(row pgx.Row) (*User, error) {
	u := &User{}
	err := row.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt, &u.LastLoginAt, &u.TwoFactor, &u.Verified)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	return u, err
}

// User returns the user with id, or fault.ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (*User, error) {
	u, err := scanVerifiedUser(s.pool.QueryRow(ctx, `SELECT `+verifiedUserColumns+` FROM users WHERE id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("accounts: user %d: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with email (any case), or fault.ErrNotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*User, error) {
	u, err := scanVerifiedUser(s.pool.QueryRow(ctx, `SELECT `+verifiedUserColumns+` FROM users WHERE lower(email) = lower($1)`, normalizeEmail(email)))
	if err != nil {
		return nil, fmt.Errorf("accounts: user %s: %w", email, err)
	}
	return u, nil
}

// UserListing is a user with their memberships, for user list.
type UserListing struct {
	User
	Memberships []Membership
}

// Users lists every user by email with their memberships.
func (s *Store) Users(ctx context.Context) ([]UserListing, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT u.id, u.email, u.name, COALESCE(u.role, ''), u.disabled, u.created_at, u.last_login_at, u.totp_enabled_at IS NOT NULL,
			COALESCE((SELECT json_agg(json_build_object('OrganisationID', o.id, 'OrganisationSlug', o.slug,
				'OrganisationName', o.name, 'Role', m.role, 'OrganisationStatus', o.status) ORDER BY o.slug)
				FROM memberships m JOIN organisations o ON o.id = m.organisation_id WHERE m.user_id = u.id), '[]')
		FROM users u ORDER BY lower(u.email)`)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (UserListing, error) {
		var l UserListing
		err := r.Scan(&l.ID, &l.Email, &l.Name, &l.Role, &l.Disabled, &l.CreatedAt, &l.LastLoginAt, &l.TwoFactor, &l.Memberships)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: list users: %w", err)
	}
	return out, nil
}

// Memberships lists the organisations user belongs to, by name: the
// memberships in effect, none until the user's address is verified
// (HeldMemberships lists them all).
func (s *Store) Memberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT o.id, o.slug, o.name, m.role, o.status FROM memberships m JOIN organisations o ON o.id = m.organisation_id
		JOIN users u ON u.id = m.user_id
		WHERE m.user_id = $1 AND u.email_verified_at IS NOT NULL ORDER BY o.name, o.id`, userID)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("accounts: memberships of user %d: %w", userID, err)
	}
	return ms, nil
}

// Role returns user's role in organisation, or fault.ErrNotFound when they are
// not a member or their address is not verified yet: every right that comes
// from a membership is looked up here or in Memberships.
func (s *Store) Role(ctx context.Context, userID, organisationID int64) (string, error) {
	var role string
	err := s.pool.QueryRow(ctx, `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.user_id = $1 AND m.organisation_id = $2 AND u.email_verified_at IS NOT NULL`,
		userID, organisationID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("accounts: role of user %d in %d: %w", userID, organisationID, err)
	}
	return role, nil
}

// SetPassword replaces user's password and ends all their sessions. It
// returns an Invalid error for a weak password and ErrBusy when no hashing
// slot is free.
func (s *Store) SetPassword(ctx context.Context, actor audit.Actor, userID int64, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := s.newHash(ctx, password)
	if err != nil {
		return err
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`,
			userID, hash)
		if err != nil {
			return fmt.Errorf("accounts: set password of %d: %w", userID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("accounts: set password of %d: %w", userID, fault.ErrNotFound)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return fmt.Errorf("accounts: end sessions of %d: %w", userID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.password_change", EntityType: "user", EntityID: userID})
	})
}

// SetDisabled disables or re-enables user; disabling ends their sessions.
// It returns ErrSelf when actor would disable themselves.
func (s *Store) SetDisabled(ctx context.Context, actor audit.Actor, userID int64, disabled bool) error {
	if disabled && actor.UserID != 0 && actor.UserID == userID {
		return fmt.Errorf("accounts: disable %d: %w", userID, ErrSelf)
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1`, userID, disabled)
		if err != nil {
			return fmt.Errorf("accounts: disable %d: %w", userID, err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("accounts: disable %d: %w", userID, fault.ErrNotFound)
		}
		action := "user.enable"
		if disabled {
			action = "user.disable"
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("accounts: end sessions of %d: %w", userID, err)
			}
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: action, EntityType: "user", EntityID: userID})
	})
}

// SetRole changes user's platform role ("" for none). It returns ErrSelf
// when actor would take away their own admin role.
func (s *Store) SetRole(ctx context.Context, actor audit.Actor, userID int64, role string) error {
	if role != "" && role != RoleAdmin && role != RoleStaff {
		return fault.InvalidField("role", "manage.err.must_be_admin_or_staff")
	}
	if role != RoleAdmin && actor.UserID != 0 && actor.UserID == userID {
		return fmt.Errorf("accounts: set role of %d: %w", userID, ErrSelf)
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var from string
		err := tx.QueryRow(ctx, `
			UPDATE users u SET role = NULLIF($2, ''), updated_at = now() FROM (SELECT id, role FROM users WHERE id = $1 FOR UPDATE) old
			WHERE u.id = old.id RETURNING COALESCE(old.role, '')`, userID, role).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("accounts: set role of %d: %w", userID, fault.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("accounts: set role of %d: %w", userID, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.role_change", EntityType: "user", EntityID: userID,
			Details: map[string]any{"role": role, "from": from}})
	})
}
