package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Review decisions an admin takes on an organisation.
const (
	DecisionApprove   = "approve"   // pending → published
	DecisionReject    = "reject"    // pending → draft, with a reason mailed to the owners
	DecisionSuspend   = "suspend"   // published → suspended, with a reason
	DecisionReinstate = "reinstate" // suspended → published
	DecisionVerify    = "verify"    // last verified today; status unchanged
	DecisionUnverify  = "unverify"  // no verification date; status unchanged
)

// MaxReasonLen bounds a decision's reason, in characters.
const MaxReasonLen = 2000

// ErrNoDefaultContact means an organisation cannot be published: it has
// no default contact to receive support offers.
var ErrNoDefaultContact = fault.New(fault.Conflict, "admin.org.no_default_contact")

// Mailer stores m in the caller's transaction (the mail outbox), so the
// mail exists exactly when the decision commits.
type Mailer func(ctx context.Context, tx pgx.Tx, m Mail) error

// Option tunes a Store.
type Option func(*Store)

// WithMailer lets the store mail organisations' owners through send, with
// links under baseURL (the site's address).
func WithMailer(send Mailer, baseURL string) Option {
	return func(s *Store) { s.mailer, s.baseURL = send, strings.TrimSuffix(baseURL, "/") }
}

// ErrNoMailer means a decision needs a mail and the store has no mailer.
var ErrNoMailer = errors.New("directory: mail is not configured")

// transition is what a decision requires and does.
type transition struct {
	from, to     string // "" for decisions that keep the status
	needsReason  bool
	mailsOwners  bool
	verifiedDate string // SQL for last_verified_on, "" to keep it
}

var transitions = map[string]transition{
	DecisionApprove:   {from: StatusPending, to: StatusPublished, mailsOwners: true},
	DecisionReject:    {from: StatusPending, to: StatusDraft, needsReason: true, mailsOwners: true},
	DecisionSuspend:   {from: StatusPublished, to: StatusSuspended, needsReason: true, mailsOwners: true},
	DecisionReinstate: {from: StatusSuspended, to: StatusPublished, mailsOwners: true},
	DecisionVerify:    {verifiedDate: "current_date"},
	DecisionUnverify:  {verifiedDate: "NULL"},
}

