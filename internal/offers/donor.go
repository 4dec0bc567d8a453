package offers

import (
	"context"
	"encoding/json"
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
	// Other holds the other packages' parts (DonorData), by name; each is
	// a top-level key of the JSON beside "offers".
	Other map[string]any `json:"-"`
}

// MarshalJSON writes the export with its other parts beside the offers.
func (x DonorExport) MarshalJSON() ([]byte, error) {
	type plain DonorExport
	b, err := json.Marshal(plain(x))
	if err != nil || len(x.Other) == 0 {
		return b, err
	}
	all := map[string]any{}
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, v := range x.Other {
		all[k] = v
	}
	return json.Marshal(all)
}

// DonorData is what another package keeps about an email address (a
// newsletter subscription), so that a donor's export shows it and their
// erasure removes it. Register it with AddDonorData while wiring the
// program.
type DonorData struct {
	// Name is its key in the export and in the erasure's counts.
	Name string
	// Export reads what is held about email; nil when nothing.
	Export func(ctx context.Context, email string) (any, error)
	// Erase removes it in the erasure's transaction and returns how many
	// records went.
	Erase func(ctx context.Context, tx pgx.Tx, email string) (int, error)
}

// AddDonorData adds d to every donor export and erasure.
func (s *Store) AddDonorData(d DonorData) { s.donorData = append(s.donorData, d) }

// DonorErasure counts what an erasure removed: the offers anonymised and
// each other part's records (by DonorData name).
type DonorErasure struct {
	Offers int
	Other  map[string]int
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
// its notes and mails, and the other parts (DonorData) held about it, and
// audits the export with the counts only.
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
	details := map[string]any{"offers": len(ids)}
	for _, d := range s.donorData {
		v, err := d.Export(ctx, email)
		if err != nil {
			return nil, err
		}
		if v != nil {
			if out.Other == nil {
				out.Other = map[string]any{}
			}
			out.Other[d.Name] = v
		}
		details[d.Name] = v != nil
	}
	err = postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.donor_export", EntityType: "offer", Details: details})
	})
	return out, err
}

// EraseDonor anonymises every offer made with email, as the retention
// does, and erases the other parts (DonorData) held about it, in one
// transaction, and returns the counts. The audit entry says how many,
// never whose.
func (s *Store) EraseDonor(ctx context.Context, actor audit.Actor, email string) (DonorErasure, error) {
	email = strings.TrimSpace(email)
	var out DonorErasure
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		out = DonorErasure{Other: map[string]int{}}
		ids, err := s.donorOfferIDs(ctx, tx, email)
		if err != nil {
			return err
		}
		out.Offers = len(ids)
		if len(ids) > 0 {
			if _, err := tx.Exec(ctx, `
				UPDATE offers SET donor_name = '', donor_email = '', donor_phone = '', donor_company = '',
					message = '', ip_hash = '', anonymised_at = now(), updated_at = now(), version = version + 1
				WHERE id = ANY($1)`, ids); err != nil {
				return fmt.Errorf("offers: erase donor: %w", err)
			}
			if err := scrubTx(ctx, tx, ids); err != nil {
				return err
			}
		}
		details := map[string]any{"offers": out.Offers}
		total := out.Offers
		for _, d := range s.donorData {
			n, err := d.Erase(ctx, tx, email)
			if err != nil {
				return err
			}
			out.Other[d.Name], details[d.Name] = n, n
			total += n
		}
		if total == 0 {
			return nil
		}
		return audit.Record(ctx, tx, actor, audit.Entry{Action: "offer.donor_erase", EntityType: "offer", Details: details})
	})
	return out, err
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
