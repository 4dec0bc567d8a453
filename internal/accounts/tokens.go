package accounts

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Token purposes and lifetimes.
const (
	purposeReset  = "reset"
	purposeInvite = "invite"
	// ResetLifetime is how long a password reset link works.
	ResetLifetime = time.Hour
	// InviteLifetime is how long an invitation link works.
	InviteLifetime = 7 * 24 * time.Hour
	// maxResetsPerHour bounds reset mails to one address.
	maxResetsPerHour = 3
	// MaxInvitationsPerDay bounds the invitations one organisation sends
	// in 24 hours, so a profile cannot be used to mail strangers in bulk.
	MaxInvitationsPerDay = 20
)

// Refusals of an invitation.
var (
	// ErrInviteUnpublished: only a published organisation's people can
	// invite (a draft or pending profile nobody reviewed yet cannot).
	ErrInviteUnpublished = fault.New(fault.Forbidden, "manage.access.err.unpublished")
	// ErrInviteLimit: the organisation sent MaxInvitationsPerDay
	// invitations in the last 24 hours.
	ErrInviteLimit = fault.New(fault.RateLimited, "manage.access.err.limit")
)

// Mailer is what the store needs to send account mails: the outbox that
// stores a message in the caller's transaction.
type Mailer interface {
	ComposeTx(ctx context.Context, tx pgx.Tx, m mail.Mail) (int64, error)
}

// WithMail lets the store send reset and invitation mails through outbox,
// with links under baseURL (the site's address).
func WithMail(outbox Mailer, baseURL string) Option {
	return func(s *Store) { s.outbox, s.baseURL = outbox, strings.TrimSuffix(baseURL, "/") }
}

// ErrNoMail means the store was built without a mailer.
var ErrNoMail = errors.New("accounts: mail is not configured")

func newSecret() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(token))
	return token, h[:]
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ErrResetsPerEmail means the email asked for maxResetsPerHour resets in
// the hour (counted whether or not an account has it): no mail is sent.
// The page must answer as it does to any request, so that it reveals
// nothing; the error only lets the caller log the refusal.
var ErrResetsPerEmail = fault.New(fault.RateLimited, "auth.token.limited")

// RequestPasswordReset mails a single-use reset link, valid for an hour,
// to the account with email, in lang, for a request from clientIP.
// Whether or not such an account exists the result is the same (nil), so
// the form reveals nothing; a disabled account gets no mail. Requests are
// counted, before anything is looked up, against clientIP (over its
// limit: ErrTokenLimited, with when to try again) and against the email
// whether or not it has an account (over maxResetsPerHour:
// ErrResetsPerEmail, and no mail), so neither refusal says anything about
// accounts.
func (s *Store) RequestPasswordReset(ctx context.Context, email, lang, clientIP, requestID string) error {
	if s.outbox == nil {
		return ErrNoMail
	}
	if _, err := s.take(ctx, s.resetsPerIP(), s.ips.IP(clientIP), ErrTokenLimited); err != nil {
		return fmt.Errorf("accounts: password reset: %w", err)
	}
	if _, err := s.take(ctx, s.resetsPerEmail(), s.emailKey(email), ErrResetsPerEmail); err != nil {
		return fmt.Errorf("accounts: password reset: %w", err)
	}
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, fault.ErrNotFound) || err == nil && u.Disabled {
		return nil
	}
	if err != nil {
		return err
	}
	token, hash := newSecret()
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, expires_at)
			VALUES ($1, 'reset', $2, now() + make_interval(secs => $3))`, hash, u.ID, ResetLifetime.Seconds()); err != nil {
			return err
		}
		link := s.baseURL + "/password/reset?token=" + url.QueryEscape(token)
		if _, err := s.outbox.ComposeTx(ctx, tx, resetMail(u, lang, link)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Actor{UserID: u.ID, Label: u.Email, RequestID: requestID},
			audit.Entry{Action: "user.password_reset_request", EntityType: "user", EntityID: u.ID})
	})
	if err != nil {
		return fmt.Errorf("accounts: password reset for %d: %w", u.ID, err)
	}
	return nil
}

// CheckToken reports whether a reset (invite=false) or invitation token
// is still usable, and for whom. It returns fault.ErrNotFound otherwise.
func (s *Store) CheckToken(ctx context.Context, token string, invite bool) (*User, error) {
	purpose := purposeReset
	if invite {
		purpose = purposeInvite
	}
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT user_id FROM account_tokens
		WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`, tokenHash(token), purpose).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("accounts: check token: %w", err)
	}
	return s.User(ctx, id)
}

