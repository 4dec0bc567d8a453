// Package audit owns the audit log: an append-only record of who changed
// what and when, written in the same transaction as the change itself.
// Entries are never removed; only what identifies a person leaves them,
// once they are older than the personal-data retention (Anonymise) or
// when that person's account is erased.
package audit

import (
	"context"
	"fmt"
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
		INSERT INTO audit_log (actor_user_id, actor, action, entity_type, entity_id, organisation_id, details, request_id)
		VALUES (NULLIF($1, 0), $2, $3, $4, NULLIF($5, 0), NULLIF($6, 0), $7, $8)`,
		actor.UserID, label, e.Action, e.EntityType, e.EntityID, e.OrganisationID, details, actor.RequestID)
	if err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, err)
	}
	return nil
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
// the email detail go, every address in the other details and an actor's
// label that holds one are replaced (addressPattern, a PostgreSQL regular
// expression such as mail.AddressPattern); the action, entity, ids, times
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
				details = CASE WHEN jsonb_typeof(a.details) <> 'object' THEN a.details ELSE COALESCE((
					SELECT jsonb_object_agg(k, CASE WHEN jsonb_typeof(v) = 'string'
						THEN to_jsonb(regexp_replace(v #>> '{}', $3, '[address]', 'g')) ELSE v END)
					FROM jsonb_each(a.details) AS d(k, v) WHERE k NOT IN ('ip_hash', 'user_agent', 'email')), '{}') END
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
