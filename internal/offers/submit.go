package offers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/mail"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/ratelimit"
)

// Submission is what a donor sends through the offer form.
type Submission struct {
	OrganisationSlug string
	Kind             directory.SupportKind
	// ProjectSlug and OfficeID optionally narrow the offer; empty / 0 for
	// the organisation as a whole.
	ProjectSlug string
	OfficeID    int64
	Message     string
	Name        string
	Email       string
	Phone       string
	Company     string
	// Lang is the donor's preferred language, "fr" or "en".
	Lang    string
	Consent bool

	// FormToken is the token the form was shown with (see FormToken).
	FormToken string
	// Honeypot is a field hidden from people; anything in it means a bot.
	Honeypot string
	// IP is the submitter's address; only its keyed hash is kept.
	IP string
}

// Receipt is what the donor is told once the offer is stored.
type Receipt struct {
	ID               int64
	Reference        string
	OrganisationSlug string
	OrganisationName string
	Routing          Routing
}

// Routing is the decision of where an offer goes, and why, as facts the
// staff inbox words in its reader's language.
type Routing struct {
	Basis string
	// Scope is where the rule applied: the project's title (a project
	// rule) or the office's name and city (an office rule); "" otherwise.
	Scope string
	// ReroutedBy and ReroutedFrom are, for a manual re-routing, who did it
	// and the address it had gone to.
	ReroutedBy, ReroutedFrom string
	RuleID                   int64
	ContactPointID           int64
	To                       mail.Address
}

var (
	phonePattern = regexp.MustCompile(`^[0-9+() ./-]{4,40}$`)
	linkPattern  = regexp.MustCompile(`(?i)https?://|www\.|\[url`)
)

// validate normalises sub and checks every field, so the donor sees every
// problem at once.
func (s *Store) validate(sub *Submission) error {
	sub.Message = strings.TrimSpace(strings.ReplaceAll(sub.Message, "\r\n", "\n"))
	sub.Name = strings.TrimSpace(sub.Name)
	sub.Email = strings.TrimSpace(sub.Email)
	sub.Phone = strings.TrimSpace(sub.Phone)
	sub.Company = strings.TrimSpace(sub.Company)
	sub.ProjectSlug = strings.TrimSpace(sub.ProjectSlug)

	var v fault.Fields
	if !sub.Kind.Valid() {
		v.Add("kind", "offers.error.kind.required")
	}
	switch n := utf8.RuneCountInString(sub.Message); {
	case n == 0:
		v.Add("message", "offers.error.message.required")
	case n > MaxMessage || !utf8.ValidString(sub.Message):
		v.Add("message", "offers.error.message.too_long")
	case s.limits.MaxLinks > 0 && len(linkPattern.FindAllStringIndex(sub.Message, -1)) > s.limits.MaxLinks:
		v.Add("message", "offers.error.message.too_many_links")
	}
	oneLine(&v, "name", sub.Name, 200, true, "offers.error.name.invalid")
	switch {
	case sub.Email == "":
		v.Add("email", "offers.error.required")
	case !directory.ValidEmail(sub.Email):
		v.Add("email", "offers.error.email.invalid")
	}
	if sub.Phone != "" && !phonePattern.MatchString(sub.Phone) {
		v.Add("phone", "offers.error.phone.invalid")
	}
	oneLine(&v, "company", sub.Company, 200, false, "offers.error.invalid")
	if sub.Lang != "fr" && sub.Lang != "en" {
		v.Add("lang", "offers.error.lang.required")
	}
	if !sub.Consent {
		v.Add("consent", "offers.error.consent.required")
	}
	if sub.ProjectSlug != "" && !directory.ValidSlug(sub.ProjectSlug) {
		v.Add("project", "offers.error.project.invalid")
	}
	return v.Err()
}

// oneLine checks a single-line text: no line breaks or control characters
// (a name ends up in mail headers). invalidID is the message for such a
// character.
func oneLine(v *fault.Fields, field, s string, max int, required bool, invalidID string) {
	switch {
	case s == "" && required:
		v.Add(field, "offers.error.required")
	case utf8.RuneCountInString(s) > max || !utf8.ValidString(s):
		v.Add(field, "offers.error.too_long")
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' }):
		v.Add(field, invalidID)
	}
}

