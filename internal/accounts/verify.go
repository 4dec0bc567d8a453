package accounts

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Proven email ownership. A person who signs themselves up (/signup,
// /join) gets an unverified account: they can sign in, but their
// memberships grant nothing (Role and Memberships skip them) until they
// follow the single-use link mailed to the address while signed in. An
// invitation of an account someone can already sign in to waits, as a
// pending invitation, until that account accepts it through the mailed
// link; accepting proves the address too.

// Token purposes and lifetimes of verification and pending invitations.
const (
	purposeVerify = "verify"
	purposeAccept = "accept"
	// VerifyLifetime is how long an address verification link works.
	VerifyLifetime = 48 * time.Hour
	// VerifyResendEvery is how long a user waits between two
	// verification mails.
	VerifyResendEvery = 5 * time.Minute
	// MaxVerifyMailsPerDay bounds the verification mails one account
	// gets in 24 hours, the first included.
	MaxVerifyMailsPerDay = 5
)

// Refusals of verification and of pending invitations.
var (
	// ErrAlreadyVerified: there is nothing left to verify.
	ErrAlreadyVerified = fault.New(fault.Conflict, "account.verify.already")
	// ErrVerifyLimited: a verification mail was sent a moment ago, or
	// MaxVerifyMailsPerDay were sent today.
	ErrVerifyLimited = fault.New(fault.RateLimited, "account.verify.limited")
	// ErrLinkNotYours: the link was mailed to another account than the
	// signed-in one.
	ErrLinkNotYours = fault.New(fault.Forbidden, "account.link.wrong_user")
)

// CreateUnverifiedUserTx stores a new user who signed themselves up, in
// the caller's transaction, as CreateUserTx does but with the address not
// proven, and queues the mail (in lang) with the link that proves it. It
// returns the errors of CreateUser.
func (s *Store) CreateUnverifiedUserTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, n NewUser, lang string) (int64, error) {
	if s.outbox == nil {
		return 0, ErrNoMail
	}
	hash, err := s.prepareUser(ctx, n)
	if err != nil {
		return 0, err
	}
	id, err := s.insertUser(ctx, tx, actor, n, hash, false)
	if err != nil {
		return 0, err
	}
	u := &User{ID: id, Email: normalizeEmail(n.Email), Name: n.Name}
	if err := s.mailVerifyLinkTx(ctx, tx, u, lang); err != nil {
		return 0, fmt.Errorf("accounts: verification link for %d: %w", id, err)
	}
	return id, nil
}

// mailVerifyLinkTx stores a new verification link for u and queues its
// mail.
func (s *Store) mailVerifyLinkTx(ctx context.Context, tx pgx.Tx, u *User, lang string) error {
	token, hash := newSecret()
	if _, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at)
		VALUES ($1, 'verify', $2, now() + make_interval(secs => $3))`, hash, u.ID, VerifyLifetime.Seconds()); err != nil {
		return err
	}
	_, err := s.outbox.ComposeTx(ctx, tx, verifyMail(u, lang, s.baseURL+"/account/verify?token="+url.QueryEscape(token)))
	return err
}

// ResendVerification mails userID, in lang, a new verification link. It
// returns ErrAlreadyVerified when the address is proven and
// ErrVerifyLimited when the last link went out less than
// VerifyResendEvery ago or MaxVerifyMailsPerDay went out in 24 hours; a
// refusal sends nothing. The decision is one statement after a lock on
// the user, so concurrent requests cannot both pass it.
func (s *Store) ResendVerification(ctx context.Context, actor audit.Actor, userID int64, lang string) error {
	if s.outbox == nil {
		return ErrNoMail
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		u := &User{ID: userID}
		var verified bool
		err := tx.QueryRow(ctx, `SELECT email, name, email_verified_at IS NOT NULL FROM users WHERE id = $1 AND NOT disabled
			FOR NO KEY UPDATE`, userID).Scan(&u.Email, &u.Name, &verified)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if verified {
			return ErrAlreadyVerified
		}
		token, hash := newSecret()
		tag, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at)
			SELECT $1, 'verify', $2, now() + make_interval(secs => $3)
			WHERE NOT EXISTS (SELECT 1 FROM account_tokens WHERE user_id = $2 AND purpose = 'verify'
					AND created_at > now() - make_interval(secs => $4))
				AND (SELECT count(*) FROM account_tokens WHERE user_id = $2 AND purpose = 'verify'
					AND created_at > now() - interval '24 hours') < $5`,
			hash, userID, VerifyLifetime.Seconds(), VerifyResendEvery.Seconds(), MaxVerifyMailsPerDay)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrVerifyLimited
		}
		if _, err := s.outbox.ComposeTx(ctx, tx, verifyMail(u, lang, s.baseURL+"/account/verify?token="+url.QueryEscape(token))); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.verify_resend", EntityType: "user", EntityID: userID})
	})
	if err != nil {
		return fmt.Errorf("accounts: resend verification to %d: %w", userID, err)
	}
	return nil
}

