package search

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// documentsQuery reads, in one query for any number of organisations,
// exactly the public profile data a search document holds, in the order
// the profile page uses (so the digest is stable). It reads the
// directory's tables: the search index is a projection of them, and one
// query per 1,000 organisations keeps a full reindex close to Meilisearch's
// own ingestion speed.
const documentsQuery = `
	SELECT o.id, o.slug, o.name, o.alternate_name, o.iati_type,
		o.description_fr, o.description_en, o.mission_fr, o.mission_en, o.updated_at, o.version,
		COALESCE((SELECT json_agg(json_build_object('slug', t.slug, 'name_fr', t.name_fr, 'name_en', t.name_en) ORDER BY t.position, t.slug)
			FROM organisation_themes ot JOIN themes t ON t.id = ot.theme_id WHERE ot.organisation_id = o.id), '[]'),
		ARRAY(SELECT country_code::text FROM organisation_countries WHERE organisation_id = o.id ORDER BY 1),
		COALESCE((SELECT json_agg(json_build_object('name', f.name, 'kind', f.kind, 'city', f.city, 'country', f.country_code)
			ORDER BY array_position(ARRAY['headquarters','regional','country','field'], f.kind), f.position, f.id)
			FROM offices f WHERE f.organisation_id = o.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('name', m.full_name, 'role', m.role_title) ORDER BY m.position, m.id)
			FROM team_members m WHERE m.organisation_id = o.id AND m.visibility = 'public'), '[]'),
		COALESCE((SELECT json_agg(json_build_object('title', p.title, 'summary_fr', p.summary_fr, 'summary_en', p.summary_en,
				'support', p.support_sought) ORDER BY p.status = 4 OR p.status = 5, p.position, p.id)
			FROM projects p WHERE p.organisation_id = o.id), '[]')
	FROM organisations o
	WHERE o.id = ANY($1) AND o.status = 'published'`

// documents returns the documents of the ids that must be indexed
// (published ones), keyed by id.
func (ix *Indexer) documents(ctx context.Context, ids []int64) (map[int64]Document, error) {
	names, err := ix.namer(ctx)
	if err != nil {
		return nil, err
	}
	rows, _ := ix.pool.Query(ctx, documentsQuery, ids)
	out := make(map[int64]Document, len(ids))
	var (
		p        directory.Organisation
		updated  time.Time
		offices  []struct{ Name, Kind, City, Country string }
		members  []struct{ Name, Role string }
		projects []struct {
			Title     string                  `json:"title"`
			SummaryFR string                  `json:"summary_fr"`
			SummaryEN string                  `json:"summary_en"`
			Support   []directory.SupportKind `json:"support"`
		}
	)
	_, err = pgx.ForEachRow(rows, []any{&p.ID, &p.Slug, &p.Name, &p.AlternateName, &p.Kind,
		&p.Description.FR, &p.Description.EN, &p.Mission.FR, &p.Mission.EN, &updated, &p.Version,
		&p.Themes, &p.Countries, &offices, &members, &projects}, func() error {
		prof := directory.Profile{Organisation: p}
		prof.Status = directory.StatusPublished
		prof.UpdatedAt = updated
		for _, f := range offices {
			prof.Offices = append(prof.Offices, directory.Office{Name: f.Name, Kind: f.Kind, City: f.City, Country: f.Country})
		}
		for _, m := range members {
			prof.Members = append(prof.Members, directory.Member{FullName: m.Name, RoleTitle: m.Role, Public: true})
		}
		for _, pr := range projects {
			prof.Projects = append(prof.Projects, directory.Project{Title: pr.Title,
				Summary: directory.Localized{FR: pr.SummaryFR, EN: pr.SummaryEN}, SupportSought: pr.Support})
		}
		d, ok := BuildDocument(&prof, names)
		if ok {
			out[d.ID] = d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: read documents: %w", err)
	}
	return out, nil
}