// Decide takes decision on organisation orgID, with reason where one is
// needed (reject, suspend), in one transaction: the status change, the
// decision row, the audit entry, the index job and, for a change of
// status, a mail to each owner (with the reason of a rejection or a
// suspension). The organisation's row is locked
// first, so of two admins deciding at once the second sees the first's
// outcome: a decision that no longer fits the status is fault.ErrConflict and
// changes nothing. It returns an Invalid error for a missing or too
// long reason, fault.ErrNotFound for an unknown organisation and
// ErrNoDefaultContact when publishing an organisation without one.
func (s *Store) Decide(ctx context.Context, actor audit.Actor, orgID int64, decision, reason string) error {
	t, ok := transitions[decision]
	if !ok {
		return fmt.Errorf("directory: unknown decision %q", decision)
	}
	reason = strings.TrimSpace(reason)
	switch {
	case t.needsReason && reason == "":
		return fault.InvalidField("reason", "manage.err.required")
	case utf8.RuneCountInString(reason) > MaxReasonLen:
		return fault.InvalidField("reason", "manage.err.too_long")
	}
	err := s.write(ctx, func(tx pgx.Tx) error {
		var status, name, slug string
		var defaultContact *int64
		var verified *time.Time
		err := tx.QueryRow(ctx, `SELECT status, name, slug, default_contact_id, last_verified_on FROM organisations WHERE id = $1 FOR UPDATE`,
			orgID).Scan(&status, &name, &slug, &defaultContact, &verified)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		to := status
		if status == StatusMerged { // nothing to decide: its addresses redirect
			return fault.ErrConflict
		}
		if t.from != "" {
			if status != t.from {
				return fault.ErrConflict
			}
			to = t.to
		}
		if to == StatusPublished && defaultContact == nil {
			return ErrNoDefaultContact
		}
		if decision == DecisionUnverify && verified == nil {
			return fault.ErrConflict
		}
		set := "status = $2"
		if t.verifiedDate != "" {
			set += ", last_verified_on = " + t.verifiedDate
		}
		_, err = tx.Exec(ctx, `UPDATE organisations SET `+set+`, version = version + 1, updated_at = now() WHERE id = $1`, orgID, to)
		if c, ok := postgres.CheckViolation(err); ok && c == "organisations_published_has_default_contact" {
			return ErrNoDefaultContact
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO organisation_decisions (organisation_id, decision, from_status, to_status, reason, decided_by)
			VALUES ($1, $2, $3, $4, $5, NULLIF($6, 0))`, orgID, decision, status, to, reason, actor.UserID); err != nil {
			return err
		}
		details := map[string]any{"from": status, "to": to}
		if reason != "" {
			details["reason"] = reason
		}
		if t.mailsOwners {
			n, err := s.mailOwners(ctx, tx, decision, orgID, name, slug, reason)
			if err != nil {
				return err
			}
			details["mailed_owners"] = n
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation." + decision, EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID, Details: details}); err != nil {
			return err
		}
		return s.changed(ctx, tx, orgID)
	})
	if err != nil {
		return fmt.Errorf("directory: %s organisation %d: %w", decision, orgID, err)
	}
	return nil
}

// mailOwners mails the decision (with its reason, if any) to each active
// owner of the organisation and returns how many were mailed.
func (s *Store) mailOwners(ctx context.Context, tx pgx.Tx, decision string, orgID int64, name, slug, reason string) (int, error) {
	// Memberships belong to the accounts package; the recipients are read
	// here so the mail commits with the decision.
	rows, _ := tx.Query(ctx, `
		SELECT u.name, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.organisation_id = $1 AND m.role = 'owner' AND NOT u.disabled ORDER BY u.id`, orgID)
	owners, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Person])
	if err != nil {
		return 0, err
	}
	if len(owners) > 0 && s.mailer == nil {
		return 0, ErrNoMailer
	}
	for _, o := range owners {
		if err := s.mailer(ctx, tx, decisionMail(decision, o, name, slug, reason, s.baseURL)); err != nil {
			return 0, err
		}
	}
	return len(owners), nil
}

// Person is a user named on an organisation's review: an owner, a
// decision's author.
type Person struct {
	Name  string
	Email string
}

// ReviewFilter selects organisations for the admin list.
type ReviewFilter struct {
	Status string // "" for every status
	// Query matches names (anywhere, any case) and slugs (exactly).
	Query   string
	Page    int // from 1
	PerPage int // 1–200, default 50
}

// ReviewRow is an organisation as the admin list shows it.
type ReviewRow struct {
	ID             int64
	Slug           string
	Name           string
	Status         string
	PendingSince   *time.Time
	LastVerifiedOn *time.Time
	UpdatedAt      time.Time
	// Owner is the first owner (who listed it, for a new listing); empty
	// when it has none.
	Owner Person
	// OwnerVerified says the owner's address is proven (their membership
	// grants nothing before).
	OwnerVerified bool
}

// ReviewList is one page of the admin list.
type ReviewList struct {
	Rows  []ReviewRow
	Total int
	Page  int
	Pages int
	// Counts is the number of organisations per status, whatever the
	// filter.
	Counts map[string]int
}

// Statuses lists the organisation statuses in review order.
func Statuses() []string {
	return []string{StatusPending, StatusPublished, StatusSuspended, StatusDraft, StatusMerged}
}

// ValidStatus reports whether st is an organisation status.
func ValidStatus(st string) bool {
	for _, s := range Statuses() {
		if s == st {
			return true
		}
	}
	return false
}

// ReviewList returns one page of organisations of any status for admins:
// pending ones oldest first (the review queue), the others by name. It
// returns an Invalid error for an unknown status.
func (s *Store) ReviewList(ctx context.Context, f ReviewFilter) (*ReviewList, error) {
	if f.Status != "" && !ValidStatus(f.Status) {
		return nil, fault.InvalidField("status", "manage.err.unknown_status")
	}
	if f.PerPage <= 0 || f.PerPage > 200 {
		f.PerPage = 50
	}
	if f.Page < 1 {
		f.Page = 1
	}
	where, args := []string{"true"}, pgx.NamedArgs{}
	if f.Status != "" {
		where, args["status"] = append(where, "o.status = @status"), f.Status
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		where = append(where, `(o.name ILIKE @q OR o.slug = lower(@slug))`)
		args["q"], args["slug"] = "%"+escapeLike(q)+"%", q
	}
	filter := strings.Join(where, " AND ")
	order := "o.name, o.id"
	if f.Status == StatusPending {
		order = "o.pending_since, o.id" // the order of organisations_pending_idx
	}
	l := &ReviewList{Page: f.Page, Counts: map[string]int{}}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM organisations o WHERE `+filter, args).Scan(&l.Total); err != nil {
		return nil, fmt.Errorf("directory: count review list: %w", err)
	}
	l.Pages = max(1, (l.Total+f.PerPage-1)/f.PerPage)
	args["limit"], args["offset"] = f.PerPage, (f.Page-1)*f.PerPage
	rows, _ := s.pool.Query(ctx, `
		SELECT o.id, o.slug, o.name, o.status, o.pending_since, o.last_verified_on, o.updated_at,
			COALESCE(w.name, ''), COALESCE(w.email, ''), COALESCE(w.verified, false)
		FROM (
			-- The page's ids first, from the index alone where it can: a
			-- deep page then skips index entries, not whole rows.
			SELECT o.id FROM organisations o WHERE `+filter+` ORDER BY `+order+` LIMIT @limit OFFSET @offset
		) p
		JOIN organisations o ON o.id = p.id
		LEFT JOIN LATERAL (
			SELECT u.name, u.email, u.email_verified_at IS NOT NULL AS verified FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.organisation_id = o.id AND m.role = 'owner' ORDER BY m.created_at, u.id LIMIT 1
		) w ON true
		ORDER BY `+order, args)
	var err error
	l.Rows, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReviewRow, error) {
		var x ReviewRow
		err := r.Scan(&x.ID, &x.Slug, &x.Name, &x.Status, &x.PendingSince, &x.LastVerifiedOn, &x.UpdatedAt, &x.Owner.Name, &x.Owner.Email, &x.OwnerVerified)
		return x, err
	})
	if err != nil {
		return nil, fmt.Errorf("directory: review list: %w", err)
	}
	rows, _ = s.pool.Query(ctx, `SELECT status, count(*)::int FROM organisations GROUP BY status`)
	counts, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Count])
	if err != nil {
		return nil, fmt.Errorf("directory: count statuses: %w", err)
	}
	for _, c := range counts {
		l.Counts[c.Key] = c.Count
	}
	return l, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Decision is a review decision as read back.