// lockLink finds a usable token of purpose (unused, unexpired), locked
// when lock is set: its id, its user and, for a pending invitation, the
// organisation and the role. It returns fault.ErrNotFound for an unknown,
// used or expired token and ErrLinkNotYours when it belongs to another
// user than userID.
func lockLink(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, token, purpose string, userID int64, lock bool) (id int64, inv *PendingInvitation, err error) {
	if len(token) > 100 {
		return 0, nil, fault.ErrNotFound
	}
	sql := `SELECT t.id, t.user_id, COALESCE(t.org_role, ''), COALESCE(o.id, 0), COALESCE(o.slug, ''), COALESCE(o.name, '')
		FROM account_tokens t LEFT JOIN organisations o ON o.id = t.organisation_id
		WHERE t.token_hash = $1 AND t.purpose = $2 AND t.used_at IS NULL AND t.expires_at > now()`
	if lock {
		sql += ` FOR UPDATE OF t`
	}
	var owner int64
	inv = &PendingInvitation{}
	err = q.QueryRow(ctx, sql, tokenHash(token), purpose).
		Scan(&id, &owner, &inv.Role, &inv.OrganisationID, &inv.OrganisationSlug, &inv.OrganisationName)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fault.ErrNotFound
	}
	if err != nil {
		return 0, nil, err
	}
	if owner != userID {
		return 0, nil, ErrLinkNotYours
	}
	return id, inv, nil
}

// CheckVerifyLink reports whether a verification link is still usable by
// userID: fault.ErrNotFound for an unknown, used or expired link,
// ErrLinkNotYours for another user's.
func (s *Store) CheckVerifyLink(ctx context.Context, token string, userID int64) error {
	if _, _, err := lockLink(ctx, s.pool, token, purposeVerify, userID, false); err != nil {
		return fmt.Errorf("accounts: check verification link: %w", err)
	}
	return nil
}

// VerifyEmail uses up a verification link of the signed-in userID: their
// address is proven, and their memberships take effect. Every other
// verification link of theirs dies with it. It returns the errors of
// CheckVerifyLink; a refusal changes nothing.
func (s *Store) VerifyEmail(ctx context.Context, actor audit.Actor, token string, userID int64) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, _, err := lockLink(ctx, tx, token, purposeVerify, userID, true); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND purpose = 'verify' AND used_at IS NULL`,
			userID); err != nil {
			return err
		}
		return markVerified(ctx, tx, actor, userID, "link")
	})
	if err != nil {
		return fmt.Errorf("accounts: verify address of %d: %w", userID, err)
	}
	return nil
}

// markVerified records that userID proved their address (by how), once.
func markVerified(ctx context.Context, tx pgx.Tx, actor audit.Actor, userID int64, how string) error {
	tag, err := tx.Exec(ctx, `UPDATE users SET email_verified_at = now(), updated_at = now() WHERE id = $1 AND email_verified_at IS NULL`, userID)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: "user.email_verify", EntityType: "user", EntityID: userID,
		Details: map[string]any{"by": how}})
}

// EmailVerifiedTx reports, in the caller's transaction, whether userID's
// address is proven (false for an unknown user).
func (s *Store) EmailVerifiedTx(ctx context.Context, tx pgx.Tx, userID int64) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT email_verified_at IS NOT NULL FROM users WHERE id = $1`, userID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("accounts: verified %d: %w", userID, err)
	}
	return ok, nil
}

