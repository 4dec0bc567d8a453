package joining

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

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// ClaimLinkLifetime is how long a claim confirmation link works.
const ClaimLinkLifetime = 48 * time.Hour

// ErrWrongUser means a claim link was opened by someone signed in as
// another user than the one who asked for it.
var ErrWrongUser = fault.New(fault.Forbidden, "claim.confirm.wrong_user")

// ErrUnverified means the claimant has not proven their own address yet:
// an unverified account claims nothing.
var ErrUnverified = fault.New(fault.Forbidden, "claim.unverified")

// requireVerified refuses, with ErrUnverified, a claim by userID before
// their address is proven.
func (s *Store) requireVerified(ctx context.Context, tx pgx.Tx, userID int64) error {
	ok, err := s.acc.EmailVerifiedTx(ctx, tx, userID)
	if err == nil && !ok {
		err = ErrUnverified
	}
	return err
}

// Target is an organisation as the claim page shows it.
type Target struct {
	ID       int64
	Slug     string
	Name     string
	Website  string
	HasOwner bool
	// Domain is where an address must be to claim by mail; "" when the
	// organisation can only be claimed through an admin.
	Domain string
	// Pending says the user already has a claim waiting.
	Pending bool
}

// Claimable reports whether a published organisation has no owner, so its
// profile invites its people to claim it.
func (s *Store) Claimable(ctx context.Context, orgID int64) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT o.status = 'published' AND NOT EXISTS (
		SELECT 1 FROM memberships m WHERE m.organisation_id = o.id AND m.role = 'owner') FROM organisations o WHERE o.id = $1`,
		orgID).Scan(&ok)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("joining: claimable %d: %w", orgID, err)
	}
	return ok, nil
}

// ClaimTarget returns the published organisation with slug as userID
// would claim it. It returns fault.ErrNotFound for an unknown or unpublished
// organisation.
func (s *Store) ClaimTarget(ctx context.Context, slug string, userID int64) (*Target, error) {
	t := &Target{}
	err := s.pool.QueryRow(ctx, `
		SELECT o.id, o.slug, o.name, o.website,
			EXISTS (SELECT 1 FROM memberships m WHERE m.organisation_id = o.id AND m.role = 'owner'),
			EXISTS (SELECT 1 FROM organisation_claims c WHERE c.organisation_id = o.id AND c.user_id = $2
				AND c.status = 'pending' AND (c.expires_at IS NULL OR c.expires_at > now()))
		FROM organisations o WHERE o.slug = $1 AND o.status = 'published'`, slug, userID).
		Scan(&t.ID, &t.Slug, &t.Name, &t.Website, &t.HasOwner, &t.Pending)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("joining: claim target %s: %w", slug, err)
	}
	t.Domain = ClaimDomain(t.Website)
	return t, nil
}

// lockUnowned locks the published organisation with slug for a claim and
// checks it has no owner: fault.ErrNotFound, ErrHasOwner otherwise.
func lockUnowned(ctx context.Context, tx pgx.Tx, where string, key any) (*Target, error) {
	t := &Target{}
	err := tx.QueryRow(ctx, `SELECT id, slug, name, website FROM organisations WHERE status = 'published' AND `+where+` FOR UPDATE`, key).
		Scan(&t.ID, &t.Slug, &t.Name, &t.Website)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE organisation_id = $1 AND role = 'owner')`, t.ID).
		Scan(&t.HasOwner); err != nil {
		return nil, err
	}
	if t.HasOwner {
		return nil, ErrHasOwner
	}
	t.Domain = ClaimDomain(t.Website)
	return t, nil
}

