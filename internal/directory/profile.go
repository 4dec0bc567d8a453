package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

const organisationColumns = `
	o.id, o.slug, o.name, o.alternate_name, o.iati_type,
	json_build_object('fr', o.description_fr, 'en', o.description_en),
	json_build_object('fr', o.mission_fr, 'en', o.mission_en),
	COALESCE(o.founded_year, 0), o.website, o.email, o.phone, o.logo_path, o.newsletter_url,
	o.status, COALESCE(o.default_contact_id, 0), o.last_verified_on, o.created_at, o.updated_at, o.last_reviewed_at, o.version,
	COALESCE((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name_fr', t.name_fr, 'name_en', t.name_en) ORDER BY t.position, t.slug)
		FROM organisation_themes ot JOIN themes t ON t.id = ot.theme_id WHERE ot.organisation_id = o.id), '[]'),
	ARRAY(SELECT country_code::text FROM organisation_countries WHERE organisation_id = o.id ORDER BY 1),
	COALESCE((SELECT json_agg(json_build_object('scheme', scheme, 'value', value) ORDER BY scheme)
		FROM organisation_identifiers WHERE organisation_id = o.id), '[]'),
	COALESCE((SELECT json_agg(json_build_object('network', network, 'url', url)
		ORDER BY array_position(ARRAY['facebook','x','linkedin','scoopit','instagram','youtube'], network))
		FROM social_links WHERE organisation_id = o.id), '[]'),
	COALESCE(o.uuid::text, ''), COALESCE(o.logo_width, 0)`

func scanOrganisation(row pgx.Row, o *Organisation) error {
	return row.Scan(&o.ID, &o.Slug, &o.Name, &o.AlternateName, &o.Kind, &o.Description, &o.Mission,
		&o.FoundedYear, &o.Website, &o.Email, &o.Phone, &o.LogoPath, &o.NewsletterURL,
		&o.Status, &o.DefaultContactID, &o.LastVerifiedOn, &o.CreatedAt, &o.UpdatedAt, &o.LastReviewedAt, &o.Version,
		&o.Themes, &o.Countries, &o.Identifiers, &o.SocialLinks, &o.UUID, &o.LogoWidth)
}

const officeQuery = `
	SELECT id, name, kind, address, postal_code, city, country_code, latitude::float8, longitude::float8,
		COALESCE(opened_year, 0), email, phone, position,
		ARRAY(SELECT country_code::text FROM office_countries WHERE office_id = f.id ORDER BY 1), version
	FROM offices f WHERE organisation_id = {org}
	ORDER BY array_position(ARRAY['headquarters','regional','country','field'], kind), position, id`

const memberQuery = `
	SELECT id, COALESCE(office_id, 0), full_name, role_title, responsibilities, bio, COALESCE(joined_year, 0),
		email, visibility = 'public', position, version
	FROM team_members WHERE organisation_id = {org} AND (visibility = 'public' OR $2)
	ORDER BY position, id`

const projectQuery = `
	SELECT p.id, p.slug, p.title,
		json_build_object('fr', p.summary_fr, 'en', p.summary_en),
		json_build_object('fr', p.description_fr, 'en', p.description_en),
		p.status, p.planned_start, p.planned_end, p.actual_start, p.actual_end,
		COALESCE(p.lead_office_id, 0), p.local_partners, p.support_sought,
		ARRAY(SELECT country_code::text FROM project_countries WHERE project_id = p.id ORDER BY 1),
		COALESCE((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name_fr', t.name_fr, 'name_en', t.name_en) ORDER BY t.position, t.slug)
			FROM project_themes pt JOIN themes t ON t.id = pt.theme_id WHERE pt.project_id = p.id), '[]'),
		p.position, p.version
	FROM projects p WHERE p.organisation_id = {org}
	ORDER BY p.status = 4 OR p.status = 5, p.position, p.id`

// ProfileOptions chooses what a profile read may include.
type ProfileOptions struct {
	// Unpublished allows draft, pending and suspended organisations.
	Unpublished bool
	// Private includes private team members and private documents.
	Private bool
}

// profileQueries are the queries of a profile, all sent in one batch: the
// organisation's row and its children's, which find the organisation by
// the same key (the children of an organisation not shown are read and
// dropped, rather than wait for a second round trip).
type profileQueries struct {
	organisation, offices, members, projects, documents string
}

// newProfileQueries returns the queries for the organisation matching
// where (on o), its id being the SQL expression id; $1 is the key.
func newProfileQueries(where, id string) profileQueries {
	child := func(q string) string { return strings.ReplaceAll(q, "{org}", id) }
	return profileQueries{
		organisation: "SELECT " + organisationColumns + " FROM organisations o WHERE " + where,
		offices:      child(officeQuery),
		members:      child(memberQuery),
		projects:     child(projectQuery),
		documents:    child(documentsQuery),
	}
}

var (
	profileBySlug = newProfileQueries("o.slug = $1", "(SELECT id FROM organisations WHERE slug = $1)")
	profileByID   = newProfileQueries("o.id = $1", "$1")
)