// PendingInvitation is an invitation of an existing account that waits
// for its owner to accept it.
type PendingInvitation struct {
	OrganisationID   int64
	OrganisationSlug string
	OrganisationName string
	Role             string
}

// invitePendingTx stores the pending invitation of u, who can already
// sign in, and mails them the link that accepts it.
func (s *Store) invitePendingTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, u *User, inv Invitation) error {
	token, hash := newSecret()
	if _, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, organisation_id, org_role, expires_at)
		VALUES ($1, 'accept', $2, $3, $4, now() + make_interval(secs => $5))`,
		hash, u.ID, inv.OrganisationID, inv.Role, InviteLifetime.Seconds()); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.invite", EntityType: "user", EntityID: u.ID,
		OrganisationID: inv.OrganisationID, Details: map[string]any{"role": inv.Role}}); err != nil {
		return err
	}
	_, err := s.outbox.ComposeTx(ctx, tx, inviteAcceptMail(u, inv, s.baseURL+"/invitation/accept?token="+url.QueryEscape(token)))
	return err
}

// CheckInvitation returns the pending invitation a link carries, for
// userID to accept. It returns fault.ErrNotFound for an unknown, used or
// expired link and ErrLinkNotYours when it invites another account.
func (s *Store) CheckInvitation(ctx context.Context, token string, userID int64) (*PendingInvitation, error) {
	_, inv, err := lockLink(ctx, s.pool, token, purposeAccept, userID, false)
	if err != nil {
		return nil, fmt.Errorf("accounts: check invitation: %w", err)
	}
	return inv, nil
}

// AcceptInvitation uses up a pending invitation's link for the signed-in
// userID: the membership it carries is granted (or its role changed) and
// the address counts as proven, since the link reached it. It returns the
// errors of CheckInvitation; a refusal changes nothing.
func (s *Store) AcceptInvitation(ctx context.Context, actor audit.Actor, token string, userID int64) (*PendingInvitation, error) {
	var inv *PendingInvitation
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		id, p, err := lockLink(ctx, tx, token, purposeAccept, userID, true)
		if err != nil {
			return err
		}
		inv = p
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		if err := markVerified(ctx, tx, actor, userID, "invitation"); err != nil {
			return err
		}
		if err := addMembership(ctx, tx, actor, userID, inv.OrganisationID, inv.Role); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "membership.invitation_accept", EntityType: "user", EntityID: userID,
			OrganisationID: inv.OrganisationID, Details: map[string]any{"role": inv.Role}})
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: accept invitation: %w", err)
	}
	return inv, nil
}

// HeldMemberships lists every membership of user, by organisation name,
// whether in effect or waiting for the user's address to be verified:
// for pages that show them (the user's account, the admins), never for a
// decision about rights (Memberships).
func (s *Store) HeldMemberships(ctx context.Context, userID int64) ([]Membership, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT o.id, o.slug, o.name, m.role, o.status FROM memberships m JOIN organisations o ON o.id = m.organisation_id
		WHERE m.user_id = $1 ORDER BY o.name, o.id`, userID)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("accounts: held memberships of user %d: %w", userID, err)
	}
	return ms, nil
}

// HeldRole is user's role in organisation whether or not their address is
// verified yet, or fault.ErrNotFound: for a page that only shows the
// organisation to who listed it (Role decides rights).
func (s *Store) HeldRole(ctx context.Context, userID, organisationID int64) (string, error) {
	var role string
	err := s.pool.QueryRow(ctx, `SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2`,
		userID, organisationID).Scan(&role)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", fault.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("accounts: held role of user %d in %d: %w", userID, organisationID, err)
	}
	return role, nil
}