// RedeemToken sets the password of the token's user, uses the token up,
// ends every session of the user and returns them, for a request from
// clientIP. The attempt is counted against clientIP first (over the
// limit: ErrTokenLimited, with when to try again); then the token is
// looked up and locked before any password is hashed, so an unknown, used
// or expired token (fault.ErrNotFound) costs no hashing, and of concurrent
// redemptions of one token the first sets the password and the others
// find it used. It returns an Invalid error for a weak password (the token
// stays usable) and ErrBusy when no hashing slot is free (nothing
// changes).
func (s *Store) RedeemToken(ctx context.Context, token string, invite bool, password, clientIP, requestID string) (*User, error) {
	if err := checkPassword(password); err != nil {
		return nil, err
	}
	if _, err := s.take(ctx, s.redemptionsPerIP(), s.ips.IP(clientIP), ErrTokenLimited); err != nil {
		return nil, fmt.Errorf("accounts: redeem token: %w", err)
	}
	purpose := purposeReset
	if invite {
		purpose = purposeInvite
	}
	var u *User
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var tokenID, userID int64
		err := tx.QueryRow(ctx, `SELECT id, user_id FROM account_tokens
			WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now() FOR UPDATE`,
			tokenHash(token), purpose).Scan(&tokenID, &userID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if u, err = scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, userID)); err != nil {
			return err
		}
		if u.Disabled {
			return fault.ErrNotFound
		}
		hash, err := s.newHash(ctx, password)
		if err != nil {
			return err
		}
		// The link reached the address: it is proven as well.
		if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now(),
			email_verified_at = COALESCE(email_verified_at, now()) WHERE id = $1`,
			userID, hash); err != nil {
			return err
		}
		// Every outstanding link of the user dies with this one, but
		// pending invitations, which wait for the user to accept them.
		if _, err := tx.Exec(ctx, `UPDATE account_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL
			AND purpose <> 'accept'`, userID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		action := "user.password_reset"
		if invite {
			action = "user.invitation_accept"
		}
		return audit.Record(ctx, tx, audit.Actor{UserID: userID, Label: u.Email, RequestID: requestID},
			audit.Entry{Action: action, EntityType: "user", EntityID: userID})
	})
	if err != nil {
		return nil, fmt.Errorf("accounts: redeem token: %w", err)
	}
	return u, nil
}

// Invitation is an owner's invitation of someone to an organisation.
type Invitation struct {
	Email            string
	Name             string
	Role             string // OrgOwner or OrgEditor
	OrganisationID   int64
	OrganisationName string
	InviterName      string
}

// Invite gives inv.Email the role in the organisation. Someone without an
// account gets one, without a password, the membership (which grants
// nothing until the address is proven) and a mail with a link (valid 7
// days) to choose the password, which proves the address; so does someone
// whose account has no password yet. Someone who can already sign in is
// only invited: a pending invitation and a mail with a link to accept it
// while signed in as that address (AcceptInvitation); nothing changes
// before. It returns an Invalid error for bad input, ErrInviteUnpublished
// unless the organisation is published and ErrInviteLimit once it sent
// MaxInvitationsPerDay invitations in 24 hours; a refusal changes nothing.
func (s *Store) Invite(ctx context.Context, actor audit.Actor, inv Invitation) error {
	if s.outbox == nil {
		return ErrNoMail
	}
	if inv.Role != OrgOwner && inv.Role != OrgEditor {
		return fault.InvalidField("role", "manage.err.must_be_owner_or_editor")
	}
	n := NewUser{Email: inv.Email, Name: inv.Name}
	if err := n.validate(); err != nil {
		return err
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := recordInvitation(ctx, tx, actor, inv.OrganisationID); err != nil {
			return err
		}
		u := &User{}
		var active bool
		err := tx.QueryRow(ctx, `SELECT id, email, name, password_hash <> '' FROM users WHERE lower(email) = lower($1)`,
			normalizeEmail(inv.Email)).Scan(&u.ID, &u.Email, &u.Name, &active)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			u = &User{Email: normalizeEmail(inv.Email), Name: strings.TrimSpace(inv.Name)}
			if err := tx.QueryRow(ctx, `INSERT INTO users (email, name) VALUES ($1, $2) RETURNING id`, u.Email, u.Name).Scan(&u.ID); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "user.create", EntityType: "user", EntityID: u.ID,
				OrganisationID: inv.OrganisationID, Details: map[string]any{"email": u.Email, "invited": true}}); err != nil {
				return err
			}
		case err != nil:
			return err
		case active:
			return s.invitePendingTx(ctx, tx, actor, u, inv)
		}
		token, hash := newSecret()
		if _, err := tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, purpose, user_id, organisation_id, org_role, expires_at)
			VALUES ($1, 'invite', $2, $3, $4, now() + make_interval(secs => $5))`,
			hash, u.ID, inv.OrganisationID, inv.Role, InviteLifetime.Seconds()); err != nil {
			return err
		}
		if err := addMembership(ctx, tx, actor, u.ID, inv.OrganisationID, inv.Role); err != nil {
			return err
		}
		_, err = s.outbox.ComposeTx(ctx, tx, inviteMail(u, inv, s.baseURL+"/invitation?token="+url.QueryEscape(token)))
		return err
	})
	if err != nil {
		return fmt.Errorf("accounts: invite %s: %w", inv.Email, err)
	}
	return nil
}

