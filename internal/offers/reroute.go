package offers

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Reroute sends offer id to another contact point of its organisation:
// the routing decision is replaced (basis "manual", with who did it) and
// the offer's mail is queued again to the new contact, in one
// transaction. It returns fault.ErrNotFound for an unknown offer, a
// Invalid error when the contact is not the organisation's, and
// fault.ErrConflict for an anonymised offer.
func (s *Store) Reroute(ctx context.Context, actor audit.Actor, id, contactPointID int64) error {
	return postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			om           mail.OfferMail
			orgID        int64
			anonymised   bool
			previousTo   string
			contact      mail.Address
			projectTitle string
			officeName   string
		)
		err := tx.QueryRow(ctx, `
			SELECT f.reference, f.organisation_id, o.name, f.support_kind, COALESCE(p.title, ''), COALESCE(ofc.name || ', ' || ofc.city, ''),
				f.message, f.donor_name, f.donor_email, f.donor_phone, f.donor_company, f.donor_lang,
				f.anonymised_at IS NOT NULL, f.routed_to_email
			FROM offers f JOIN organisations o ON o.id = f.organisation_id
			LEFT JOIN projects p ON p.id = f.project_id LEFT JOIN offices ofc ON ofc.id = f.office_id
			WHERE f.id = $1 FOR UPDATE OF f`, id).
			Scan(&om.Reference, &orgID, &om.OrganisationName, &om.Kind, &projectTitle, &officeName,
				&om.Message, &om.DonorName, &om.DonorEmail, &om.DonorPhone, &om.DonorCompany, &om.DonorLang,
				&anonymised, &previousTo)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("offers: reroute %d: %w", id, err)
		}
		if anonymised {
			return fmt.Errorf("offers: reroute %d: anonymised: %w", id, fault.ErrConflict)
		}
		err = tx.QueryRow(ctx, `SELECT name, email FROM contact_points WHERE id = $1 AND organisation_id = $2`,
			contactPointID, orgID).Scan(&contact.Name, &contact.Email)
		if errors.Is(err, pgx.ErrNoRows) {
			return fault.InvalidField("contact", "offers.error.invalid")
		}
		if err != nil {
			return fmt.Errorf("offers: reroute %d: contact: %w", id, err)
		}
		if _, err := tx.Exec(ctx, `
			UPDATE offers SET routing_basis = 'manual', routing_scope = '', rerouted_by = $2, rerouted_from = $6,
				routing_rule_id = NULL, contact_point_id = $3,
				routed_to_name = $4, routed_to_email = $5, updated_at = now(), version = version + 1
			WHERE id = $1`, id, actorLabel(actor), contactPointID, contact.Name, contact.Email, previousTo); err != nil {
			return fmt.Errorf("offers: reroute %d: %w", id, err)
		}
		om.OfferID, om.Contact, om.ProjectTitle, om.OfficeName = id, contact, projectTitle, officeName
		om.OfferURL = fmt.Sprintf("%s/manage/offers/%d", s.baseURL, id)
		if _, err := s.outbox.ComposeTx(ctx, tx, om.ContactMail()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.reroute", EntityType: "offer", EntityID: id, OrganisationID: orgID,
			Details: map[string]any{"from": previousTo, "to": contact.Email}})
	})
}
