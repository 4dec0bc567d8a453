package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// AddContact adds contact point cp to organisation orgID and sets cp.ID;
// with cp.Default it becomes the default contact. Errors as AddOffice.
func (s *Store) AddContact(ctx context.Context, actor audit.Actor, orgID int64, cp *ContactPoint) error {
	details := map[string]any{"name": cp.Name, "email": cp.Email}
	return s.addChild(ctx, actor, orgID, contactChild, cp, details, func(tx pgx.Tx, e *audit.Entry) error {
		if err := insertContact(ctx, tx, orgID, cp); err != nil {
			return err
		}
		e.EntityID = cp.ID
		return nil
	})
}

// insertContact is AddContact's statements inside tx (an import's update
// runs them too).
func insertContact(ctx context.Context, tx pgx.Tx, orgID int64, cp *ContactPoint) error {
	err := tx.QueryRow(ctx, `
		INSERT INTO contact_points (organisation_id, name, email, role_code, office_id, visibility)
		VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6) RETURNING id, version`,
		orgID, cp.Name, cp.Email, cp.RoleCode, cp.OfficeID, visibility(cp.Public)).Scan(&cp.ID, &cp.Version)
	if err != nil {
		return officeFKError(err, "office")
	}
	return setDefault(ctx, tx, orgID, cp)
}

func setDefault(ctx context.Context, tx pgx.Tx, orgID int64, cp *ContactPoint) error {
	if !cp.Default {
		return nil
	}
	// An organisation an import published to triage has its own
	// recipient from now on (migration 00026).
	_, err := tx.Exec(ctx, `UPDATE organisations SET default_contact_id = $2, offers_to_triage = false WHERE id = $1`, orgID, cp.ID)
	return err
}

// UpdateContact saves cp (by cp.ID, guarded by cp.Version); with
// cp.Default it becomes the default contact (the default is changed by
// choosing another one, never by unsetting it). Errors as UpdateOffice.
func (s *Store) UpdateContact(ctx context.Context, actor audit.Actor, orgID int64, cp *ContactPoint) error {
	details := map[string]any{"name": cp.Name, "email": cp.Email, "default": cp.Default}
	return s.updateChild(ctx, actor, orgID, contactChild, cp.ID, &cp.Version, cp, details, func(tx pgx.Tx, e *audit.Entry) error {
		return saveContact(ctx, tx, e, orgID, cp)
	})
}

// saveContact is UpdateContact's statements inside tx (an import's update
// runs them too), recording the changed columns in e.
func saveContact(ctx context.Context, tx pgx.Tx, e *audit.Entry, orgID int64, cp *ContactPoint) error {
	err := auditedUpdate(ctx, tx, e, "contact_points", orgID, cp.ID, `
		UPDATE contact_points SET name = $4, email = $5, role_code = $6, office_id = NULLIF($7, 0), visibility = $8,
			version = version + 1, updated_at = now()
		WHERE id = $1 AND organisation_id = $2 AND version = $3`,
		cp.ID, orgID, cp.Version, cp.Name, cp.Email, cp.RoleCode, cp.OfficeID, visibility(cp.Public))
	if err != nil {
		return officeFKError(err, "office")
	}
	return setDefault(ctx, tx, orgID, cp)
}

// DeleteContact removes contact point id (at version) and the rules that
// route to it. The default contact cannot be removed: another must be made
// the default first (an Invalid error). Errors as UpdateOffice.
func (s *Store) DeleteContact(ctx context.Context, actor audit.Actor, orgID, id int64, version int) error {
	return s.deleteChild(ctx, actor, orgID, contactChild, id, version, func(tx pgx.Tx) error {
		var isDefault bool
		if err := tx.QueryRow(ctx, `SELECT COALESCE(default_contact_id = $2, false) FROM organisations WHERE id = $1`, orgID, id).Scan(&isDefault); err != nil {
			return err
		}
		if isDefault {
			return fault.InvalidField("contact", "manage.err.this_is_the_default_contact:_make_another_contact_the_default_first")
		}
		return nil
	})
}

// AddRule adds routing rule r to organisation orgID and sets r.ID. It
// returns an Invalid error for an unknown kind, for an office, project or
// contact that is not orgID's, or when the same rule exists.
func (s *Store) AddRule(ctx context.Context, actor audit.Actor, orgID int64, r *Rule) error {
	if !r.SupportKind.Valid() {
		return fault.InvalidField("support_kind", "manage.err.choose_a_kind_of_support")
	}
	if r.OfficeID != 0 && r.ProjectID != 0 {
		return fault.InvalidField("scope", "manage.err.choose_an_office_or_a_project,_not_both")
	}
	if r.ContactPointID == 0 {
		return fault.InvalidField("contact_point", "manage.err.choose_a_contact")
	}
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: "rule.create", EntityType: "routing_rule",
		Details: map[string]any{"support_kind": r.SupportKind, "office_id": r.OfficeID, "project_id": r.ProjectID,
			"contact_point_id": r.ContactPointID}}, func(tx pgx.Tx, e *audit.Entry) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO routing_rules (organisation_id, support_kind, office_id, project_id, contact_point_id)
			VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), $5) RETURNING id`,
			orgID, r.SupportKind, r.OfficeID, r.ProjectID, r.ContactPointID).Scan(&r.ID)
		if _, ok := postgres.UniqueViolation(err); ok {
			return fault.InvalidField("support_kind", "manage.err.a_rule_for_this_kind_and_scope_already_exists")
		}
		if err != nil {
			return officeFKError(err, "contact_point")
		}
		e.EntityID = r.ID
		return nil
	})
	if err != nil {
		return fmt.Errorf("directory: add rule to %d: %w", orgID, err)
	}
	return nil
}

// DeleteRule removes routing rule id of organisation orgID. It returns
// fault.ErrNotFound when the rule is not orgID's.
func (s *Store) DeleteRule(ctx context.Context, actor audit.Actor, orgID, id int64) error {
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: "rule.delete", EntityType: "routing_rule", EntityID: id},
		func(tx pgx.Tx, e *audit.Entry) error {
			tag, err := tx.Exec(ctx, `DELETE FROM routing_rules WHERE id = $1 AND organisation_id = $2`, id, orgID)
			if err == nil && tag.RowsAffected() == 0 {
				return fault.ErrNotFound
			}
			return err
		})
	if err != nil {
		return fmt.Errorf("directory: delete rule %d: %w", id, err)
	}
	return nil
}