// Submit validates sub, checks it against the anti-spam rules, and in one
// transaction stores the offer with its routing decision, its status
// history, the audit entry and the two mails (to the contact and to the
// donor) with their delivery jobs. It returns an Invalid error for bad
// input (including an expired form, on field "form"), ErrRejected for
// automated or rate-limited submissions and fault.ErrNotFound for an unknown or
// unpublished organisation.
//
// A form is accepted once: the offer stores its form token's hash, and a
// resubmission of the same form (concurrent or after the first committed)
// returns the first offer's receipt, storing and sending nothing and
// counting against no limit.
func (s *Store) Submit(ctx context.Context, actor audit.Actor, sub Submission) (*Receipt, error) {
	if err := s.validate(&sub); err != nil {
		return nil, err
	}
	if sub.Honeypot != "" {
		return nil, ErrRejected
	}
	if !s.genuineFormToken(sub.FormToken) {
		return nil, ErrRejected
	}
	tokenHash := formTokenHash(sub.FormToken)
	// A form already accepted gets its receipt, however old it is now.
	if r, err := s.existing(ctx, s.pool, tokenHash, sub.OrganisationSlug); r != nil || err != nil {
		return r, err
	}
	if ok, expired := s.checkFormToken(sub.FormToken); expired {
		return nil, fault.InvalidField("form", "offers.form.expired")
	} else if !ok {
		return nil, ErrRejected
	}
	ipHash := s.ips.IP(sub.IP)
	var r *Receipt
	err := postgres.InTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		r, err = s.submitTx(ctx, tx, actor, &sub, ipHash, tokenHash)
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// rowQuerier is what existing reads with: the pool or a transaction.
type rowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// existing returns the receipt of the offer already stored for the form
// token hashed as tokenHash, or nil when there is none. A token used for
// another organisation's form is a forgery: ErrRejected.
func (s *Store) existing(ctx context.Context, q rowQuerier, tokenHash []byte, slug string) (*Receipt, error) {
	r := &Receipt{}
	err := q.QueryRow(ctx, `
		SELECT f.id, f.reference, o.slug, o.name, f.routing_basis, f.routing_scope, f.rerouted_by, f.rerouted_from,
			COALESCE(f.routing_rule_id, 0), COALESCE(f.contact_point_id, 0), f.routed_to_name, f.routed_to_email
		FROM offers f JOIN organisations o ON o.id = f.organisation_id
		WHERE f.form_token_hash = $1`, tokenHash).
		Scan(&r.ID, &r.Reference, &r.OrganisationSlug, &r.OrganisationName, &r.Routing.Basis, &r.Routing.Scope,
			&r.Routing.ReroutedBy, &r.Routing.ReroutedFrom, &r.Routing.RuleID, &r.Routing.ContactPointID,
			&r.Routing.To.Name, &r.Routing.To.Email)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("offers: read offer by form token: %w", err)
	case r.OrganisationSlug != slug:
		return nil, ErrRejected
	}
	return r, nil
}

type target struct {
	orgID      int64
	orgName    string
	projectID  int64
	project    string
	officeID   int64
	office     string
	leadOffice int64
}

