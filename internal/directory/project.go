package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

func projectError(err error) error {
	if c, ok := postgres.UniqueViolation(err); ok && c == "projects_organisation_id_slug_key" {
		return fault.InvalidField("slug", "manage.err.another_project_already_uses_this_address")
	}
	return officeFKError(err, "lead_office")
}

func checkThemes(ctx context.Context, tx pgx.Tx, slugs []string) error {
	var known int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM themes WHERE slug = ANY($1)`, slugs).Scan(&known); err != nil {
		return err
	}
	if known != len(uniq(slugs)) {
		return fault.InvalidField("themes", "manage.err.unknown_theme")
	}
	return nil
}

// AddProject adds p, with the themes named by themeSlugs, to organisation
// orgID and sets p.ID. It returns an Invalid error (also for a slug the
// organisation already uses) and fault.ErrNotFound for an unknown organisation.
func (s *Store) AddProject(ctx context.Context, actor audit.Actor, orgID int64, p *Project, themeSlugs []string) error {
	if p.SupportSought == nil {
		p.SupportSought = []SupportKind{}
	}
	return s.addChild(ctx, actor, orgID, projectChild, p, projectDetails(p), func(tx pgx.Tx, e *audit.Entry) error {
		err := checkThemes(ctx, tx, themeSlugs)
		if err != nil {
			return err
		}
		if p.Position, err = nextPosition(ctx, tx, projectChild, orgID); err != nil {
			return err
		}
		if _, err := insertProject(ctx, tx, orgID, p, themeSlugs); err != nil {
			return projectError(err)
		}
		p.Version, e.EntityID = 1, p.ID
		return nil
	})
}

func projectDetails(p *Project) map[string]any {
	return map[string]any{"slug": p.Slug, "title": p.Title}
}

// UpdateProject saves p (by p.ID, guarded by p.Version) and its themes.
// Errors as UpdateOffice.
func (s *Store) UpdateProject(ctx context.Context, actor audit.Actor, orgID int64, p *Project, themeSlugs []string) error {
	if p.SupportSought == nil {
		p.SupportSought = []SupportKind{}
	}
	return s.updateChild(ctx, actor, orgID, projectChild, p.ID, &p.Version, p, projectDetails(p), func(tx pgx.Tx, e *audit.Entry) error {
		if err := checkThemes(ctx, tx, themeSlugs); err != nil {
			return err
		}
		err := auditedUpdate(ctx, tx, e, "projects", orgID, p.ID, `
			UPDATE projects SET slug = $4, title = $5, summary_fr = $6, summary_en = $7, description_fr = $8, description_en = $9,
				status = $10, planned_start = $11, planned_end = $12, actual_start = $13, actual_end = $14,
				lead_office_id = NULLIF($15, 0), local_partners = $16, support_sought = $17, version = version + 1, updated_at = now()
			WHERE id = $1 AND organisation_id = $2 AND version = $3`,
			p.ID, orgID, p.Version, p.Slug, p.Title, p.Summary.FR, p.Summary.EN, p.Description.FR, p.Description.EN, p.Status,
			p.PlannedStart, p.PlannedEnd, p.ActualStart, p.ActualEnd, p.LeadOfficeID, p.LocalPartners, p.SupportSought)
		if err != nil {
			return projectError(err)
		}
		for _, q := range []string{`DELETE FROM project_countries WHERE project_id = $1`, `DELETE FROM project_themes WHERE project_id = $1`} {
			if _, err := tx.Exec(ctx, q, p.ID); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO project_countries (project_id, country_code) SELECT DISTINCT $1::bigint, unnest($2::text[])`, p.ID, p.Countries); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO project_themes (project_id, theme_id) SELECT $1::bigint, id FROM themes WHERE slug = ANY($2)`, p.ID, themeSlugs)
		return err
	})
}

// DeleteProject removes project id (at version) and its routing rules.
// Errors as UpdateOffice.
func (s *Store) DeleteProject(ctx context.Context, actor audit.Actor, orgID, id int64, version int) error {
	return s.deleteChild(ctx, actor, orgID, projectChild, id, version, nil)
}

// Project returns the profile's project with slug, or nil.
func (p *Profile) Project(slug string) *Project {
	for i := range p.Projects {
		if p.Projects[i].Slug == slug {
			return &p.Projects[i]
		}
	}
	return nil
}

// LangIn is the language In(lang) returns the text in: lang, or the other
// one when lang's is empty (the page then marks it with its lang
// attribute); "" when both are empty.
func (l Localized) LangIn(lang string) string {
	fr, en := l.FR != "", l.EN != ""
	switch {
	case lang == "en" && en, lang != "en" && !fr && en:
		return "en"
	case fr:
		return "fr"
	}
	return ""
}

// ProjectEntry is a published organisation's project, for the sitemap.
type ProjectEntry struct {
	OrganisationSlug string
	Slug             string
	UpdatedAt        time.Time
}

// PublishedProjects returns up to limit projects of published
// organisations with an id above afterID, in id order, and the last id
// returned, for paging through all of them (the sitemap).
func (s *Store) PublishedProjects(ctx context.Context, afterID int64, limit int) ([]ProjectEntry, int64, error) {
	rows, _ := s.pool.Query(ctx, `
		SELECT p.id, o.slug, p.slug, greatest(p.updated_at, o.updated_at)
		FROM projects p JOIN organisations o ON o.id = p.organisation_id
		WHERE o.status = 'published' AND p.id > $1 ORDER BY p.id LIMIT $2`, afterID, limit)
	last := afterID
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ProjectEntry, error) {
		var e ProjectEntry
		err := r.Scan(&last, &e.OrganisationSlug, &e.Slug, &e.UpdatedAt)
		return e, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("directory: published projects: %w", err)
	}
	return out, last, nil
}

// PublishedProjectCount returns how many projects published organisations
// have.
func (s *Store) PublishedProjectCount(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM projects p JOIN organisations o ON o.id = p.organisation_id
		WHERE o.status = 'published'`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("directory: count published projects: %w", err)
	}
	return n, nil
}
