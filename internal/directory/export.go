package directory

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// Reads of published organisations' public profiles in bulk, for the open
// data exports (internal/hsds): every profile in batches, a page of them,
// one by its HSDS id. Each batch costs two round trips whatever its size:
// the organisations, then their offices, public team members, projects and
// public contact points for the whole batch (= ANY($1)), never a query per
// organisation.

// MaxExportBatch bounds the batch of EachProfile and the page of
// PublishedProfiles: what one batch holds stays in memory.
const MaxExportBatch = 1000

// hsdsID is an organisation's HSDS id in SQL, as internal/hsds computes it
// (the stored uuid, else UUIDv5 of our id in hsds.Namespace); migration
// 00019 indexes this very expression.
const hsdsID = `COALESCE(o.uuid, uuid_generate_v5('8a6ed3f9-9084-456f-b96a-ccf112b5c897'::uuid, 'partnerdir:organisation:' || o.id::text))`

const exportOfficeQuery = `
	SELECT organisation_id, id, name, kind, address, postal_code, city, country_code, latitude::float8, longitude::float8,
		COALESCE(opened_year, 0), email, phone, position,
		ARRAY(SELECT country_code::text FROM office_countries WHERE office_id = f.id ORDER BY 1), version
	FROM offices f WHERE organisation_id = ANY($1)
	ORDER BY organisation_id, array_position(ARRAY['headquarters','regional','country','field'], kind), position, id`

const exportMemberQuery = `
	SELECT organisation_id, id, COALESCE(office_id, 0), full_name, role_title, responsibilities, bio, COALESCE(joined_year, 0),
		email, true, position, version
	FROM team_members WHERE organisation_id = ANY($1) AND visibility = 'public'
	ORDER BY organisation_id, position, id`

const exportProjectQuery = `
	SELECT p.organisation_id, p.id, p.slug, p.title,
		json_build_object('fr', p.summary_fr, 'en', p.summary_en),
		json_build_object('fr', p.description_fr, 'en', p.description_en),
		p.status, p.planned_start, p.planned_end, p.actual_start, p.actual_end,
		COALESCE(p.lead_office_id, 0), p.local_partners, p.support_sought,
		ARRAY(SELECT country_code::text FROM project_countries WHERE project_id = p.id ORDER BY 1),
		COALESCE((SELECT json_agg(json_build_object('id', t.id, 'slug', t.slug, 'name_fr', t.name_fr, 'name_en', t.name_en) ORDER BY t.position, t.slug)
			FROM project_themes pt JOIN themes t ON t.id = pt.theme_id WHERE pt.project_id = p.id), '[]'),
		p.position, p.version
	FROM projects p WHERE p.organisation_id = ANY($1)
	ORDER BY p.organisation_id, p.status = 4 OR p.status = 5, p.position, p.id`

// Public contact points in ContactPoints' order: the default first, then by
// name and id.
const exportContactQuery = `
	SELECT c.organisation_id, c.id, c.name, c.email, c.role_code, COALESCE(c.office_id, 0), true,
		c.id = COALESCE(o.default_contact_id, 0), c.version
	FROM contact_points c JOIN organisations o ON o.id = c.organisation_id
	WHERE c.organisation_id = ANY($1) AND c.visibility = 'public'
	ORDER BY c.organisation_id, c.id = COALESCE(o.default_contact_id, 0) DESC, c.name, c.id`

// exportDocumentQuery reads the batch's public documents in the order a
// profile lists them.
const exportDocumentQuery = `SELECT ` + documentColumns + ` FROM documents
	WHERE organisation_id = ANY($1) AND visibility = 'public'
	ORDER BY organisation_id, year DESC NULLS LAST, id DESC`