// insertClaim stores a pending claim; a second pending claim of the same
// user for the same organisation is ErrClaimPending. Domain claims whose
// link expired are closed first, so the user may ask again.
func insertClaim(ctx context.Context, tx pgx.Tx, orgID, userID int64, method, email, message string, hash []byte) (int64, error) {
	if _, err := tx.Exec(ctx, `UPDATE organisation_claims SET status = 'expired', decided_at = now()
		WHERE organisation_id = $1 AND user_id = $2 AND status = 'pending' AND expires_at <= now()`, orgID, userID); err != nil {
		return 0, err
	}
	var expires any
	if hash != nil {
		expires = time.Now().Add(ClaimLinkLifetime)
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO organisation_claims (organisation_id, user_id, method, email, message, token_hash, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, orgID, userID, method, email, message, hash, expires).Scan(&id)
	if c, ok := postgres.UniqueViolation(err); ok && c == "organisation_claims_one_pending_idx" {
		return 0, ErrClaimPending
	}
	return id, err
}

// RequestDomainClaim starts a claim by email domain: email must be at the
// registrable domain of the organisation's website (ecpat.lu for
// www.ecpat.lu). A single-use link, valid 48 hours, is mailed to email;
// opening it signed in as u makes u the owner. It returns an
// Invalid error (field "email": manage.err.not_a_valid_email_address or
// claim.err.free_mail_address, claim.err.not_at_the_websites_domain,
// claim.err.no_website_domain, whose message takes the Domain) for an
// address elsewhere, fault.ErrNotFound,
// ErrHasOwner, ErrClaimPending and ErrUnverified.
func (s *Store) RequestDomainClaim(ctx context.Context, actor audit.Actor, u *accounts.User, slug, email string) error {
	email = strings.TrimSpace(email)
	var v fault.Fields
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.requireVerified(ctx, tx, u.ID); err != nil {
			return err
		}
		t, err := lockUnowned(ctx, tx, "slug = $1", slug)
		if err != nil {
			return err
		}
		d := emailDomain(email)
		switch {
		case t.Domain == "":
			v.Add("email", "claim.err.no_website_domain")
		case !directory.ValidEmail(email):
			v.Add("email", "manage.err.not_a_valid_email_address")
		case freeMail[d]:
			v.Add("email", "claim.err.free_mail_address")
		case d != t.Domain:
			v.Add("email", "claim.err.not_at_the_websites_domain")
		}
		if err := v.Err(); err != nil {
			return err
		}
		token, hash := newSecret()
		id, err := insertClaim(ctx, tx, t.ID, u.ID, "domain", email, "", hash)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.claim_request", EntityType: "organisation_claim",
			EntityID: id, OrganisationID: t.ID, Details: map[string]any{"method": "domain", "email": email}}); err != nil {
			return err
		}
		_, err = s.outbox.ComposeTx(ctx, tx, claimLinkMail(u, email, t.Name, s.baseURL+"/claims/confirm?token="+url.QueryEscape(token)))
		return err
	})
	if err != nil {
		return fmt.Errorf("joining: domain claim of %s: %w", slug, err)
	}
	return nil
}

// PendingLink describes a claim link before it is used.
type PendingLink struct {
	OrganisationSlug string
	OrganisationName string
	Email            string
}

// CheckClaimLink returns what a still-usable claim link is about. It
// returns fault.ErrNotFound for an unknown, used or expired link and
// ErrWrongUser when it belongs to another user than userID.
func (s *Store) CheckClaimLink(ctx context.Context, token string, userID int64) (*PendingLink, error) {
	var l PendingLink
	var owner int64
	err := s.pool.QueryRow(ctx, `
		SELECT o.slug, o.name, c.email, c.user_id FROM organisation_claims c JOIN organisations o ON o.id = c.organisation_id
		WHERE c.token_hash = $1 AND c.status = 'pending' AND c.expires_at > now()`, tokenHash(token)).
		Scan(&l.OrganisationSlug, &l.OrganisationName, &l.Email, &owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("joining: check claim link: %w", err)
	}
	if owner != userID {
		return nil, ErrWrongUser
	}
	return &l, nil
}

// ConfirmDomainClaim uses up a claim link: the claimant, who must be the
// signed-in userID, becomes the organisation's owner. Other pending claims
// of the organisation are closed. It returns the organisation's slug, or
// fault.ErrNotFound (unknown, used or expired link), ErrWrongUser,
// ErrUnverified or ErrHasOwner.
func (s *Store) ConfirmDomainClaim(ctx context.Context, actor audit.Actor, token string, userID int64) (string, error) {
	var slug string
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id, orgID, claimant int64
		err := tx.QueryRow(ctx, `SELECT id, organisation_id, user_id FROM organisation_claims
			WHERE token_hash = $1 AND method = 'domain' AND status = 'pending' AND expires_at > now() FOR UPDATE`,
			tokenHash(token)).Scan(&id, &orgID, &claimant)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if claimant != userID {
			return ErrWrongUser
		}
		if err := s.requireVerified(ctx, tx, userID); err != nil {
			return err
		}
		t, err := lockUnowned(ctx, tx, "id = $1", orgID)
		if err != nil {
			return err
		}
		slug = t.Slug
		return s.grantClaim(ctx, tx, actor, id, t, userID, "confirmed", "organisation.claim_confirm")
	})
	if err != nil {
		return "", fmt.Errorf("joining: confirm claim: %w", err)
	}
	return slug, nil
}

