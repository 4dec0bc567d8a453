package offers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// transitions are the status changes the workflow allows.
var transitions = map[string][]string{
	StatusNew:       {StatusInReview, StatusSpam, StatusClosed},
	StatusInReview:  {StatusForwarded, StatusAccepted, StatusDeclined, StatusSpam, StatusClosed},
	StatusForwarded: {StatusAccepted, StatusDeclined, StatusClosed},
	StatusAccepted:  {StatusClosed},
	StatusDeclined:  {StatusClosed},
	// Marked as spam by mistake: back to the inbox.
	StatusSpam:   {StatusNew, StatusClosed},
	StatusClosed: nil,
}

// NextStatuses lists the statuses an offer in status from may move to.
func NextStatuses(from string) []string { return slices.Clone(transitions[from]) }

// CanMove reports whether the workflow allows from → to.
func CanMove(from, to string) bool { return slices.Contains(transitions[from], to) }

// Offer is an offer as staff and organisations see it.
type Offer struct {
	ID               int64
	Reference        string
	OrganisationID   int64
	OrganisationSlug string
	OrganisationName string
	ProjectTitle     string
	OfficeName       string
	Kind             directory.SupportKind
	Message          string
	DonorName        string
	DonorEmail       string
	DonorPhone       string
	DonorCompany     string
	DonorLang        string
	ConsentVersion   string
	ConsentAt        time.Time
	RoutingBasis     string
	// RoutingScope, ReroutedBy and ReroutedFrom are the routing's facts
	// (see Routing).
	RoutingScope    string
	ReroutedBy      string
	ReroutedFrom    string
	RoutedToName    string
	RoutedToEmail   string
	Status          string
	AssignedUserID  int64
	AssignedName    string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	FirstResponseAt *time.Time
	ClosedAt        *time.Time
	AnonymisedAt    *time.Time
	Version         int
	// MailFailed counts mails of the offer the server refused permanently.
	MailFailed int
	// Overdue means no first response within the target time.
	Overdue bool
}

// Detail is an offer with its history, notes and mail log.
type Detail struct {
	Offer
	History []StatusChange
	Notes   []Note
	Mails   []mail.Record
}

// StatusChange is one step of an offer's workflow.
type StatusChange struct {
	From, To   string
	Actor      string
	OccurredAt time.Time
}

