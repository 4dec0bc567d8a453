package accounts

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Errors of Erase and DeleteOwnAccount, besides fault.ErrNotFound (no such
// user) and ErrSelf (an admin erasing their own account).
var (
	// ErrLastOwner means the user is the last owner of an organisation:
	// ownership must be handed over first (SoleOwnerships lists them), or
	// an admin erases the account and leaves the organisation ownerless.
	ErrLastOwner = fault.New(fault.Conflict, "account.delete.last_owner")
	// ErrStaffSelfDelete means a staff member or an admin tried to delete
	// their own account: another admin erases it.
	ErrStaffSelfDelete = fault.New(fault.Forbidden, "account.delete.staff")
)

// ErasedLabel replaces the label of an erased user wherever it was kept
// (audit entries, offers' notes and history): the entries keep what was
// done, not by whom.
const ErasedLabel = "deleted user"

// EraseOptions say who erases and what they accept.
type EraseOptions struct {
	// Self says the user deletes their own account (audited user.delete
	// with no actor); otherwise an admin erases it (user.erase, by them).
	Self bool
	// LeaveOwnerless is an admin's explicit choice to erase the last owner
	// of organisations, which then have no owner. Ignored when Self.
	LeaveOwnerless bool
}

// EraseHook removes, inside the erasure's transaction, what another
// package's tables keep about the user: their id's rows, or their email
// address or label (replaced by label, ErasedLabel).
type EraseHook func(ctx context.Context, tx pgx.Tx, userID int64, email, label string) error

// OnErase adds a hook that Erase runs in its transaction. Call it while
// wiring the program, before any request.
func (s *Store) OnErase(h EraseHook) { s.erasers = append(s.erasers, h) }

// SoleOwnerships lists the organisations whose only owner is user, by
// name: they block the user's own deletion.
func (s *Store) SoleOwnerships(ctx context.Context, userID int64) ([]Membership, error) {
	return soleOwnerships(ctx, s.pool, userID)
}

func soleOwnerships(ctx context.Context, db audit.Querier, userID int64) ([]Membership, error) {
	rows, _ := db.Query(ctx, `
		SELECT o.id, o.slug, o.name, m.role, o.status FROM memberships m JOIN organisations o ON o.id = m.organisation_id
		WHERE m.user_id = $1 AND m.role = 'owner' AND NOT EXISTS (
			SELECT 1 FROM memberships x WHERE x.organisation_id = m.organisation_id AND x.role = 'owner' AND x.user_id <> m.user_id)
		ORDER BY o.name, o.id`, userID)
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Membership])
	if err != nil {
		return nil, fmt.Errorf("accounts: sole ownerships of user %d: %w", userID, err)
	}
	return ms, nil
}