// grantClaim makes userID the owner of t and closes claim id with status,
// and every other pending claim of t as rejected.
func (s *Store) grantClaim(ctx context.Context, tx pgx.Tx, actor audit.Actor, id int64, t *Target, userID int64, status, action string) error {
	if err := s.acc.AddMembershipTx(ctx, tx, actor, userID, t.ID, accounts.OrgOwner); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE organisation_claims SET status = $2, decided_by = $3, decided_at = now() WHERE id = $1`,
		id, status, nullID(actor.UserID)); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE organisation_claims SET status = 'rejected', decided_at = now(),
		reason = 'the organisation now has an owner' WHERE organisation_id = $1 AND status = 'pending'`, t.ID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: action, EntityType: "organisation_claim", EntityID: id,
		OrganisationID: t.ID, Details: map[string]any{"user_id": userID}})
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// RequestAdminClaim asks the admins to make u the owner of the
// organisation with slug; message says who they are. It returns an
// Invalid error (field "message"), fault.ErrNotFound, ErrHasOwner,
// ErrClaimPending and ErrUnverified.
func (s *Store) RequestAdminClaim(ctx context.Context, actor audit.Actor, u *accounts.User, slug, message string) error {
	message = strings.TrimSpace(message)
	var v fault.Fields
	requiredText(&v, "message", message, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := s.requireVerified(ctx, tx, u.ID); err != nil {
			return err
		}
		t, err := lockUnowned(ctx, tx, "slug = $1", slug)
		if err != nil {
			return err
		}
		id, err := insertClaim(ctx, tx, t.ID, u.ID, "admin", u.Email, message, nil)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.claim_request", EntityType: "organisation_claim",
			EntityID: id, OrganisationID: t.ID, Details: map[string]any{"method": "admin"}})
	})
	if err != nil {
		return fmt.Errorf("joining: admin claim of %s: %w", slug, err)
	}
	return nil
}

// Claim is a pending claim as admins review it.
type Claim struct {
	ID               int64
	OrganisationSlug string
	OrganisationName string
	Website          string
	UserName         string
	UserEmail        string
	Message          string
	CreatedAt        time.Time
	// UserVerified says the claimant's address is proven.
	UserVerified bool
}

// PendingClaims lists the claims waiting for an admin, oldest first.
func (s *Store) PendingClaims(ctx context.Context) ([]Claim, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id, o.slug, o.name, o.website, u.name, u.email, c.message, c.created_at, u.email_verified_at IS NOT NULL
		FROM organisation_claims c JOIN organisations o ON o.id = c.organisation_id JOIN users u ON u.id = c.user_id
		WHERE c.status = 'pending' AND c.method = 'admin' ORDER BY c.created_at, c.id LIMIT 500`)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Claim])
	if err != nil {
		return nil, fmt.Errorf("joining: pending claims: %w", err)
	}
	return out, nil
}

// lockAdminClaim locks pending admin claim id: fault.ErrNotFound when there is
// none, ErrDecided when it was already decided.
func lockAdminClaim(ctx context.Context, tx pgx.Tx, id int64) (orgID int64, claimant mail.Address, userID int64, err error) {
	var status string
	err = tx.QueryRow(ctx, `SELECT c.organisation_id, c.user_id, c.status, u.name, u.email FROM organisation_claims c
		JOIN users u ON u.id = c.user_id WHERE c.id = $1 AND c.method = 'admin' FOR UPDATE OF c`, id).
		Scan(&orgID, &userID, &status, &claimant.Name, &claimant.Email)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, claimant, 0, fault.ErrNotFound
	}
	if err == nil && status != "pending" {
		err = ErrDecided
	}
	return orgID, claimant, userID, err
}

// ApproveClaim makes the claimant of pending admin claim id the owner of
// the organisation and tells them by mail. It returns fault.ErrNotFound,
// ErrDecided and ErrHasOwner.
func (s *Store) ApproveClaim(ctx context.Context, actor audit.Actor, id int64) error {
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		orgID, to, userID, err := lockAdminClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		t, err := lockUnowned(ctx, tx, "id = $1", orgID)
		if err != nil {
			return err
		}
		if err := s.grantClaim(ctx, tx, actor, id, t, userID, "approved", "organisation.claim_approve"); err != nil {
			return err
		}
		_, err = s.outbox.ComposeTx(ctx, tx, claimApprovedMail(to, t.Name, s.baseURL+"/manage/"+t.Slug))
		return err
	})
	if err != nil {
		return fmt.Errorf("joining: approve claim %d: %w", id, err)
	}
	return nil
}

// RejectClaim refuses pending admin claim id with reason, which the
// claimant receives by mail. It returns an Invalid error (field
// "reason"), fault.ErrNotFound and ErrDecided.
func (s *Store) RejectClaim(ctx context.Context, actor audit.Actor, id int64, reason string) error {
	reason = strings.TrimSpace(reason)
	var v fault.Fields
	requiredText(&v, "reason", reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		orgID, to, _, err := lockAdminClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		var name string
		if err := tx.QueryRow(ctx, `SELECT name FROM organisations WHERE id = $1`, orgID).Scan(&name); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE organisation_claims SET status = 'rejected', reason = $2, decided_by = $3,
			decided_at = now() WHERE id = $1`, id, reason, nullID(actor.UserID)); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.claim_reject", EntityType: "organisation_claim",
			EntityID: id, OrganisationID: orgID, Details: map[string]any{"reason": reason}}); err != nil {
			return err
		}
		_, err = s.outbox.ComposeTx(ctx, tx, claimRejectedMail(to, name, reason))
		return err
	})
	if err != nil {
		return fmt.Errorf("joining: reject claim %d: %w", id, err)
	}
	return nil
}

func newSecret() (token string, hash []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}
