// Package audit owns the audit log: an append-only record of who changed
// what and when, written in the same transaction as the change itself.
// Entries are never removed; only what identifies a person leaves them,
// once they are older than the personal-data retention (Anonymise) or
// when that person's account is erased.
package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Actor is who performs a change.
type Actor struct {
	// UserID is the signed-in user, 0 for the system or an anonymous visitor.
	UserID int64
	// Label names the actor for people reading the log: an email, "cli",
	// "seed", "donor".
	Label string
	// RequestID ties the entry to the request's log lines.
	RequestID string
	// Role is the platform role (staff, admin) of the user acting, "" for
	// anyone else: an organisation's History shows what staff changed as
	// done by the platform team, not by a named person.
	Role string
}

// System is the actor for changes made by the platform itself.
func System(label string) Actor { return Actor{Label: label} }

// Entry is one audited change.
type Entry struct {
	Action         string // domain.verb, e.g. "organisation.update"
	EntityType     string
	EntityID       int64
	OrganisationID int64
	// Details says what changed; it is stored as JSON.
	Details any
}

// Record appends e by actor to the log inside tx.
func Record(ctx context.Context, tx pgx.Tx, actor Actor, e Entry) error {
	details := e.Details
	if details == nil {
		details = map[string]any{}
	}
	label := actor.Label
	if label == "" {
		label = "system"
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (actor_user_id, actor, action, entity_type, entity_id, organisation_id, details, request_id, actor_role)
		VALUES (NULLIF($1, 0), $2, $3, $4, NULLIF($5, 0), NULLIF($6, 0), $7, $8, $9)`,
		actor.UserID, label, e.Action, e.EntityType, e.EntityID, e.OrganisationID, details, actor.RequestID, platformRole(actor.Role))
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
}

// platformRole keeps only the roles the log records (the column's check).
func platformRole(r string) string {
	if r == "staff" || r == "admin" {
		return r
	}
	return ""
}

// Change is one field's value before and after a change, as entries keep
// them under details["changes"]: Old is nil for a field that a creation
// set, New nil for one a deletion removed.
type Change struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// Event is an entry as read back.
type Event struct {
	ID             int64
	OccurredAt     time.Time
	ActorUserID    int64
	Actor          string
	Action         string
	EntityType     string
	EntityID       int64
	OrganisationID int64
	Details        map[string]any
	RequestID      string
}

// Querier runs a query: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// ForOrganisation returns the latest limit events about an organisation.
func ForOrganisation(ctx context.Context, db Querier, organisationID int64, limit int) ([]Event, error) {
	rows, _ := db.Query(ctx, `
		SELECT id, occurred_at, COALESCE(actor_user_id, 0), actor, action, entity_type, COALESCE(entity_id, 0),
			COALESCE(organisation_id, 0), details, request_id
		FROM audit_log WHERE organisation_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`, organisationID, limit)
	evs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Event])
	if err != nil {
		return nil, fmt.Errorf("audit: events of organisation %d: %w", organisationID, err)
	}
	return evs, nil
}

// AnonymousLabel replaces an actor's label that names a person once the
// entry is anonymised.
const AnonymousLabel = "anonymised"

// Execer runs a statement: a pool, a connection or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Anonymise strips what identifies a person from the entries that
// occurred before before, batch entries per statement, and returns how
// many it anonymised: the client pseudonym (ip_hash), the user agent and
// the email detail go, every address in the other details — at any depth,
// so the old and new values under "changes" too — and an actor's label
// that holds one are replaced (addressPattern, a PostgreSQL regular
// expression such as mail.AddressPattern; migration 00028's
// jsonb_replace_strings); the action, entity, ids, times
// and request id stay, so the log still says what happened when. Each
// entry is done once (anonymised_at): a second run finds nothing.
// Entries locked by a writer are left for the next run.
func Anonymise(ctx context.Context, db Execer, before time.Time, batch int, addressPattern string) (int, error) {
	total := 0
	for {
		tag, err := db.Exec(ctx, `
			WITH batch AS (
				SELECT id FROM audit_log WHERE anonymised_at IS NULL AND occurred_at < $1
				ORDER BY occurred_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
			UPDATE audit_log a SET anonymised_at = now(),
				actor = CASE WHEN a.actor ~ $3 THEN $4 ELSE a.actor END,
				details = CASE WHEN jsonb_typeof(a.details) <> 'object' THEN a.details
					ELSE jsonb_replace_strings(a.details - 'ip_hash' - 'user_agent' - 'email', $3, '[address]') END
			FROM batch WHERE a.id = batch.id`, before, batch, addressPattern, AnonymousLabel)
		if err != nil {
			return total, fmt.Errorf("audit: anonymise entries before %s: %w", before.Format(time.RFC3339), err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < batch {
			return total, nil
		}
	}
}

// Who says, for an organisation's History, who made a change, without
// naming anyone the owners should not see.
type Who string

// The kinds of author History tells apart.
const (
	// WhoUser is a user of the organisation, named by Name.
	WhoUser Who = "user"
	// WhoPlatform is staff or an admin acting on the organisation.
	WhoPlatform Who = "platform"
	// WhoImport is a bulk import.
	WhoImport Who = "import"
	// WhoSystem is the platform itself, the command line or the seed.
	WhoSystem Who = "system"
	// WhoVisitor is someone not signed in (a suggestion, a donor).
	WhoVisitor Who = "visitor"
)

// HistoryEntry is one entry of an organisation's History.
type HistoryEntry struct {
	ID         int64
	OccurredAt time.Time
	Action     string
	EntityType string
	EntityID   int64
	Who        Who
	// Name is the user's current name when Who is WhoUser ("" once the
	// account is deleted or erased).
	Name    string
	Changes map[string]Change
	Details map[string]any
}

// HistoryPage is a page of History, newest first; Next is the keyset of
// the following page (0 on the last).
type HistoryPage struct {
	Entries []HistoryEntry
	Next    int64
}

// MaxHistoryPage bounds a page of History.
const MaxHistoryPage = 100

// History returns organisationID's entries with ids below before (0: from
// the newest), newest first, at most limit (1 to MaxHistoryPage). It reads
// the acting user's current name from users, so a renamed user shows
// their name of today and an erased one none.
func History(ctx context.Context, db Querier, organisationID, before int64, limit int) (*HistoryPage, error) {
	limit = min(max(limit, 1), MaxHistoryPage)
	if before <= 0 {
		before = 1<<63 - 1
	}
	page := &HistoryPage{}
	rows, _ := db.Query(ctx, `
		SELECT a.id, a.occurred_at, a.action, a.entity_type, COALESCE(a.entity_id, 0), a.actor, a.actor_role,
			COALESCE(a.actor_user_id, 0), COALESCE(u.name, ''), a.details
		FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
		WHERE a.organisation_id = $1 AND a.id < $2 ORDER BY a.id DESC LIMIT $3`, organisationID, before, limit+1)
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (HistoryEntry, error) {
		var (
			e          HistoryEntry
			label      string
			role       string
			userID     int64
			rawDetails map[string]any
		)
		if err := r.Scan(&e.ID, &e.OccurredAt, &e.Action, &e.EntityType, &e.EntityID, &label, &role, &userID, &e.Name, &rawDetails); err != nil {
			return e, err
		}
		e.Who = whoOf(label, role, userID)
		if e.Who != WhoUser {
			e.Name = ""
		}
		e.Details, e.Changes = splitChanges(rawDetails)
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: history of organisation %d: %w", organisationID, err)
	}
	if len(entries) > limit {
		entries = entries[:limit]
		page.Next = entries[limit-1].ID
	}
	page.Entries = entries
	return page, nil
}

// whoOf classifies an entry's author from what the log keeps of them.
func whoOf(label, role string, userID int64) Who {
	switch {
	case role != "":
		return WhoPlatform
	case userID != 0:
		return WhoUser
	case strings.Contains(label, "import"):
		return WhoImport
	case label == "anonymous" || label == "donor" || label == "visitor":
		return WhoVisitor
	}
	return WhoSystem
}

// splitChanges takes details["changes"] apart from the other details.
func splitChanges(d map[string]any) (map[string]any, map[string]Change) {
	raw, _ := d["changes"].(map[string]any)
	if raw == nil {
		return d, nil
	}
	out := make(map[string]Change, len(raw))
	for k, v := range raw {
		c, _ := v.(map[string]any)
		out[k] = Change{Old: c["old"], New: c["new"]}
	}
	delete(d, "changes")
	return d, out
}