type Decision struct {
	ID             int64
	OrganisationID int64
	Decision       string
	FromStatus     string
	ToStatus       string
	Reason         string
	// DecidedBy is the admin, empty when their account was deleted.
	DecidedBy Person
	DecidedAt time.Time
}

// ReviewDetail is what an admin sees of one organisation under review.
type ReviewDetail struct {
	Profile      *Profile
	PendingSince *time.Time
	// Decisions are the latest review decisions, newest first.
	Decisions []Decision
	// Events are the latest audit entries about the organisation.
	Events []audit.Event
}

// ReviewDetail returns organisation id (any status, private data
// included) with its review history, or fault.ErrNotFound.
func (s *Store) ReviewDetail(ctx context.Context, id int64) (*ReviewDetail, error) {
	p, err := s.ProfileByID(ctx, id, ProfileOptions{Unpublished: true, Private: true})
	if err != nil {
		return nil, err
	}
	d := &ReviewDetail{Profile: p}
	if err := s.pool.QueryRow(ctx, `SELECT pending_since FROM organisations WHERE id = $1`, id).Scan(&d.PendingSince); err != nil {
		return nil, fmt.Errorf("directory: review of %d: %w", id, err)
	}
	if d.Decisions, err = s.decisions(ctx, []int64{id}, 20, false); err != nil {
		return nil, err
	}
	if d.Events, err = audit.ForOrganisation(ctx, s.pool, id, 20); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Store) decisions(ctx context.Context, ids []int64, limit int, latestOnly bool) ([]Decision, error) {
	q := `
		SELECT d.id, d.organisation_id, d.decision, d.from_status, d.to_status, d.reason, COALESCE(u.name, ''), COALESCE(u.email, ''), d.decided_at
		FROM organisation_decisions d LEFT JOIN users u ON u.id = d.decided_by
		WHERE d.organisation_id = ANY($1) ORDER BY d.decided_at DESC, d.id DESC LIMIT $2`
	if latestOnly {
		// The latest status change of each organisation still in draft.
		q = `
		SELECT DISTINCT ON (d.organisation_id) d.id, d.organisation_id, d.decision, d.from_status, d.to_status, d.reason,
			COALESCE(u.name, ''), COALESCE(u.email, ''), d.decided_at
		FROM organisation_decisions d JOIN organisations o ON o.id = d.organisation_id AND o.status = 'draft'
		LEFT JOIN users u ON u.id = d.decided_by
		WHERE d.organisation_id = ANY($1) AND d.from_status <> d.to_status
		ORDER BY d.organisation_id, d.decided_at DESC, d.id DESC LIMIT $2`
	}
	rows, _ := s.pool.Query(ctx, q, ids, limit)
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Decision, error) {
		var d Decision
		err := r.Scan(&d.ID, &d.OrganisationID, &d.Decision, &d.FromStatus, &d.ToStatus, &d.Reason, &d.DecidedBy.Name, &d.DecidedBy.Email, &d.DecidedAt)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("directory: review decisions: %w", err)
	}
	return ds, nil
}

