package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// officeFKError turns a reference to another organisation's office (or
// project, or contact) into a field error.
func officeFKError(err error, field string) error {
	if _, ok := postgres.ForeignKeyViolation(err); ok {
		return fault.InvalidField(field, "manage.err.choose_one_of_this_organisation's")
	}
	return err
}

// AddMember adds m to organisation orgID's team, last, and sets m.ID. It
// returns an Invalid error (also when m.OfficeID is another
// organisation's office) and fault.ErrNotFound for an unknown organisation.
func (s *Store) AddMember(ctx context.Context, actor audit.Actor, orgID int64, m *Member) error {
	details := map[string]any{"full_name": m.FullName, "public": m.Public}
	return s.addChild(ctx, actor, orgID, memberChild, m, details, func(tx pgx.Tx, e *audit.Entry) error {
		var err error
		if m.Position, err = nextPosition(ctx, tx, memberChild, orgID); err != nil {
			return err
		}
		if _, err := insertMember(ctx, tx, orgID, m); err != nil {
			return officeFKError(err, "office")
		}
		m.Version, e.EntityID = 1, m.ID
		return nil
	})
}

// UpdateMember saves m (by m.ID, guarded by m.Version); its position is
// unchanged. Errors as UpdateOffice.
func (s *Store) UpdateMember(ctx context.Context, actor audit.Actor, orgID int64, m *Member) error {
	details := map[string]any{"full_name": m.FullName, "public": m.Public}
	return s.updateChild(ctx, actor, orgID, memberChild, m.ID, &m.Version, m, details, func(tx pgx.Tx, e *audit.Entry) error {
		return saveMember(ctx, tx, e, orgID, m)
	})
}

// saveMember is UpdateMember's statement inside tx (an import's update
// runs it too), recording the changed columns in e.
func saveMember(ctx context.Context, tx pgx.Tx, e *audit.Entry, orgID int64, m *Member) error {
	err := auditedUpdate(ctx, tx, e, "team_members", orgID, m.ID, `
		UPDATE team_members SET office_id = NULLIF($4, 0), full_name = $5, role_title = $6, responsibilities = $7, bio = $8,
			joined_year = NULLIF($9, 0), email = $10, visibility = $11, version = version + 1, updated_at = now()
		WHERE id = $1 AND organisation_id = $2 AND version = $3`,
		m.ID, orgID, m.Version, m.OfficeID, m.FullName, m.RoleTitle, m.Responsibilities, m.Bio, m.JoinedYear, m.Email, visibility(m.Public))
	return officeFKError(err, "office")
}

// DeleteMember removes member id (at version). Errors as UpdateOffice.
func (s *Store) DeleteMember(ctx context.Context, actor audit.Actor, orgID, id int64, version int) error {
	return s.deleteChild(ctx, actor, orgID, memberChild, id, version, nil)
}

// MoveMember moves member id one place up (earlier) or down in the team's
// order. It returns fault.ErrNotFound when the member is not orgID's; moving the
// first member up or the last down changes nothing.
func (s *Store) MoveMember(ctx context.Context, actor audit.Actor, orgID, id int64, up bool) error {
	err := s.childWrite(ctx, actor, orgID, audit.Entry{Action: "member.move", EntityType: "team_member", EntityID: id,
		Details: map[string]any{"up": up}}, func(tx pgx.Tx, e *audit.Entry) error {
		rows, _ := tx.Query(ctx, `SELECT id FROM team_members WHERE organisation_id = $1 ORDER BY position, id`, orgID)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		i := -1
		for k, v := range ids {
			if v == id {
				i = k
			}
		}
		if i < 0 {
			return fault.ErrNotFound
		}
		j := i + 1
		if up {
			j = i - 1
		}
		if j >= 0 && j < len(ids) {
			ids[i], ids[j] = ids[j], ids[i]
		}
		// Positions are renumbered 1..n, which also repairs ties.
		_, err = tx.Exec(ctx, `
			UPDATE team_members t SET position = o.n, version = version + 1, updated_at = now()
			FROM unnest($2::bigint[]) WITH ORDINALITY AS o(id, n)
			WHERE t.id = o.id AND t.organisation_id = $1 AND t.position IS DISTINCT FROM o.n`, orgID, ids)
		return err
	})
	if err != nil {
		return fmt.Errorf("directory: move member %d: %w", id, err)
	}
	return nil
}
