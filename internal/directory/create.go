package directory

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// NewOrganisation is a whole organisation to create at once, as the demo
// data and imports describe one. Children refer to each other by natural
// keys: offices by name, projects by slug, contacts by email.
type NewOrganisation struct {
	Organisation
	ThemeSlugs []string
	Offices    []Office
	Members    []NewMember
	Projects   []NewProject
	// Contacts lists the contact points; the first is the default one.
	Contacts []NewContact
	Rules    []NewRule
	// OffersToTriage creates it with no default contact whatever Contacts
	// holds, and lets it be published so: its support offers go to the
	// platform's triage mailbox until an owner chooses a default contact
	// (migration 00026). Only a bulk import sets it
	// (Import.TriageWithoutContact).
	OffersToTriage bool
}

// NewMember is a team member and the name of their office ("" for none).
type NewMember struct {
	Member
	Office string
}

// NewProject is a project, its lead office's name and its theme slugs.
type NewProject struct {
	Project
	LeadOffice string
	ThemeSlugs []string
}

// NewContact is a contact point and its office's name ("" for none).
type NewContact struct {
	ContactPoint
	Office string
}

// NewRule routes Kind, narrowed to Office (name) or Project (slug), to the
// contact with email Contact.
type NewRule struct {
	Kind    SupportKind
	Office  string
	Project string
	Contact string
}

// Create stores a whole organisation in one transaction, with its audit
// entry and its index job, and returns its id. It returns an
// Invalid error for bad input and fault.ErrConflict when the slug is taken.
func (s *Store) Create(ctx context.Context, actor audit.Actor, n *NewOrganisation) (int64, error) {
	var id int64
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = s.CreateTx(ctx, tx, actor, n)
		return err
	})
	return id, err
}