// Rejections returns, keyed by organisation, the rejection of those of
// the organisations ids that are drafts because an admin rejected them,
// so their owners see why.
func (s *Store) Rejections(ctx context.Context, ids []int64) (map[int64]Decision, error) {
	out := map[int64]Decision{}
	if len(ids) == 0 {
		return out, nil
	}
	ds, err := s.decisions(ctx, ids, len(ids), true)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		if d.Decision == DecisionReject {
			out[d.OrganisationID] = d
		}
	}
	return out, nil
}

// ErrNotDraft means an organisation cannot be submitted for review: it is
// already submitted or published.
var ErrNotDraft = fault.New(fault.Conflict, "manage.submit.conflict")

// Submit sends a draft organisation (a new listing, or one an admin
// rejected) to the admins' review queue: draft → pending, with its audit
// entry. It returns ErrNotDraft (a conflict) when the organisation is not a
// draft and fault.ErrNotFound for an unknown one.
func (s *Store) Submit(ctx context.Context, actor audit.Actor, orgID int64) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM organisations WHERE id = $1 FOR UPDATE`, orgID).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != StatusDraft {
			return ErrNotDraft
		}
		if _, err := tx.Exec(ctx, `UPDATE organisations SET status = 'pending', version = version + 1, updated_at = now() WHERE id = $1`,
			orgID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.submit", EntityType: "organisation",
			EntityID: orgID, OrganisationID: orgID, Details: map[string]any{"from": status, "to": StatusPending}}); err != nil {
			return err
		}
		return s.changed(ctx, tx, orgID)
	})
	if err != nil {
		return fmt.Errorf("directory: submit organisation %d: %w", orgID, err)
	}
	return nil
}
