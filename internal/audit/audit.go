// Package audit owns the audit log: an append-only record of who changed
// what and when, written in the same transaction as the change itself.
package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