// CreateTx is Create inside the caller's transaction.
func (s *Store) CreateTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, n *NewOrganisation) (int64, error) {
	if err := n.validate(); err != nil {
		return 0, err
	}
	o := &n.Organisation
	err := tx.QueryRow(ctx, `
		INSERT INTO organisations (slug, name, alternate_name, iati_type, description_fr, description_en,
			mission_fr, mission_en, founded_year, website, email, phone, logo_path, newsletter_url, status, last_verified_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULLIF($9, 0), $10, $11, $12, $13, $14, $15, $16)
		RETURNING id`,
		o.Slug, o.Name, o.AlternateName, o.Kind, o.Description.FR, o.Description.EN, o.Mission.FR, o.Mission.EN,
		o.FoundedYear, o.Website, o.Email, o.Phone, o.LogoPath, o.NewsletterURL, StatusDraft, o.LastVerifiedOn).Scan(&o.ID)
	if c, ok := postgres.UniqueViolation(err); ok && c == "organisations_slug_key" {
		return 0, fmt.Errorf("directory: create %s: slug taken: %w", o.Slug, fault.ErrConflict)
	}
	if err != nil {
		return 0, fmt.Errorf("directory: create %s: %w", o.Slug, err)
	}
	// The row starts as a draft: a published organisation must have a
	// default contact, which can only exist once the row does.
	if err := insertOrganisationLists(ctx, tx, o.ID, n.ThemeSlugs, o.Countries, o.Identifiers, o.SocialLinks); err != nil {
		return 0, fmt.Errorf("directory: create %s: %w", o.Slug, err)
	}

	offices := map[string]int64{}
	for i := range n.Offices {
		f := &n.Offices[i]
		if err := insertOffice(ctx, tx, o.ID, f); err != nil {
			return 0, fmt.Errorf("directory: create %s: office %s: %w", o.Slug, f.Name, err)
		}
		offices[f.Name] = f.ID
	}
	for _, m := range n.Members {
		m.OfficeID = offices[m.Office]
		if _, err := insertMember(ctx, tx, o.ID, &m.Member); err != nil {
			return 0, fmt.Errorf("directory: create %s: member %s: %w", o.Slug, m.FullName, err)
		}
	}
	projects := map[string]int64{}
	for _, p := range n.Projects {
		p.LeadOfficeID = offices[p.LeadOffice]
		id, err := insertProject(ctx, tx, o.ID, &p.Project, p.ThemeSlugs)
		if err != nil {
			return 0, fmt.Errorf("directory: create %s: project %s: %w", o.Slug, p.Slug, err)
		}
		projects[p.Slug] = id
	}
	contacts := map[string]int64{}
	for i, c := range n.Contacts {
		c.OfficeID = offices[c.Office]
		err := tx.QueryRow(ctx, `
			INSERT INTO contact_points (organisation_id, name, email, role_code, office_id, visibility)
			VALUES ($1, $2, $3, $4, NULLIF($5, 0), $6) RETURNING id`,
			o.ID, c.Name, c.Email, c.RoleCode, c.OfficeID, visibility(c.Public)).Scan(&c.ID)
		if err != nil {
			return 0, fmt.Errorf("directory: create %s: contact %s: %w", o.Slug, c.Email, err)
		}
		contacts[c.Email] = c.ID
		if i == 0 && !n.OffersToTriage {
			o.DefaultContactID = c.ID
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE organisations SET default_contact_id = NULLIF($2, 0), status = $3, offers_to_triage = $4 WHERE id = $1`,
		o.ID, o.DefaultContactID, o.Status, n.OffersToTriage); err != nil {
		return 0, fmt.Errorf("directory: create %s: status: %w", o.Slug, err)
	}
	for _, r := range n.Rules {
		_, err := tx.Exec(ctx, `
			INSERT INTO routing_rules (organisation_id, support_kind, office_id, project_id, contact_point_id)
			VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), $5)`,
			o.ID, r.Kind, offices[r.Office], projects[r.Project], contacts[r.Contact])
		if err != nil {
			return 0, fmt.Errorf("directory: create %s: rule %s: %w", o.Slug, r.Kind, err)
		}
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{
		Action: "organisation.create", EntityType: "organisation", EntityID: o.ID, OrganisationID: o.ID,
		Details: map[string]any{"slug": o.Slug, "name": o.Name, "status": o.Status},
	}); err != nil {
		return 0, err
	}
	if err := s.changed(ctx, tx, o.ID); err != nil {
		return 0, fmt.Errorf("directory: create %s: %w", o.Slug, err)
	}
	return o.ID, nil
}

func (n *NewOrganisation) validate() error {
	var all checker
	merge := func(prefix string, err error) { all.Merge(prefix, err) }
	merge("", n.Organisation.Validate())
	offices := map[string]bool{}
	for i := range n.Offices {
		merge(fmt.Sprintf("offices[%d].", i), n.Offices[i].Validate())
		offices[n.Offices[i].Name] = true
	}
	for i := range n.Members {
		merge(fmt.Sprintf("members[%d].", i), n.Members[i].Validate())
		if n.Members[i].Office != "" && !offices[n.Members[i].Office] {
			all.Add(fmt.Sprintf("members[%d].office", i), "manage.err.unknown_office")
		}
	}
	projects := map[string]bool{}
	for i := range n.Projects {
		merge(fmt.Sprintf("projects[%d].", i), n.Projects[i].Validate())
		projects[n.Projects[i].Slug] = true
	}
	contacts := map[string]bool{}
	for i := range n.Contacts {
		merge(fmt.Sprintf("contacts[%d].", i), n.Contacts[i].Validate())
		contacts[n.Contacts[i].Email] = true
	}
	if n.Status == StatusPublished && len(n.Contacts) == 0 && !n.OffersToTriage {
		all.Add("contacts", "manage.err.needs_default_contact")
	}
	for i, r := range n.Rules {
		if !r.Kind.Valid() || !contacts[r.Contact] || (r.Office != "" && !offices[r.Office]) || (r.Project != "" && !projects[r.Project]) {
			all.Add(fmt.Sprintf("rules[%d]", i), "manage.err.unknown_reference")
		}
	}
	return all.Err()
}

func visibility(public bool) string {
	if public {
		return "public"
	}
	return "private"
}

func insertOrganisationLists(ctx context.Context, tx pgx.Tx, orgID int64, themes, countries []string, ids []Identifier, links []SocialLink) error {
	// One round trip for all of them: bulk imports create thousands of
	// organisations.
	b := &pgx.Batch{}
	what := []string{"themes", "countries"}
	b.Queue(`
		INSERT INTO organisation_themes (organisation_id, theme_id)
		SELECT $1::bigint, id FROM themes WHERE slug = ANY($2)`, orgID, themes)
	b.Queue(`
		INSERT INTO organisation_countries (organisation_id, country_code)
		SELECT DISTINCT $1::bigint, unnest($2::text[])`, orgID, countries)
	for _, id := range ids {
		b.Queue(`INSERT INTO organisation_identifiers (organisation_id, scheme, value) VALUES ($1, $2, $3)`, orgID, id.Scheme, id.Value)
		what = append(what, "identifier "+id.Scheme)
	}
	for _, l := range links {
		b.Queue(`INSERT INTO social_links (organisation_id, network, url) VALUES ($1, $2, $3)`, orgID, l.Network, l.URL)
		what = append(what, "social link "+l.Network)
	}
	br := tx.SendBatch(ctx, b)
	for _, w := range what {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("%s: %w", w, err)
		}
	}
	return br.Close()
}

func insertOffice(ctx context.Context, tx pgx.Tx, orgID int64, f *Office) error {
	err := tx.QueryRow(ctx, `
		INSERT INTO offices (organisation_id, name, kind, address, postal_code, city, country_code, latitude, longitude,
			opened_year, email, phone, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULLIF($10, 0), $11, $12, $13) RETURNING id`,
		orgID, f.Name, f.Kind, f.Address, f.PostalCode, f.City, f.Country, f.Latitude, f.Longitude,
		f.OpenedYear, f.Email, f.Phone, f.Position).Scan(&f.ID)
	if err != nil || len(f.Covers) == 0 {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO office_countries (office_id, country_code) SELECT DISTINCT $1::bigint, unnest($2::text[])`, f.ID, f.Covers)
	return err
}