// Note is an internal note on an offer.
type Note struct {
	ID        int64     `json:"id"`
	Author    string    `json:"author"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// Filter selects offers for the inbox.
type Filter struct {
	Status         string
	OrganisationID int64
	// OrganisationSlug selects one organisation by its slug.
	OrganisationSlug string
	// OrganisationIDs restricts to these organisations (an NGO member's).
	OrganisationIDs []int64
	Kind            directory.SupportKind
	From, To        time.Time // arrival dates, To inclusive
	Query           string    // words in the message, the donor or the reference
	Overdue         bool
	Sort            string // "newest" (default), "oldest", "organisation", "status"
	Page, PerPage   int
}

// List is one page of the inbox with the counts per status of the whole
// filtered set (ignoring the status filter).
type List struct {
	Offers []Offer
	Total  int
	Counts map[string]int
	// Overdue counts the offers past the response target.
	Overdue int
	Page    int
	Pages   int
}

const offerColumns = `
	f.id, f.reference, f.organisation_id, o.slug, o.name, COALESCE(p.title, ''), COALESCE(ofc.name || ', ' || ofc.city, ''),
	f.support_kind, f.message, f.donor_name, f.donor_email, f.donor_phone, f.donor_company, f.donor_lang,
	f.consent_version, f.consent_at, f.routing_basis, f.routing_scope, f.rerouted_by, f.rerouted_from, f.routed_to_name, f.routed_to_email,
	f.status, COALESCE(f.assigned_user_id, 0), COALESCE(u.name, ''), f.created_at, f.updated_at, f.first_response_at, f.closed_at,
	f.anonymised_at, f.version,
	(SELECT count(*) FROM mail_messages m WHERE m.offer_id = f.id AND m.status = 'failed')`

const offerFrom = `
	FROM offers f
	JOIN organisations o ON o.id = f.organisation_id
	LEFT JOIN projects p ON p.id = f.project_id
	LEFT JOIN offices ofc ON ofc.id = f.office_id
	LEFT JOIN users u ON u.id = f.assigned_user_id`

func scanOffer(row pgx.Row, f *Offer) error {
	return row.Scan(&f.ID, &f.Reference, &f.OrganisationID, &f.OrganisationSlug, &f.OrganisationName, &f.ProjectTitle, &f.OfficeName,
		&f.Kind, &f.Message, &f.DonorName, &f.DonorEmail, &f.DonorPhone, &f.DonorCompany, &f.DonorLang,
		&f.ConsentVersion, &f.ConsentAt, &f.RoutingBasis, &f.RoutingScope, &f.ReroutedBy, &f.ReroutedFrom, &f.RoutedToName, &f.RoutedToEmail,
		&f.Status, &f.AssignedUserID, &f.AssignedName, &f.CreatedAt, &f.UpdatedAt, &f.FirstResponseAt, &f.ClosedAt,
		&f.AnonymisedAt, &f.Version, &f.MailFailed)
}

// overdueBefore is the arrival time before which an unanswered offer is
// overdue: the response target counted in working days (Monday–Friday).
func (s *Store) overdueBefore() time.Time {
	days := int(s.responseTarget / (24 * time.Hour))
	t := s.now()
	for days > 0 {
		t = t.AddDate(0, 0, -1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			days--
		}
	}
	return t
}

func (f *Offer) markOverdue(before time.Time) {
	f.Overdue = (f.Status == StatusNew || f.Status == StatusInReview) && f.CreatedAt.Before(before)
}

// where builds the filter's conditions, except the status.
func (s *Store) where(fl Filter) (string, pgx.NamedArgs) {
	conds := []string{"TRUE"}
	args := pgx.NamedArgs{"overdue_before": s.overdueBefore()}
	if fl.OrganisationID != 0 {
		conds = append(conds, "f.organisation_id = @org")
		args["org"] = fl.OrganisationID
	}
	if fl.OrganisationSlug != "" {
		conds = append(conds, "o.slug = @org_slug")
		args["org_slug"] = fl.OrganisationSlug
	}
	if fl.OrganisationIDs != nil {
		conds = append(conds, "f.organisation_id = ANY(@orgs)")
		args["orgs"] = fl.OrganisationIDs
	}
	if fl.Kind.Valid() {
		conds = append(conds, "f.support_kind = @kind")
		args["kind"] = string(fl.Kind)
	}
	if !fl.From.IsZero() {
		conds = append(conds, "f.created_at >= @from")
		args["from"] = fl.From
	}
	if !fl.To.IsZero() {
		conds = append(conds, "f.created_at < @to")
		args["to"] = fl.To.AddDate(0, 0, 1)
	}
	if q := strings.TrimSpace(fl.Query); q != "" {
		// The expression of offers_words_trgm_idx.
		conds = append(conds, `(f.message || ' ' || f.donor_name || ' ' || f.donor_email || ' ' || f.donor_company || ' ' || f.reference) ILIKE @q`)
		args["q"] = "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	}
	if fl.Overdue {
		conds = append(conds, overdueCond)
	}
	return strings.Join(conds, " AND "), args
}

const overdueCond = "(f.status IN ('new', 'in_review') AND f.created_at < @overdue_before)"

var sorts = map[string]string{
	"newest":       "f.created_at DESC, f.id DESC",
	"oldest":       "f.created_at, f.id",
	"organisation": "o.name, f.created_at DESC, f.id DESC",
	"status":       "array_position(ARRAY['new','in_review','forwarded','accepted','declined','spam','closed'], f.status), f.created_at DESC, f.id DESC",
}

// Sorts lists the inbox's sort orders.
func Sorts() []string { return []string{"newest", "oldest", "organisation", "status"} }

// List returns one page of offers matching fl, with counts per status.
// PerPage 0 means 50; a negative PerPage returns every match (CSV export,
// capped at 10,000).
func (s *Store) List(ctx context.Context, fl Filter) (*List, error) {
	where, args := s.where(fl)
	out := &List{Counts: map[string]int{}}
	// The counts read offers alone (an index-only scan of offers_status_idx
	// when unfiltered); organisations only to filter by slug.
	countFrom := " FROM offers f"
	if fl.OrganisationSlug != "" {
		countFrom += " JOIN organisations o ON o.id = f.organisation_id"
	}
	rows, err := s.pool.Query(ctx, `
		SELECT f.status, count(*), count(*) FILTER (WHERE `+overdueCond+`)`+countFrom+` WHERE `+where+` GROUP BY f.status`, args)
	if err != nil {
		return nil, fmt.Errorf("offers: count: %w", err)
	}
	for rows.Next() {
		var st string
		var n, od int
		if err := rows.Scan(&st, &n, &od); err != nil {
			rows.Close()
			return nil, fmt.Errorf("offers: count: %w", err)
		}
		out.Counts[st] = n
		out.Overdue += od
		if fl.Status == "" || fl.Status == st {
			out.Total += n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("offers: count: %w", err)
	}
	if fl.Status != "" {
		where += " AND f.status = @status"
		args["status"] = fl.Status
	}
	order, ok := sorts[fl.Sort]
	if !ok {
		order = sorts["newest"]
	}
	per := fl.PerPage
	switch {
	case per == 0:
		per = 50
	case per < 0:
		per = 10000
	}
	out.Page = max(fl.Page, 1)
	out.Pages = max((out.Total+per-1)/per, 1)
	args["limit"], args["offset"] = per, (out.Page-1)*per
	rows, err = s.pool.Query(ctx, `SELECT `+offerColumns+offerFrom+` WHERE `+where+` ORDER BY `+order+` LIMIT @limit OFFSET @offset`, args)
	if err != nil {
		return nil, fmt.Errorf("offers: list: %w", err)
	}
	before := s.overdueBefore()
	out.Offers, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Offer, error) {
		var f Offer
		err := scanOffer(r, &f)
		f.markOverdue(before)
		return f, err
	})
	if err != nil {
		return nil, fmt.Errorf("offers: list: %w", err)
	}
	return out, nil
}

// Get returns the offer with id, its history, notes and mails, or
// fault.ErrNotFound.
func (s *Store) Get(ctx context.Context, id int64) (*Detail, error) {
	d := &Detail{}
	err := scanOffer(s.pool.QueryRow(ctx, `SELECT `+offerColumns+offerFrom+` WHERE f.id = $1`, id), &d.Offer)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("offers: read offer %d: %w", id, err)
	}
	d.markOverdue(s.overdueBefore())
	rows, _ := s.pool.Query(ctx, `SELECT from_status, to_status, actor, occurred_at FROM offer_status_history WHERE offer_id = $1 ORDER BY occurred_at, id`, id)
	if d.History, err = pgx.CollectRows(rows, pgx.RowToStructByPos[StatusChange]); err != nil {
		return nil, fmt.Errorf("offers: history of %d: %w", id, err)
	}
	rows, _ = s.pool.Query(ctx, `SELECT id, author, body, created_at FROM offer_notes WHERE offer_id = $1 ORDER BY created_at, id`, id)
	if d.Notes, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Note]); err != nil {
		return nil, fmt.Errorf("offers: notes of %d: %w", id, err)
	}
	if d.Mails, err = mail.ForOffer(ctx, s.pool, id); err != nil {
		return nil, err
	}
	return d, nil
}

// ChangeStatus moves offer id to status to. version is the version the
// actor saw (0 skips the check). It returns fault.ErrNotFound, or fault.ErrConflict
// when the workflow does not allow the change from the current status or
// the offer changed meanwhile.
func (s *Store) ChangeStatus(ctx context.Context, actor audit.Actor, id int64, to string, version int) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return s.changeStatusTx(ctx, tx, actor, id, to, version)
	})
}

func (s *Store) changeStatusTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, id int64, to string, version int) error {
	var from string
	var orgID int64
	var cur int
	err := tx.QueryRow(ctx, `SELECT status, organisation_id, version FROM offers WHERE id = $1 FOR UPDATE`, id).Scan(&from, &orgID, &cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return fault.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("offers: lock offer %d: %w", id, err)
	}
	if !CanMove(from, to) || (version != 0 && version != cur) {
		return fmt.Errorf("offers: offer %d: %s → %s: %w", id, from, to, fault.ErrConflict)
	}
	if _, err := tx.Exec(ctx, `
		UPDATE offers SET status = $2, version = version + 1, updated_at = now(),
			first_response_at = COALESCE(first_response_at, now()),
			closed_at = CASE WHEN $2 = 'closed' THEN now() ELSE closed_at END
		WHERE id = $1`, id, to); err != nil {
		return fmt.Errorf("offers: update status of %d: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO offer_status_history (offer_id, from_status, to_status, actor_user_id, actor) VALUES ($1, $2, $3, NULLIF($4, 0), $5)`,
		id, from, to, actor.UserID, actorLabel(actor)); err != nil {
		return fmt.Errorf("offers: status history of %d: %w", id, err)
	}
	if err := s.notifyDonorTx(ctx, tx, id, to); err != nil {
		return err
	}
	return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.status", EntityType: "offer", EntityID: id, OrganisationID: orgID,
		Details: map[string]any{"from": from, "to": to}})
}