// recordInvitation decides, before anything else of an invitation is
// written or any mail queued, whether the organisation may invite: it
// locks the organisation's row (so concurrent invitations of one
// organisation queue up here), refuses unless it is published, then
// records the invitation in one statement that inserts only while fewer
// than MaxInvitationsPerDay were recorded in the last 24 hours. The insert
// is a statement of its own after the lock, so its snapshot sees every
// invitation committed before the lock was granted: no count-then-insert
// race. The transaction's rollback takes the record back with the rest.
func recordInvitation(ctx context.Context, tx pgx.Tx, actor audit.Actor, organisationID int64) error {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM organisations WHERE id = $1 FOR NO KEY UPDATE`, organisationID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.ErrNotFound
	}
	if err != nil {
		return err
	}
	if status != "published" {
		return ErrInviteUnpublished
	}
	if _, err := tx.Exec(ctx, `DELETE FROM invitations WHERE organisation_id = $1 AND created_at <= now() - interval '24 hours'`,
		organisationID); err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, `INSERT INTO invitations (organisation_id, invited_by)
		SELECT $1, NULLIF($2::bigint, 0)
		WHERE (SELECT count(*) FROM invitations WHERE organisation_id = $1 AND created_at > now() - interval '24 hours') < $3`,
		organisationID, actor.UserID, MaxInvitationsPerDay)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrInviteLimit
	}
	return nil
}

// OrgMember is a user with access to an organisation.
type OrgMember struct {
	UserID int64
	Email  string
	Name   string
	Role   string
	// Pending means they have not chosen a password yet.
	Pending bool
	// Verified says their address is proven; until it is, the
	// membership grants nothing.
	Verified bool
}

// OrganisationMembers lists the users with a membership of an
// organisation, in effect or waiting for their address to be verified.
func (s *Store) OrganisationMembers(ctx context.Context, organisationID int64) ([]OrgMember, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT u.id, u.email, u.name, m.role, u.password_hash = '', u.email_verified_at IS NOT NULL
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 ORDER BY m.role DESC, lower(u.name), u.id`, organisationID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[OrgMember])
	if err != nil {
		return nil, fmt.Errorf("accounts: members of %d: %w", organisationID, err)
	}
	return out, nil
}