// EachProfile calls fn with the public profile of every published
// organisation, in the order of their HSDS ids (the same order in any
// database that holds them: an export, imported elsewhere and exported
// again, lists its records as it did), batch at a time (1 to
// MaxExportBatch): its
// own fields, offices, public team members, projects and public contact
// points (Contacts). Memory holds one batch; fn must not keep the profiles
// it is given past the next batch if memory matters. An error of fn stops
// the walk and is returned as it is. The walk is not one snapshot: an
// organisation published or changed meanwhile may or may not be seen.
func (s *Store) EachProfile(ctx context.Context, batch int, fn func(*Profile) error) error {
	if batch < 1 || batch > MaxExportBatch {
		return fmt.Errorf("directory: each profile: batch %d out of 1…%d", batch, MaxExportBatch)
	}
	// Keyset paging over organisations_hsds_id_idx (migration 00019),
	// after the HSDS id of the previous batch's last organisation.
	after := ""
	for {
		where, args := `true`, []any{batch}
		if after != "" {
			where, args = hsdsID+` > $2::uuid`, append(args, after)
		}
		where += ` ORDER BY ` + hsdsID + ` LIMIT $1`
		ps, err := s.publishedProfiles(ctx, where, args, true)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := fn(p); err != nil {
				return err
			}
		}
		if len(ps) < batch {
			return nil
		}
		last := ps[len(ps)-1]
		if after = last.UUID; after == "" {
			if err := s.pool.QueryRow(ctx, `SELECT `+hsdsID+`::text FROM organisations o WHERE o.id = $1`, last.ID).Scan(&after); err != nil {
				return fmt.Errorf("directory: each profile: the HSDS id of %d: %w", last.ID, err)
			}
		}
	}
}

// PublishedProfiles returns the page of published organisations that
// begins after offset, in id order, at most limit (1 to MaxExportBatch)
// of them: with their children (as EachProfile) when children is set,
// else only what an HSDS organization_list shows (id and UUID, slug, name,
// acronym, kind, description, founding year, website, email).
func (s *Store) PublishedProfiles(ctx context.Context, offset, limit int, children bool) ([]*Profile, error) {
	if limit < 1 || limit > MaxExportBatch || offset < 0 {
		return nil, fmt.Errorf("directory: published profiles: page %d+%d out of range", offset, limit)
	}
	// The page's ids first: OFFSET over the full select would compute the
	// skipped rows' columns too (35 s instead of 0.7 s at 95,000 in).
	return s.publishedProfiles(ctx, `o.id IN (SELECT id FROM organisations WHERE status = 'published' ORDER BY id OFFSET $1 LIMIT $2)
		ORDER BY o.id`, []any{offset, limit}, children)
}

// ProfileByHSDSID returns the public profile (as EachProfile gives it) of
// the published organisation whose HSDS id is id, a UUID: its stored one
// or the one derived from its own id. It returns fault.ErrNotFound when no
// published organisation has it.
func (s *Store) ProfileByHSDSID(ctx context.Context, id string) (*Profile, error) {
	ps, err := s.publishedProfiles(ctx, hsdsID+` = $1::uuid`, []any{id}, true)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fault.ErrNotFound
	}
	return ps[0], nil
}

// PublishedTotal returns how many organisations are published, from the
// cached counts (the unfiltered list's total, see countCache): a page of
// an export needs it, and counting 100,000 rows on every request would
// cost more than the page.
func (s *Store) PublishedTotal(ctx context.Context) (int, error) {
	// The key and query of List's total with no filter: one count for both.
	total, err := s.cache.Get(ctx, "list:||0", func(ctx context.Context) (any, error) {
		var n int
		err := s.pool.QueryRow(ctx, `SELECT count(*) FROM organisations o WHERE o.status = 'published'`).Scan(&n)
		return n, err
	})
	if err != nil {
		return 0, fmt.Errorf("directory: count published: %w", err)
	}
	return total.(int), nil
}

// summaryColumns are what a list of organisations without their children
// shows (an HSDS organization_list): none of organisationColumns' lists,
// which cost a subquery each per row.
const summaryColumns = `o.id, o.slug, o.name, o.alternate_name, o.iati_type, o.description_fr, o.description_en,
	COALESCE(o.founded_year, 0), o.website, o.email, o.status, COALESCE(o.uuid::text, '')`