func insertMember(ctx context.Context, tx pgx.Tx, orgID int64, m *Member) (int64, error) {
	err := tx.QueryRow(ctx, `
		INSERT INTO team_members (organisation_id, office_id, full_name, role_title, responsibilities, bio, joined_year,
			email, visibility, position)
		VALUES ($1, NULLIF($2, 0), $3, $4, $5, $6, NULLIF($7, 0), $8, $9, $10) RETURNING id`,
		orgID, m.OfficeID, m.FullName, m.RoleTitle, m.Responsibilities, m.Bio, m.JoinedYear,
		m.Email, visibility(m.Public), m.Position).Scan(&m.ID)
	return m.ID, err
}

func insertProject(ctx context.Context, tx pgx.Tx, orgID int64, p *Project, themes []string) (int64, error) {
	err := tx.QueryRow(ctx, `
		INSERT INTO projects (organisation_id, slug, title, summary_fr, summary_en, description_fr, description_en, status,
			planned_start, planned_end, actual_start, actual_end, lead_office_id, local_partners, support_sought, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULLIF($13, 0), $14, $15, $16) RETURNING id`,
		orgID, p.Slug, p.Title, p.Summary.FR, p.Summary.EN, p.Description.FR, p.Description.EN, p.Status,
		p.PlannedStart, p.PlannedEnd, p.ActualStart, p.ActualEnd, p.LeadOfficeID, p.LocalPartners, p.SupportSought, p.Position).Scan(&p.ID)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO project_countries (project_id, country_code) SELECT DISTINCT $1::bigint, unnest($2::text[])`, p.ID, p.Countries); err != nil {
		return 0, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO project_themes (project_id, theme_id) SELECT $1::bigint, id FROM themes WHERE slug = ANY($2)`, p.ID, themes)
	return p.ID, err
}
