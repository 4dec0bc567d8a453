package offers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// DonorExport is everything the platform holds about one donor's email
// address (a GDPR access request), ready to encode as JSON.
type DonorExport struct {
	Email      string        `json:"email"`
	ExportedAt time.Time     `json:"exported_at"`
	Offers     []DonorRecord `json:"offers"`
}

// DonorRecord is one offer in a donor export.
type DonorRecord struct {
	Reference      string         `json:"reference"`
	Organisation   string         `json:"organisation"`
	Kind           string         `json:"kind"`
	Project        string         `json:"project,omitempty"`
	Office         string         `json:"office,omitempty"`
	Message        string         `json:"message"`
	Name           string         `json:"name"`
	Email          string         `json:"email"`
	Phone          string         `json:"phone,omitempty"`
	Company        string         `json:"company,omitempty"`
	Language       string         `json:"language"`
	ConsentVersion string         `json:"consent_version"`
	ConsentAt      time.Time      `json:"consent_at"`
	ReceivedAt     time.Time      `json:"received_at"`
	Status         string         `json:"status"`
	RoutedTo       string         `json:"routed_to"`
	Notes          []Note         `json:"notes"`
	Mails          []DonorMailRef `json:"mails"`
}

// DonorMailRef is a mail sent about an offer, without its body.
type DonorMailRef struct {
	To     string     `json:"to"`
	Status string     `json:"status"`
	SentAt *time.Time `json:"sent_at,omitempty"`
}

// ExportDonor gathers every offer made with email (case-insensitive), with
// its notes and mails, and audits the export.
func (s *Store) ExportDonor(ctx context.Context, actor audit.Actor, email string) (*DonorExport, error) {
	email = strings.TrimSpace(email)
	out := &DonorExport{Email: email, ExportedAt: s.now().UTC(), Offers: []DonorRecord{}}
	ids, err := s.donorOfferIDs(ctx, s.pool, email)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		d, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		r := DonorRecord{Reference: d.Reference, Organisation: d.OrganisationName, Kind: string(d.Kind), Project: d.ProjectTitle,
			Office: d.OfficeName, Message: d.Message, Name: d.DonorName, Email: d.DonorEmail, Phone: d.DonorPhone,
			Company: d.DonorCompany, Language: d.DonorLang, ConsentVersion: d.ConsentVersion, ConsentAt: d.ConsentAt,
			ReceivedAt: d.CreatedAt, Status: d.Status, RoutedTo: d.RoutedToEmail, Notes: d.Notes, Mails: []DonorMailRef{}}
		if r.Notes == nil {
			r.Notes = []Note{}
		}
		for _, m := range d.Mails {
			r.Mails = append(r.Mails, DonorMailRef{To: m.To, Status: m.Status, SentAt: m.SentAt})
		}
		out.Offers = append(out.Offers, r)
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.donor_export", EntityType: "offer",
			Details: map[string]any{"offers": len(ids)}})
	})
	return out, err
}

// EraseDonor anonymises every offer made with email, as the retention
// does, and returns how many were anonymised.
func (s *Store) EraseDonor(ctx context.Context, actor audit.Actor, email string) (int, error) {
	email = strings.TrimSpace(email)
	var n int
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		ids, err := s.donorOfferIDs(ctx, tx, email)
		if err != nil || len(ids) == 0 {
			n = 0
			return err
		}
		n = len(ids)
		if _, err := tx.Exec(ctx, `
			UPDATE offers SET donor_name = '', donor_email = '', donor_phone = '', donor_company = '',
				message = '', ip_hash = '', anonymised_at = now(), updated_at = now(), version = version + 1
			WHERE id = ANY($1)`, ids); err != nil {
			return fmt.Errorf("offers: erase donor: %w", err)
		}
		if err := scrubTx(ctx, tx, ids); err != nil {
			return err
		}
		// The audit entry says how many, never whose.
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.donor_erase", EntityType: "offer",
			Details: map[string]any{"offers": n}})
	})
	return n, err
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Store) donorOfferIDs(ctx context.Context, db querier, email string) ([]int64, error) {
	if email == "" {
		return nil, nil
	}
	rows, _ := db.Query(ctx, `SELECT id FROM offers WHERE lower(donor_email) = lower($1) ORDER BY created_at, id`, email)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("offers: offers of a donor: %w", err)
	}
	return ids, nil
}
