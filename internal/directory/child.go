package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
)

// child names one kind of row an organisation owns and edits in place:
// the word in its audit actions and errors, its audit entity type and its
// table. The add, update and delete paths of every kind are the same
// transaction around different SQL.
type child struct {
	noun   string
	entity string
	table  string
}

var (
	officeChild  = child{noun: "office", entity: "office", table: "offices"}
	memberChild  = child{noun: "member", entity: "team_member", table: "team_members"}
	projectChild = child{noun: "project", entity: "project", table: "projects"}
	contactChild = child{noun: "contact", entity: "contact_point", table: "contact_points"}
)

// addChild validates the new row v, then runs fn (which inserts it and sets
// e.EntityID) in childWrite under the action "<noun>.create".
func (s *Store) addChild(ctx context.Context, actor audit.Actor, orgID int64, c child, v interface{ Validate() error },
	details map[string]any, fn func(tx pgx.Tx, e *audit.Entry) error) error {
	if err := v.Validate(); err != nil {
		return err
	}
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: c.noun + ".create", EntityType: c.entity, Details: details},
		func(tx pgx.Tx, e *audit.Entry) error {
			if err := fn(tx, e); err != nil {
				return err
			}
			after, err := snapshot(ctx, tx, c.table, orgID, e.EntityID)
			if err != nil {
				return err
			}
			e.Details = changeDetails(details, rowChanges(nil, after))
			return nil
		})
	if err != nil {
		return fmt.Errorf("directory: add %s to %d: %w", c.noun, orgID, err)
	}
	return nil
}

// updateChild validates row v (id, read at *version), runs fn (which saves
// it) in childWrite under the action "<noun>.update", and on success moves
// *version on to the saved one.
func (s *Store) updateChild(ctx context.Context, actor audit.Actor, orgID int64, c child, id int64, version *int,
	v interface{ Validate() error }, details map[string]any, fn func(tx pgx.Tx, e *audit.Entry) error) error {
	if err := v.Validate(); err != nil {
		return err
	}
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: c.noun + ".update", EntityType: c.entity, EntityID: id,
		Details: details}, func(tx pgx.Tx, e *audit.Entry) error {
		// The organisation's row is locked (childWrite): no other writer
		// of its children runs between the two snapshots.
		before, err := snapshot(ctx, tx, c.table, orgID, id)
		if err != nil {
			return err
		}
		if err := fn(tx, e); err != nil {
			return err
		}
		after, err := snapshot(ctx, tx, c.table, orgID, id)
		if err != nil {
			return err
		}
		e.Details = changeDetails(details, rowChanges(before, after))
		return nil
	})
	if err != nil {
		return fmt.Errorf("directory: update %s %d: %w", c.noun, id, err)
	}
	*version++
	return nil
}

// deleteChild removes row id of orgID at version, under the action
// "<noun>.delete", after check (when not nil) allows it. It returns
// fault.ErrNotFound when the row is not orgID's and fault.ErrConflict when
// someone saved it meanwhile.
func (s *Store) deleteChild(ctx context.Context, actor audit.Actor, orgID int64, c child, id int64, version int,
	check func(tx pgx.Tx) error) error {
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: c.noun + ".delete", EntityType: c.entity, EntityID: id},
		func(tx pgx.Tx, e *audit.Entry) error {
			if check != nil {
				if err := check(tx); err != nil {
					return err
				}
			}
			before, err := snapshot(ctx, tx, c.table, orgID, id)
			if err != nil {
				return err
			}
			if err := guarded(ctx, tx, c.table, orgID, id,
				`DELETE FROM `+c.table+` WHERE id = $1 AND organisation_id = $2 AND version = $3`, id, orgID, version); err != nil {
				return err
			}
			e.Details = changeDetails(nil, rowChanges(before, nil))
			return nil
		})
	if err != nil {
		return fmt.Errorf("directory: delete %s %d: %w", c.noun, id, err)
	}
	return nil
}

// nextPosition reads the position after the last of orgID's rows in c's
// table, where a new row goes.
func nextPosition(ctx context.Context, tx pgx.Tx, c child, orgID int64) (int, error) {
	var pos int
	err := tx.QueryRow(ctx, `SELECT COALESCE(max(position), 0) + 1 FROM `+c.table+` WHERE organisation_id = $1`, orgID).Scan(&pos)
	return pos, err
}