// MarkSpam moves every offer of ids that may become spam to spam, in one
// transaction, and returns how many moved; the others are left as they are.
func (s *Store) MarkSpam(ctx context.Context, actor audit.Actor, ids []int64) (int, error) {
	n := 0
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		n = 0
		for _, id := range ids {
			err := s.changeStatusTx(ctx, tx, actor, id, StatusSpam, 0)
			switch {
			case err == nil:
				n++
			case errors.Is(err, fault.ErrConflict), errors.Is(err, fault.ErrNotFound):
			default:
				return err
			}
		}
		return nil
	})
	return n, err
}

// AddNote adds an internal note to offer id. It returns an
// Invalid error for an empty or over-long note and fault.ErrNotFound.
func (s *Store) AddNote(ctx context.Context, actor audit.Actor, id int64, body string) error {
	body = strings.TrimSpace(body)
	var v fault.Fields
	switch {
	case body == "":
		v.Add("body", "offers.error.required")
	case len([]rune(body)) > 5000:
		v.Add("body", "offers.error.too_long")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var orgID int64
		err := tx.QueryRow(ctx, `SELECT organisation_id FROM offers WHERE id = $1`, id).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("offers: read offer %d: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO offer_notes (offer_id, author_user_id, author, body) VALUES ($1, NULLIF($2, 0), $3, $4)`,
			id, actor.UserID, actorLabel(actor), body); err != nil {
			return fmt.Errorf("offers: add note to %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.note", EntityType: "offer", EntityID: id, OrganisationID: orgID})
	})
}