// Profile returns the organisation with slug and everything on its page, in
// one round trip. It returns fault.ErrNotFound for an unknown slug, and for an
// unpublished organisation unless opts allow it.
func (s *Store) Profile(ctx context.Context, slug string, opts ProfileOptions) (*Profile, error) {
	return s.profile(ctx, profileBySlug, slug, opts)
}

// ProfileByID is Profile by organisation id.
func (s *Store) ProfileByID(ctx context.Context, id int64, opts ProfileOptions) (*Profile, error) {
	return s.profile(ctx, profileByID, id, opts)
}

func (s *Store) profile(ctx context.Context, q profileQueries, key any, opts ProfileOptions) (*Profile, error) {
	p := &Profile{}
	found := false
	batch := &pgx.Batch{}
	batch.Queue(q.organisation, key).QueryRow(func(row pgx.Row) error {
		err := scanOrganisation(row, &p.Organisation)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		found = err == nil
		return err
	})
	batch.Queue(q.offices, key).Query(func(rows pgx.Rows) error {
		var err error
		p.Offices, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Office, error) {
			var f Office
			err := r.Scan(&f.ID, &f.Name, &f.Kind, &f.Address, &f.PostalCode, &f.City, &f.Country, &f.Latitude, &f.Longitude,
				&f.OpenedYear, &f.Email, &f.Phone, &f.Position, &f.Covers, &f.Version)
			return f, err
		})
		return err
	})
	batch.Queue(q.members, key, opts.Private).Query(func(rows pgx.Rows) error {
		var err error
		p.Members, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
			var m Member
			err := r.Scan(&m.ID, &m.OfficeID, &m.FullName, &m.RoleTitle, &m.Responsibilities, &m.Bio, &m.JoinedYear,
				&m.Email, &m.Public, &m.Position, &m.Version)
			return m, err
		})
		return err
	})
	batch.Queue(q.projects, key).Query(func(rows pgx.Rows) error {
		var err error
		p.Projects, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Project, error) {
			var pr Project
			err := r.Scan(&pr.ID, &pr.Slug, &pr.Title, &pr.Summary, &pr.Description, &pr.Status,
				&pr.PlannedStart, &pr.PlannedEnd, &pr.ActualStart, &pr.ActualEnd,
				&pr.LeadOfficeID, &pr.LocalPartners, &pr.SupportSought, &pr.Countries, &pr.Themes, &pr.Position, &pr.Version)
			return pr, err
		})
		return err
	})
	batch.Queue(q.documents, key, opts.Private).Query(func(rows pgx.Rows) error {
		var err error
		p.Documents, err = collectDocuments(rows)
		return err
	})
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("directory: read profile %v: %w", key, err)
	}
	if !found || p.Status != StatusPublished && !opts.Unpublished {
		return nil, fault.ErrNotFound
	}
	// An expired verification is not shown (see verification.go).
	p.LastVerifiedOn = s.currentVerification(p.LastVerifiedOn)
	return p, nil
}

// ContactPoints returns the organisation's contact points, default first.
func (s *Store) ContactPoints(ctx context.Context, organisationID int64) ([]ContactPoint, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id, c.name, c.email, c.role_code, COALESCE(c.office_id, 0), c.visibility = 'public',
			c.id = COALESCE(o.default_contact_id, 0), c.version
		FROM contact_points c JOIN organisations o ON o.id = c.organisation_id
		WHERE c.organisation_id = $1
		ORDER BY c.id = COALESCE(o.default_contact_id, 0) DESC, c.name, c.id`, organisationID)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ContactPoint])
	if err != nil {
		return nil, fmt.Errorf("directory: contact points of %d: %w", organisationID, err)
	}
	return cs, nil
}

// Rules returns the organisation's routing rules.
func (s *Store) Rules(ctx context.Context, organisationID int64) ([]Rule, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT id, support_kind, COALESCE(office_id, 0), COALESCE(project_id, 0), contact_point_id
		FROM routing_rules WHERE organisation_id = $1 ORDER BY support_kind, id`, organisationID)
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Rule])
	if err != nil {
		return nil, fmt.Errorf("directory: routing rules of %d: %w", organisationID, err)
	}
	return rs, nil
}

// PublicContactPoints returns the organisation's public contact points,
// default first, for the open data API: a private one never leaves the
// database.
func (s *Store) PublicContactPoints(ctx context.Context, organisationID int64) ([]ContactPoint, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT c.id, c.name, c.email, c.role_code, COALESCE(c.office_id, 0), true,
			c.id = COALESCE(o.default_contact_id, 0), c.version
		FROM contact_points c JOIN organisations o ON o.id = c.organisation_id
		WHERE c.organisation_id = $1 AND c.visibility = 'public'
		ORDER BY c.id = COALESCE(o.default_contact_id, 0) DESC, c.name, c.id`, organisationID)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[ContactPoint])
	if err != nil {
		return nil, fmt.Errorf("directory: public contact points of %d: %w", organisationID, err)
	}
	return cs, nil
}