// publishedProfiles reads the published organisations that match where
// (which may end with ORDER BY and LIMIT) and, when children is set, their
// public children for all of them in one more round trip. Without
// children, only their summaryColumns are read.
func (s *Store) publishedProfiles(ctx context.Context, where string, args []any, children bool) ([]*Profile, error) {
	cols, scan := organisationColumns, func(r pgx.CollectableRow) (*Profile, error) {
		p := &Profile{}
		return p, scanOrganisation(r, &p.Organisation)
	}
	if !children {
		cols, scan = summaryColumns, func(r pgx.CollectableRow) (*Profile, error) {
			p := &Profile{}
			o := &p.Organisation
			return p, r.Scan(&o.ID, &o.Slug, &o.Name, &o.AlternateName, &o.Kind, &o.Description.FR, &o.Description.EN,
				&o.FoundedYear, &o.Website, &o.Email, &o.Status, &o.UUID)
		}
	}
	rows, _ := s.pool.Query(ctx, "SELECT "+cols+" FROM organisations o WHERE o.status = 'published' AND "+where, args...)
	ps, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("directory: read published profiles: %w", err)
	}
	if !children || len(ps) == 0 {
		return ps, nil
	}
	ids := make([]int64, len(ps))
	byID := make(map[int64]*Profile, len(ps))
	for i, p := range ps {
		ids[i], byID[p.ID] = p.ID, p
	}
	// Each query's rows come ordered by organisation, then in the order a
	// profile page uses; appending keeps that order per profile.
	owner := func(id int64) (*Profile, error) {
		if p, ok := byID[id]; ok {
			return p, nil
		}
		return nil, errors.New("a child of an organisation outside the batch")
	}
	batch := &pgx.Batch{}
	batch.Queue(exportOfficeQuery, ids).Query(func(rows pgx.Rows) error {
		var org int64
		var f Office
		_, err := pgx.ForEachRow(rows, []any{&org, &f.ID, &f.Name, &f.Kind, &f.Address, &f.PostalCode, &f.City, &f.Country,
			&f.Latitude, &f.Longitude, &f.OpenedYear, &f.Email, &f.Phone, &f.Position, &f.Covers, &f.Version}, func() error {
			p, err := owner(org)
			if err == nil {
				p.Offices = append(p.Offices, f)
				f = Office{}
			}
			return err
		})
		return err
	})
	batch.Queue(exportMemberQuery, ids).Query(func(rows pgx.Rows) error {
		var org int64
		var m Member
		_, err := pgx.ForEachRow(rows, []any{&org, &m.ID, &m.OfficeID, &m.FullName, &m.RoleTitle, &m.Responsibilities, &m.Bio,
			&m.JoinedYear, &m.Email, &m.Public, &m.Position, &m.Version}, func() error {
			p, err := owner(org)
			if err == nil {
				p.Members = append(p.Members, m)
			}
			return err
		})
		return err
	})
	batch.Queue(exportProjectQuery, ids).Query(func(rows pgx.Rows) error {
		var org int64
		var pr Project
		_, err := pgx.ForEachRow(rows, []any{&org, &pr.ID, &pr.Slug, &pr.Title, &pr.Summary, &pr.Description, &pr.Status,
			&pr.PlannedStart, &pr.PlannedEnd, &pr.ActualStart, &pr.ActualEnd,
			&pr.LeadOfficeID, &pr.LocalPartners, &pr.SupportSought, &pr.Countries, &pr.Themes, &pr.Position, &pr.Version}, func() error {
			p, err := owner(org)
			if err == nil {
				p.Projects = append(p.Projects, pr)
				pr = Project{}
			}
			return err
		})
		return err
	})
	batch.Queue(exportContactQuery, ids).Query(func(rows pgx.Rows) error {
		var org int64
		var c ContactPoint
		_, err := pgx.ForEachRow(rows, []any{&org, &c.ID, &c.Name, &c.Email, &c.RoleCode, &c.OfficeID, &c.Public, &c.Default, &c.Version}, func() error {
			p, err := owner(org)
			if err == nil {
				p.Contacts = append(p.Contacts, c)
			}
			return err
		})
		return err
	})
	for _, p := range ps {
		p.Documents = []Document{} // as a profile page reads them: none is an empty list
	}
	batch.Queue(exportDocumentQuery, ids).Query(func(rows pgx.Rows) error {
		var d Document
		_, err := pgx.ForEachRow(rows, []any{&d.ID, &d.OrganisationID, &d.Kind, &d.Year, &d.Title, &d.Public, &d.FileName,
			&d.Size, &d.SHA256, &d.CreatedAt}, func() error {
			p, err := owner(d.OrganisationID)
			if err == nil {
				p.Documents = append(p.Documents, d)
			}
			return err
		})
		return err
	})
	if err := s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return nil, fmt.Errorf("directory: read published profiles' children: %w", err)
	}
	return ps, nil
}