// Assign gives offer id to the staff member userID (0 to unassign).
func (s *Store) Assign(ctx context.Context, actor audit.Actor, id, userID int64) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var orgID int64
		err := tx.QueryRow(ctx, `UPDATE offers SET assigned_user_id = NULLIF($2, 0), updated_at = now(), version = version + 1
			WHERE id = $1 RETURNING organisation_id`, id, userID).Scan(&orgID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("offers: assign %d: %w", id, err)
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.assign", EntityType: "offer", EntityID: id, OrganisationID: orgID,
			Details: map[string]any{"user_id": userID}})
	})
}

// RecordExport audits an export of n offers selected by f: personal data
// leaving the platform is traced like a change. The entry says how many
// rows left and which filters chose them, never their values: the words
// searched for are often a donor's name or address.
func (s *Store) RecordExport(ctx context.Context, actor audit.Actor, f Filter, n int) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.export", EntityType: "offer",
			Details: map[string]any{"rows": n, "filters": f.used()}})
	})
}

// used names the filters f applies, in a fixed order.
func (f Filter) used() []string {
	out := []string{}
	for _, u := range []struct {
		name string
		on   bool
	}{
		{"status", f.Status != ""}, {"organisation", f.OrganisationSlug != "" || f.OrganisationID != 0},
		{"kind", f.Kind != ""}, {"from", !f.From.IsZero()}, {"to", !f.To.IsZero()},
		{"query", f.Query != ""}, {"overdue", f.Overdue},
	} {
		if u.on {
			out = append(out, u.name)
		}
	}
	return out
}
