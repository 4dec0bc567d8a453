package directory

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

func officeError(err error) error {
	if c, ok := postgres.UniqueViolation(err); ok && c == "offices_one_headquarters_idx" {
		return fault.InvalidField("kind", "manage.err.the_organisation_already_has_a_headquarters")
	}
	return err
}

// AddOffice adds f to organisation orgID and sets f.ID. It returns an
// Invalid error for bad input and fault.ErrNotFound for an unknown
// organisation.
func (s *Store) AddOffice(ctx context.Context, actor audit.Actor, orgID int64, f *Office) error {
	return s.addChild(ctx, actor, orgID, officeChild, f, map[string]any{"name": f.Name, "city": f.City}, func(tx pgx.Tx, e *audit.Entry) error {
		var err error
		if f.Position, err = nextPosition(ctx, tx, officeChild, orgID); err != nil {
			return err
		}
		if err := insertOffice(ctx, tx, orgID, f); err != nil {
			return officeError(err)
		}
		f.Version, e.EntityID = 1, f.ID
		return nil
	})
}

// UpdateOffice saves f (by f.ID, guarded by f.Version) in organisation
// orgID. It returns an Invalid error, fault.ErrNotFound when the office is not
// orgID's, or fault.ErrConflict when someone saved it meanwhile.
func (s *Store) UpdateOffice(ctx context.Context, actor audit.Actor, orgID int64, f *Office) error {
	details := map[string]any{"name": f.Name, "city": f.City}
	return s.updateChild(ctx, actor, orgID, officeChild, f.ID, &f.Version, f, details, func(tx pgx.Tx, e *audit.Entry) error {
		return saveOffice(ctx, tx, e, orgID, f)
	})
}

// saveOffice is UpdateOffice's statements inside tx (an import's update
// runs them too), recording the changed columns in e.
func saveOffice(ctx context.Context, tx pgx.Tx, e *audit.Entry, orgID int64, f *Office) error {
	err := auditedUpdate(ctx, tx, e, "offices", orgID, f.ID, `
		UPDATE offices SET name = $4, kind = $5, address = $6, postal_code = $7, city = $8, country_code = $9,
			latitude = $10, longitude = $11, opened_year = NULLIF($12, 0), email = $13, phone = $14,
			version = version + 1, updated_at = now()
		WHERE id = $1 AND organisation_id = $2 AND version = $3`,
		f.ID, orgID, f.Version, f.Name, f.Kind, f.Address, f.PostalCode, f.City, f.Country, f.Latitude, f.Longitude,
		f.OpenedYear, f.Email, f.Phone)
	if err != nil {
		return officeError(err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM office_countries WHERE office_id = $1`, f.ID); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO office_countries (office_id, country_code) SELECT DISTINCT $1::bigint, unnest($2::text[])`, f.ID, f.Covers)
	return err
}

// DeleteOffice removes office id (at version) from organisation orgID;
// its members, projects and contacts stay, without an office. It returns
// fault.ErrNotFound or fault.ErrConflict like UpdateOffice.
func (s *Store) DeleteOffice(ctx context.Context, actor audit.Actor, orgID, id int64, version int) error {
	return s.deleteChild(ctx, actor, orgID, officeChild, id, version, nil)
}
