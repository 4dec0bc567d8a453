package offers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Confirmation is what the confirmation page may show to whoever holds the
// link: no personal data, only the reference and where it went.
type Confirmation struct {
	Reference        string
	OrganisationSlug string
	OrganisationName string
	DonorLang        string
}

// Confirmation returns the confirmation of the offer with reference made
// to the organisation with slug, or fault.ErrNotFound.
func (s *Store) Confirmation(ctx context.Context, slug, reference string) (*Confirmation, error) {
	c := &Confirmation{}
	err := s.pool.QueryRow(ctx, `
		SELECT f.reference, o.slug, o.name, f.donor_lang
		FROM offers f JOIN organisations o ON o.id = f.organisation_id
		WHERE f.reference = $1 AND o.slug = $2`, reference, slug).
		Scan(&c.Reference, &c.OrganisationSlug, &c.OrganisationName, &c.DonorLang)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("offers: confirmation %s: %w", reference, err)
	}
	return c, nil
}