// Erase deletes user and what the platform keeps about them, in one
// transaction, and (with WithMail) tells them by mail: the user row goes, and with it (by the schema's cascades)
// their memberships, sessions, tokens, recovery codes and claims; audit
// entries by or about them keep their action, entity and time but lose
// the person (actor label ErasedLabel, no email, address, client
// pseudonym or user agent); mails tied to no offer sent to their address
// are emptied; the hooks (OnErase) clear other tables. The erasure is
// audited without personal data: user.delete (Self, no actor) or
// user.erase by the admin, with the user's id only.
//
// It returns fault.ErrNotFound for an unknown user, ErrStaffSelfDelete
// when a staff member or an admin deletes their own account, ErrSelf when
// an admin erases themselves as an admin, and ErrLastOwner when the user
// is an organisation's last owner (unless an admin chose LeaveOwnerless).
// Nothing changes on an error.
func (s *Store) Erase(ctx context.Context, actor audit.Actor, userID int64, o EraseOptions) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var email, role string
		err := tx.QueryRow(ctx, `SELECT email, COALESCE(role, '') FROM users WHERE id = $1 FOR UPDATE`, userID).Scan(&email, &role)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("accounts: erase user %d: %w", userID, fault.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("accounts: erase user %d: %w", userID, err)
		}
		switch {
		case o.Self && role != "":
			return fmt.Errorf("accounts: erase user %d: %w", userID, ErrStaffSelfDelete)
		case !o.Self && actor.UserID == userID:
			return fmt.Errorf("accounts: erase user %d: %w", userID, ErrSelf)
		}
		// The organisations they own are locked, so two owners deleting
		// their accounts at once cannot both see the other one stay.
		if _, err := tx.Exec(ctx, `
			SELECT id FROM organisations WHERE id IN (SELECT organisation_id FROM memberships WHERE user_id = $1 AND role = 'owner')
			ORDER BY id FOR UPDATE`, userID); err != nil {
			return fmt.Errorf("accounts: erase user %d: lock organisations: %w", userID, err)
		}
		sole, err := soleOwnerships(ctx, tx, userID)
		if err != nil {
			return err
		}
		if len(sole) > 0 && (o.Self || !o.LeaveOwnerless) {
			return fmt.Errorf("accounts: erase user %d: %w", userID, ErrLastOwner)
		}
		if err := forgetInAudit(ctx, tx, userID, email); err != nil {
			return err
		}
		if err := mail.ForgetRecipientTx(ctx, tx, email); err != nil {
			return err
		}
		for _, h := range s.erasers {
			if err := h(ctx, tx, userID, email, ErasedLabel); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM users WHERE id = $1`, userID); err != nil {
			return fmt.Errorf("accounts: erase user %d: %w", userID, err)
		}
		if s.outbox != nil {
			if _, err := s.outbox.ComposeTx(ctx, tx, deletedMail(email)); err != nil {
				return err
			}
		}
		entry := audit.Entry{Action: "user.erase", EntityType: "user", EntityID: userID,
			Details: map[string]any{"organisations_left_without_owner": len(sole)}}
		if o.Self {
			// The person is gone: the entry names no actor.
			actor = audit.Actor{Label: ErasedLabel, RequestID: actor.RequestID}
			entry.Action, entry.Details = "user.delete", nil
		}
		return audit.Record(ctx, tx, actor, entry)
	})
}

// forgetInAudit takes the person out of the audit entries by them or
// about them, or that name their address: the label becomes ErasedLabel,
// the email, client pseudonym and user agent details go and the address
// leaves every other detail. Reading every entry for the address is a
// scan of the log, acceptable for a rare erasure.
func forgetInAudit(ctx context.Context, tx pgx.Tx, userID int64, email string) error {
	_, err := tx.Exec(ctx, `
		UPDATE audit_log a SET
			actor = CASE WHEN a.actor_user_id = $1 OR lower(a.actor) = lower($2) THEN $4 ELSE a.actor END,
			details = CASE WHEN jsonb_typeof(a.details) <> 'object' THEN a.details ELSE COALESCE((
				SELECT jsonb_object_agg(k, CASE WHEN jsonb_typeof(v) = 'string'
					THEN to_jsonb(regexp_replace(v #>> '{}', $3, $5, 'gi')) ELSE v END)
				FROM jsonb_each(a.details) AS d(k, v) WHERE k NOT IN ('ip_hash', 'user_agent', 'email')), '{}') END
		WHERE a.actor_user_id = $1 OR (a.entity_type = 'user' AND a.entity_id = $1) OR lower(a.actor) = lower($2)
			OR strpos(lower(a.details::text), lower($2)) > 0`,
		userID, email, regexp.QuoteMeta(email), ErasedLabel, mail.RedactedAddress)
	if err != nil {
		return fmt.Errorf("accounts: erase user %d from the audit log: %w", userID, err)
	}
	return nil
}

// DeleteOwnAccount erases user's own account (Erase, Self) once c proves
// it is them. It refuses before checking anything else with
// ErrStaffSelfDelete for staff and admins and ErrLastOwner for an
// organisation's last owner, so no code is used up for nothing; then it
// returns an Invalid error on the field "password" or "code" for a wrong
// password or code, and ErrRateLimited after too many (the login limits).
// Nothing changes on an error but the limits' counters.
func (s *Store) DeleteOwnAccount(ctx context.Context, userID int64, c Confirmation) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.IsStaff() {
		return fmt.Errorf("accounts: delete user %d: %w", userID, ErrStaffSelfDelete)
	}
	sole, err := s.SoleOwnerships(ctx, userID)
	if err != nil {
		return err
	}
	if len(sole) > 0 {
		return fmt.Errorf("accounts: delete user %d: %w", userID, ErrLastOwner)
	}
	switch _, err := s.Authenticate(ctx, u.Email, c.Password, c.ClientIP, c.RequestID); {
	case errors.Is(err, ErrBadCredentials):
		return fault.InvalidField("password", "auth.password.current")
	case err != nil:
		return err
	}
	if u.TwoFactor {
		switch err := s.VerifySecondFactor(ctx, u.ID, c.Code, c.ClientIP, c.RequestID); {
		case errors.Is(err, ErrBadCredentials):
			return fault.InvalidField("code", "auth.2fa.wrong")
		case err != nil:
			return err
		}
	}
	return s.Erase(ctx, audit.Actor{UserID: u.ID, RequestID: c.RequestID}, userID, EraseOptions{Self: true})
}

// PurposeDeleted is the purpose of the mail confirming an erasure.
const PurposeDeleted = "account_deleted"

// deletedMail tells the address of an erased account, in French then
// English, that it is gone; the outbox forgets the address once the mail
// is sent (templates/mails/account_deleted).
func deletedMail(email string) mail.Mail {
	return mail.Mail{Name: PurposeDeleted, Langs: []string{"fr", "en"}, To: mail.Address{Email: email}, ForgetWhenSent: true}
}
