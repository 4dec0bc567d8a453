package offers

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
)

// The donor's status link. Its token is "<offer id>.<MAC>", the MAC an
// HMAC-SHA256 of the offer id under a key derived from the offers'
// secret (itself derived from the first session key, the same on every
// instance). Signed rather than stored hashed: nothing to store or to
// purge, the link can be written again into every status mail, and an
// offer's link dies with its personal data because the page answers only
// for an offer not anonymised. Without the key nobody can make a token
// for another offer; the id in clear tells nothing the reference does not.
// A new session key makes the links already mailed stop working (404),
// which is the price of keeping nothing.

// Donor-facing statuses: what the status page and its mails say. New,
// in review and spam all read "received": the donor is never told that
// their offer was taken for spam, nor who is reading it.
const (
	DonorReceived  = "received"
	DonorForwarded = StatusForwarded
	DonorAccepted  = StatusAccepted
	DonorDeclined  = StatusDeclined
	DonorClosed    = StatusClosed
)

// maxStatusToken bounds what is even looked at.
const maxStatusToken = 100

// donorStatusOf is the donor's word for the workflow's status.
func donorStatusOf(status string) string {
	switch status {
	case StatusForwarded, StatusAccepted, StatusDeclined, StatusClosed:
		return status
	}
	return DonorReceived
}

// notifiesDonor says which statuses the donor hears of by mail.
func notifiesDonor(status string) bool {
	return status == StatusForwarded || status == StatusAccepted || status == StatusDeclined
}

func statusKey(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("partnerdir offer status link key"))
	return m.Sum(nil)
}

func (s *Store) statusMAC(id int64) []byte {
	m := hmac.New(sha256.New, s.statusKey)
	m.Write([]byte("offer-status:" + strconv.FormatInt(id, 10)))
	return m.Sum(nil)
}

// StatusToken is the token of offer id's status link.
func (s *Store) StatusToken(id int64) string {
	return strconv.FormatInt(id, 10) + "." + base64.RawURLEncoding.EncodeToString(s.statusMAC(id))
}

// StatusURL is the donor's private link to offer id's status page.
func (s *Store) StatusURL(id int64) string {
	return s.baseURL + "/offers/status?token=" + url.QueryEscape(s.StatusToken(id))
}

// statusTokenID returns the offer id token was made for, if its MAC is
// genuine.
func (s *Store) statusTokenID(token string) (int64, bool) {
	if len(token) > maxStatusToken {
		return 0, false
	}
	idText, macText, ok := strings.Cut(token, ".")
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != idText {
		return 0, false
	}
	mac, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil || !hmac.Equal(mac, s.statusMAC(id)) {
		return 0, false
	}
	return id, true
}

// DonorStatus is what the holder of an offer's status link may see: no
// personal data, no internal notes, assignee or routing rule — the
// reference, the organisation, the kind, when it arrived and where it
// stands.
type DonorStatus struct {
	Reference        string
	OrganisationSlug string
	OrganisationName string
	Kind             directory.SupportKind
	ReceivedAt       time.Time
	// Status is one of the Donor… statuses.
	Status string
	// ForwardedTo is the name of the organisation's contact the offer
	// was routed to; "" when the platform's team follows it up.
	ForwardedTo string
	// Steps are the milestones the donor hears of, oldest first,
	// beginning with the arrival.
	Steps []DonorStep
}

// DonorStep is one milestone of an offer as its donor sees it.
type DonorStep struct {
	Status string
	At     time.Time
}

// StatusOf returns the status of the offer whose status link carries
// token. A tampered or unknown token and an anonymised (purged or erased)
// offer are all the same fault.ErrNotFound: the answer never tells
// whether an offer exists.
func (s *Store) StatusOf(ctx context.Context, token string) (*DonorStatus, error) {
	id, ok := s.statusTokenID(token)
	if !ok {
		return nil, fault.ErrNotFound
	}
	d := &DonorStatus{}
	var status, basis, routedTo string
	err := s.pool.QueryRow(ctx, `
		SELECT f.reference, o.slug, o.name, f.support_kind, f.created_at, f.status, f.routing_basis, f.routed_to_name
		FROM offers f JOIN organisations o ON o.id = f.organisation_id
		WHERE f.id = $1 AND f.anonymised_at IS NULL`, id).
		Scan(&d.Reference, &d.OrganisationSlug, &d.OrganisationName, &d.Kind, &d.ReceivedAt, &status, &basis, &routedTo)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("offers: status of %d: %w", id, err)
	}
	d.Status = donorStatusOf(status)
	d.ForwardedTo = forwardedTo(basis, routedTo)
	d.Steps = []DonorStep{{Status: DonorReceived, At: d.ReceivedAt}}
	rows, _ := s.pool.Query(ctx, `
		SELECT to_status, occurred_at FROM offer_status_history
		WHERE offer_id = $1 AND to_status IN ('forwarded', 'accepted', 'declined', 'closed')
		ORDER BY occurred_at, id`, id)
	steps, err := pgx.CollectRows(rows, pgx.RowToStructByPos[DonorStep])
	if err != nil {
		return nil, fmt.Errorf("offers: status history of %d: %w", id, err)
	}
	d.Steps = append(d.Steps, steps...)
	return d, nil
}

// forwardedTo is the contact's name a donor may see: the name the
// organisation gave its contact point (a person or a service), never the
// address; the triage mailbox is "the platform's team" ("").
func forwardedTo(basis, routedToName string) string {
	if basis == BasisTriage {
		return ""
	}
	return routedToName
}

// notifyDonorTx composes, in the status change's transaction, the mail
// telling the donor of offer id its new status to, once per status (the
// outbox's idempotency key). An anonymised offer has no one to tell.
func (s *Store) notifyDonorTx(ctx context.Context, tx pgx.Tx, id int64, to string) error {
	if !notifiesDonor(to) {
		return nil
	}
	var (
		f           mail.StatusFacts
		email, lang string
		basis, name string
	)
	err := tx.QueryRow(ctx, `
		SELECT f.reference, o.name, f.donor_email, f.donor_lang, f.routing_basis, f.routed_to_name
		FROM offers f JOIN organisations o ON o.id = f.organisation_id
		WHERE f.id = $1 AND f.anonymised_at IS NULL`, id).Scan(&f.Reference, &f.OrganisationName, &email, &lang, &basis, &name)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("offers: read offer %d for its donor's mail: %w", id, err)
	}
	if email == "" {
		return nil
	}
	f.Status, f.ForwardedTo = to, forwardedTo(basis, name)
	f.StatusURL, f.PrivacyURL = s.StatusURL(id), s.baseURL+"/privacy"
	if _, err := s.outbox.ComposeTx(ctx, tx, f.StatusMail(id, lang, mail.Address{Email: email}, s.triage)); err != nil {
		return err
	}
	return nil
}

// TriageEmail is the platform's triage mailbox, which donors write to
// about their offers and their data.
func (s *Store) TriageEmail() string { return s.triage.Email }
