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
		o.description_fr, o.description_en, o.mission_fr, o.mission_en, o.updated_at, o.version, o.last_verified_on,
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
	if len(ids) == 0 {
		return map[int64]Document{}, nil
	}
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
		&p.Description.FR, &p.Description.EN, &p.Mission.FR, &p.Mission.EN, &updated, &p.Version, &p.LastVerifiedOn,
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

// doc is a document of any index: its id (the primary key) and the digest
// of its content, which verify compares.
type doc interface {
	docID() int64
	docDigest() string
}

func (d Document) docID() int64      { return d.ID }
func (d Document) docDigest() string { return d.Digest }

// source is what an index's documents come from and where the fallback
// keeps them: the part of an index's definition that is code.
type source struct {
	// expected lists, in id order, what must be indexed.
	expected string
	// owned lists the ids of organisation $1's documents, those that exist
	// and those still in the fallback table; "" when an index has no
	// documents of its own per organisation.
	owned string
	// unindexed tells whether document $1 exists and can never have been
	// sent to Meilisearch (an article never published: a draft saved
	// again), so its sync sends Meilisearch nothing; "" when unknown.
	unindexed string
	// load builds the documents of those ids that must be indexed.
	load func(ctx context.Context, ix *Indexer, ids []int64) (map[int64]doc, error)
	// The fallback table, its key column, the statement that writes a
	// document's row (named arguments from args), and the one that
	// deletes the rows of documents that must no longer be indexed.
	table, key string
	upsert     string
	args       func(doc) pgx.NamedArgs
	prune      string
	// lock is the advisory-lock class of one document's sync.
	lock int32
}

// sourceOf is the source of an index kind.
func sourceOf(k Kind) (*source, error) {
	switch k {
	case Organisations:
		return &organisationSource, nil
	case Articles:
		return &articleSource, nil
	}
	return nil, fmt.Errorf("search: no index %q", k)
}

var organisationSource = source{
	expected: `SELECT id FROM organisations WHERE status = 'published' ORDER BY id`,
	load: func(ctx context.Context, ix *Indexer, ids []int64) (map[int64]doc, error) {
		docs, err := ix.documents(ctx, ids)
		if err != nil {
			return nil, err
		}
		out := make(map[int64]doc, len(docs))
		for id, d := range docs {
			out[id] = d
		}
		return out, nil
	},
	table: "search_documents", key: "organisation_id",
	upsert: upsertFallback,
	args:   func(d doc) pgx.NamedArgs { return fallbackArgs(d.(Document)) },
	prune: `DELETE FROM search_documents sd WHERE NOT EXISTS (
		SELECT 1 FROM organisations o WHERE o.id = sd.organisation_id AND o.status = 'published')`,
	lock: 7262003,
}