func (s *Store) submitTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, sub *Submission, ipHash string, tokenHash []byte) (*Receipt, error) {
	// Concurrent submissions of one form queue up here, and the first
	// one's offer, once committed, is the others' answer: a resubmission
	// gets its receipt before any limit and counts against none.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('offer-form:' || encode($1::bytea, 'hex'), 0))`,
		tokenHash); err != nil {
		return nil, fmt.Errorf("offers: lock form: %w", err)
	}
	if r, err := s.existing(ctx, tx, tokenHash, sub.OrganisationSlug); r != nil || err != nil {
		return r, err
	}
	t, err := s.resolveTarget(ctx, tx, sub)
	if err != nil {
		return nil, err
	}
	if err := s.checkRates(ctx, tx, ipHash, sub.Email); err != nil {
		return nil, err
	}
	rt, err := s.route(ctx, tx, t, sub.Kind)
	if err != nil {
		return nil, err
	}
	r := &Receipt{OrganisationSlug: sub.OrganisationSlug, OrganisationName: t.orgName, Routing: rt}
	err = tx.QueryRow(ctx, `
		INSERT INTO offers (reference, organisation_id, project_id, office_id, support_kind, message,
			donor_name, donor_email, donor_phone, donor_company, donor_lang, consent_version, consent_at, ip_hash,
			routing_basis, routing_scope, routing_rule_id, contact_point_id, routed_to_name, routed_to_email, form_token_hash)
		VALUES ('OFR-' || to_char(now() AT TIME ZONE 'UTC', 'YYYY') || '-' || lpad(nextval('offer_reference_seq')::text, 6, '0'),
			$1, NULLIF($2, 0), NULLIF($3, 0), $4, $5, $6, $7, $8, $9, $10, $11, now(), $12,
			$13, $14, NULLIF($15, 0), NULLIF($16, 0), $17, $18, $19)
		ON CONFLICT (form_token_hash) DO NOTHING
		RETURNING id, reference`,
		t.orgID, t.projectID, t.officeID, sub.Kind, sub.Message,
		sub.Name, sub.Email, sub.Phone, sub.Company, sub.Lang, ConsentVersion, ipHash,
		rt.Basis, rt.Scope, rt.RuleID, rt.ContactPointID, rt.To.Name, rt.To.Email, tokenHash).Scan(&r.ID, &r.Reference)
	if errors.Is(err, pgx.ErrNoRows) {
		// A concurrent submission of the same form stored it first (the
		// INSERT waited for its transaction to commit; the form's lock
		// above makes this a safety net): this statement's successor sees
		// that offer, whose receipt is the answer. Nothing else is stored
		// or sent.
		r, err := s.existing(ctx, tx, tokenHash, sub.OrganisationSlug)
		if err == nil && r == nil {
			err = fmt.Errorf("offers: form token conflict without an offer")
		}
		return r, err
	}
	if err != nil {
		return nil, fmt.Errorf("offers: store offer: %w", err)
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO offer_status_history (offer_id, to_status, actor) VALUES ($1, 'new', $2)`,
		r.ID, actorLabel(actor)); err != nil {
		return nil, fmt.Errorf("offers: store status history: %w", err)
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{
		Action: "offer.submit", EntityType: "offer", EntityID: r.ID, OrganisationID: t.orgID,
		Details: map[string]any{"reference": r.Reference, "kind": sub.Kind, "routing_basis": rt.Basis, "routed_to": rt.To.Email},
	}); err != nil {
		return nil, err
	}
	om := mail.OfferMail{
		OfferID: r.ID, Reference: r.Reference, OrganisationName: t.orgName, Kind: sub.Kind,
		ProjectTitle: t.project, OfficeName: t.office, Message: sub.Message,
		DonorName: sub.Name, DonorEmail: sub.Email, DonorPhone: sub.Phone, DonorCompany: sub.Company, DonorLang: sub.Lang,
		Contact:    rt.To,
		OfferURL:   fmt.Sprintf("%s/manage/offers/%d", s.baseURL, r.ID),
		PrivacyURL: s.baseURL + "/privacy",
		StatusURL:  s.StatusURL(r.ID),
		Triage:     s.triage,
	}
	if _, err := s.outbox.ComposeTx(ctx, tx, om.ContactMail()); err != nil {
		return nil, err
	}
	if _, err := s.outbox.ComposeTx(ctx, tx, om.AckMail()); err != nil {
		return nil, err
	}
	return r, nil
}

// resolveTarget finds the published organisation and checks that the
// project and office, when given, are its own.
func (s *Store) resolveTarget(ctx context.Context, tx pgx.Tx, sub *Submission) (*target, error) {
	t := &target{}
	err := tx.QueryRow(ctx, `SELECT id, name FROM organisations WHERE slug = $1 AND status = 'published'`,
		sub.OrganisationSlug).Scan(&t.orgID, &t.orgName)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("offers: read organisation %q: %w", sub.OrganisationSlug, err)
	}
	var v fault.Fields
	if sub.ProjectSlug != "" {
		err := tx.QueryRow(ctx, `SELECT id, title, COALESCE(lead_office_id, 0) FROM projects WHERE organisation_id = $1 AND slug = $2`,
			t.orgID, sub.ProjectSlug).Scan(&t.projectID, &t.project, &t.leadOffice)
		if errors.Is(err, pgx.ErrNoRows) {
			v.Add("project", "offers.error.project.invalid")
		} else if err != nil {
			return nil, fmt.Errorf("offers: read project %q: %w", sub.ProjectSlug, err)
		}
	}
	if sub.OfficeID != 0 {
		err := tx.QueryRow(ctx, `SELECT id, name || ', ' || city FROM offices WHERE organisation_id = $1 AND id = $2`,
			t.orgID, sub.OfficeID).Scan(&t.officeID, &t.office)
		if errors.Is(err, pgx.ErrNoRows) {
			v.Add("office", "offers.error.office.invalid")
		} else if err != nil {
			return nil, fmt.Errorf("offers: read office %d: %w", sub.OfficeID, err)
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return t, nil
}

// checkRates counts this offer against its sender's address (ipHash)
// and email, each recorded and decided in one statement inside the
// offer's transaction (internal/ratelimit): of parallel submissions of
// different forms exactly the limit are stored. Over either limit it
// returns ErrRejected, and the rollback takes the attempts back with the
// rest, so only stored offers count. The keys' rows stay locked until the
// short transaction ends: one sender's offers are decided one at a time.
func (s *Store) checkRates(ctx context.Context, tx pgx.Tx, ipHash, email string) error {
	limits := []struct {
		limit   ratelimit.Limit
		subject string
	}{
		{ratelimit.Limit{Name: "offer:ip", Max: s.limits.PerIP, Window: s.limits.Window}, ipHash},
		{ratelimit.Limit{Name: "offer:email", Max: s.limits.PerEmail, Window: s.limits.Window},
			s.ips.Key("email", strings.ToLower(email))},
	}
	for _, l := range limits {
		d, err := l.limit.Take(ctx, tx, l.subject)
		if err != nil {
			return fmt.Errorf("offers: rate limits: %w", err)
		}
		if !d.Allowed {
			return ErrRejected
		}
	}
	return nil
}

// route applies the organisation's rules: the rule for the kind narrowed to
// the project, then to the office (the one chosen, else the project's lead
// office), then the rule for the kind alone, then the organisation's
// default contact, and finally the platform's triage mailbox.
func (s *Store) route(ctx context.Context, tx pgx.Tx, t *target, kind directory.SupportKind) (Routing, error) {
	office := t.officeID
	if office == 0 {
		office = t.leadOffice
	}
	var (
		rt                  Routing
		projectID, officeID int64
		officeName          string
	)
	err := tx.QueryRow(ctx, `
		SELECT r.id, COALESCE(r.project_id, 0), COALESCE(r.office_id, 0), COALESCE(f.name || ', ' || f.city, ''),
			c.id, c.name, c.email
		FROM routing_rules r
		JOIN contact_points c ON c.id = r.contact_point_id
		LEFT JOIN offices f ON f.id = r.office_id
		WHERE r.organisation_id = $1 AND r.support_kind = $2
		  AND (r.project_id = $3 OR r.office_id = $4 OR (r.project_id IS NULL AND r.office_id IS NULL))
		ORDER BY r.project_id IS NOT NULL DESC, r.office_id IS NOT NULL DESC
		LIMIT 1`, t.orgID, kind, t.projectID, office).
		Scan(&rt.RuleID, &projectID, &officeID, &officeName, &rt.ContactPointID, &rt.To.Name, &rt.To.Email)
	switch {
	case err == nil:
		switch {
		case projectID != 0:
			rt.Basis, rt.Scope = BasisProjectRule, t.project
		case officeID != 0:
			rt.Basis, rt.Scope = BasisOfficeRule, officeName
		default:
			rt.Basis = BasisKindRule
		}
		return rt, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return rt, fmt.Errorf("offers: routing rules: %w", err)
	}
	rt.RuleID = 0
	err = tx.QueryRow(ctx, `
		SELECT c.id, c.name, c.email FROM organisations o JOIN contact_points c ON c.id = o.default_contact_id
		WHERE o.id = $1`, t.orgID).Scan(&rt.ContactPointID, &rt.To.Name, &rt.To.Email)
	switch {
	case err == nil:
		rt.Basis = BasisDefaultContact
		return rt, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return rt, fmt.Errorf("offers: default contact: %w", err)
	}
	return Routing{Basis: BasisTriage, To: s.triage}, nil
}

func actorLabel(a audit.Actor) string {
	if a.Label == "" {
		return "system"
	}
	return a.Label
}
