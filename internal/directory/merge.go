package directory

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// StatusMerged is the status of an organisation merged into another: it
// is shown nowhere, and its addresses answer 301 to the one kept (Moves).
const StatusMerged = "merged"

// Mover moves the rows another package owns (memberships, offers,
// articles, suggestions) from a merged organisation to the one kept,
// inside Merge's transaction, and says how many moved. The foreign keys
// between an organisation's rows are deferred to the commit there.
type Mover struct {
	// Kind names what moves, as MergeResult counts it ("offers").
	Kind string
	Move func(ctx context.Context, tx pgx.Tx, from, into int64) (int64, error)
}

// WithMovers adds the movers of the other packages to Merge.
func WithMovers(m ...Mover) Option {
	return func(s *Store) { s.movers = append(s.movers, m...) }
}

// MergeSide is one of the two organisations of a merge.
type MergeSide struct {
	ID     int64
	Slug   string
	Name   string
	Status string
}

// MergeCount is how many rows of a kind a merge moved (or left out).
type MergeCount struct {
	Kind string
	N    int
}

// MergeResult is what a merge moved from From to Into. Kept counts what
// the duplicate had but was left out, the kept organisation having its
// own (a headquarters becomes a country office; an identifier of the same
// scheme, a social link of the same network, a routing rule for the same
// case: the kept organisation's stays).
type MergeResult struct {
	From, Into MergeSide
	Moved      []MergeCount
	Kept       []MergeCount
	// Renamed are the moved projects whose slug the kept organisation
	// already used: they have a new one, their old address redirects.
	Renamed int
}

// The refusals of a merge; each changes nothing.
var (
	// ErrMergeSelf: an organisation merged into itself.
	ErrMergeSelf = &fault.Error{Kind: fault.Invalid, ID: "merge.err.self", Fields: map[string]string{"into": "merge.err.self"}}
	// ErrMergeUnknown: no organisation has the target slug.
	ErrMergeUnknown = &fault.Error{Kind: fault.Invalid, ID: "merge.err.unknown", Fields: map[string]string{"into": "merge.err.unknown"}}
	// ErrMergeIntoMerged: the target was itself merged into another.
	ErrMergeIntoMerged = &fault.Error{Kind: fault.Invalid, ID: "merge.err.into_merged", Fields: map[string]string{"into": "merge.err.into_merged"}}
	// ErrAlreadyMerged: the duplicate was merged already.
	ErrAlreadyMerged = fault.New(fault.Conflict, "merge.err.already")
)

// Merge moves everything organisation fromID holds to the organisation
// with slug intoSlug, in one transaction: offices, team, projects, contact
// points, routing rules, documents, identifiers, themes and countries
// (their union), social links, and the other packages' rows (WithMovers).
// The duplicate becomes StatusMerged, pointing at the kept organisation
// (so do the organisations merged into it before), and its addresses
// redirect there (Moves); both are audited and re-indexed. Errors:
// fault.ErrNotFound (no organisation fromID), ErrMergeSelf,
// ErrMergeUnknown, ErrMergeIntoMerged, ErrAlreadyMerged.
func (s *Store) Merge(ctx context.Context, actor audit.Actor, fromID int64, intoSlug string) (*MergeResult, error) {
	var res *MergeResult
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		res, err = s.merge(ctx, tx, actor, fromID, intoSlug)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("directory: merge organisation %d into %q: %w", fromID, intoSlug, err)
	}
	return res, nil
}

// PreviewMerge is what Merge would move, found by merging and rolling
// back: the confirmation page shows the very counts of the merge. It
// refuses what Merge refuses.
func (s *Store) PreviewMerge(ctx context.Context, fromID int64, intoSlug string) (*MergeResult, error) {
	var res *MergeResult
	err := s.write(ctx, func(tx pgx.Tx) error {
		var err error
		if res, err = s.merge(ctx, tx, audit.System("preview"), fromID, intoSlug); err != nil {
			return err
		}
		return errDryRun
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, fmt.Errorf("directory: preview merge of organisation %d into %q: %w", fromID, intoSlug, err)
	}
	return res, nil
}

// mergeStep is one statement of a merge: $1 is the duplicate, $2 the
// organisation kept. kept steps count what was left out.
type mergeStep struct {
	kind string
	kept bool
	sql  string
}

// mergeSteps run in order. Rows that would collide with the kept
// organisation's are counted and dropped first, then the others move;
// moved offices, team members and projects go after the kept ones.
var mergeSteps = []mergeStep{
	{kind: "offices", sql: `UPDATE offices SET organisation_id = $2,
		kind = CASE WHEN kind = 'headquarters' AND EXISTS (
			SELECT 1 FROM offices k WHERE k.organisation_id = $2 AND k.kind = 'headquarters') THEN 'country' ELSE kind END,
		position = position + COALESCE((SELECT max(position) + 1 FROM offices WHERE organisation_id = $2), 0),
		updated_at = now(), version = version + 1
		WHERE organisation_id = $1`},
	{kind: "team_members", sql: `UPDATE team_members SET organisation_id = $2,
		position = position + COALESCE((SELECT max(position) + 1 FROM team_members WHERE organisation_id = $2), 0),
		updated_at = now(), version = version + 1
		WHERE organisation_id = $1`},
	{kind: "projects_renamed", kept: true, sql: `INSERT INTO project_redirects (organisation_id, slug, project_id)
		SELECT $1, p.slug, p.id FROM projects p
		WHERE p.organisation_id = $1 AND EXISTS (SELECT 1 FROM projects k WHERE k.organisation_id = $2 AND k.slug = p.slug)`},
	{kind: "projects", sql: `UPDATE projects p SET organisation_id = $2,
		slug = CASE WHEN EXISTS (SELECT 1 FROM projects k WHERE k.organisation_id = $2 AND k.slug = p.slug)
			THEN left(p.slug, 60) || '-' || p.id ELSE p.slug END,
		position = position + COALESCE((SELECT max(position) + 1 FROM projects WHERE organisation_id = $2), 0),
		updated_at = now(), version = version + 1
		WHERE organisation_id = $1`},
	{kind: "contact_points", sql: `UPDATE contact_points SET organisation_id = $2, updated_at = now(), version = version + 1
		WHERE organisation_id = $1`},
	{kind: "routing_rules", kept: true, sql: `DELETE FROM routing_rules r WHERE r.organisation_id = $1 AND EXISTS (
		SELECT 1 FROM routing_rules k WHERE k.organisation_id = $2 AND k.support_kind = r.support_kind
			AND k.office_id IS NOT DISTINCT FROM r.office_id AND k.project_id IS NOT DISTINCT FROM r.project_id)`},
	{kind: "routing_rules", sql: `UPDATE routing_rules SET organisation_id = $2 WHERE organisation_id = $1`},
	{kind: "documents", sql: `UPDATE documents SET organisation_id = $2 WHERE organisation_id = $1`},
	{kind: "identifiers", kept: true, sql: `DELETE FROM organisation_identifiers i WHERE i.organisation_id = $1 AND EXISTS (
		SELECT 1 FROM organisation_identifiers k WHERE k.organisation_id = $2 AND k.scheme = i.scheme)`},
	{kind: "identifiers", sql: `UPDATE organisation_identifiers SET organisation_id = $2 WHERE organisation_id = $1`},
	{kind: "themes", sql: `INSERT INTO organisation_themes (organisation_id, theme_id)
		SELECT $2, theme_id FROM organisation_themes WHERE organisation_id = $1 ON CONFLICT DO NOTHING`},
	{kind: "countries", sql: `INSERT INTO organisation_countries (organisation_id, country_code)
		SELECT $2, country_code FROM organisation_countries WHERE organisation_id = $1 ON CONFLICT DO NOTHING`},
	{kind: "social_links", kept: true, sql: `DELETE FROM social_links l WHERE l.organisation_id = $1 AND EXISTS (
		SELECT 1 FROM social_links k WHERE k.organisation_id = $2 AND k.network = l.network)`},
	{kind: "social_links", sql: `UPDATE social_links SET organisation_id = $2 WHERE organisation_id = $1`},
}

func (s *Store) merge(ctx context.Context, tx pgx.Tx, actor audit.Actor, fromID int64, intoSlug string) (*MergeResult, error) {
	res := &MergeResult{}
	// Both rows, locked in id order (two merges never wait on each other
	// in a cycle).
	rows, _ := tx.Query(ctx, `SELECT id, slug, name, status FROM organisations WHERE id = $1 OR slug = $2 ORDER BY id FOR UPDATE`,
		fromID, strings.TrimSpace(intoSlug))
	sides, err := pgx.CollectRows(rows, pgx.RowToStructByPos[MergeSide])
	if err != nil {
		return nil, err
	}
	for _, o := range sides {
		if o.ID == fromID {
			res.From = o
		}
		if o.Slug == strings.TrimSpace(intoSlug) {
			res.Into = o
		}
	}
	switch {
	case res.From.ID == 0:
		return nil, fault.ErrNotFound
	case res.Into.ID == 0:
		return nil, ErrMergeUnknown
	case res.Into.ID == fromID:
		return nil, ErrMergeSelf
	case res.Into.Status == StatusMerged:
		return nil, ErrMergeIntoMerged
	case res.From.Status == StatusMerged:
		return nil, ErrAlreadyMerged
	}
	if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL DEFERRED`); err != nil {
		return nil, err
	}
	from, into := res.From.ID, res.Into.ID
	add := func(list *[]MergeCount, kind string, n int64) {
		c := int(n)
		for i := range *list {
			if (*list)[i].Kind == kind {
				(*list)[i].N += c
				return
			}
		}
		*list = append(*list, MergeCount{Kind: kind, N: c})
	}
	for _, st := range mergeSteps {
		tag, err := tx.Exec(ctx, st.sql, from, into)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", st.kind, err)
		}
		switch {
		case st.kind == "projects_renamed":
			res.Renamed = int(tag.RowsAffected())
		case st.kept:
			add(&res.Kept, st.kind, tag.RowsAffected())
		default:
			add(&res.Moved, st.kind, tag.RowsAffected())
		}
	}
	for _, m := range s.movers {
		n, err := m.Move(ctx, tx, from, into)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Kind, err)
		}
		add(&res.Moved, m.Kind, n)
	}
	// The duplicate keeps its decisions and audit entries (its history);
	// its themes and countries went to the union above.
	if _, err := tx.Exec(ctx, `
		WITH t AS (DELETE FROM organisation_themes WHERE organisation_id = $1),
			c AS (DELETE FROM organisation_countries WHERE organisation_id = $1),
			earlier AS (UPDATE organisations SET merged_into_id = $2 WHERE merged_into_id = $1),
			kept AS (UPDATE organisations k SET version = k.version + 1, updated_at = now(),
				default_contact_id = COALESCE(k.default_contact_id, (SELECT default_contact_id FROM organisations WHERE id = $1))
				WHERE k.id = $2)
		UPDATE organisations SET status = $3, merged_into_id = $2, default_contact_id = NULL,
			version = version + 1, updated_at = now()
		WHERE id = $1`, from, into, StatusMerged); err != nil {
		return nil, err
	}
	details := func(other MergeSide) map[string]any {
		moved := map[string]int{}
		for _, c := range res.Moved {
			moved[c.Kind] = c.N
		}
		kept := map[string]int{}
		for _, c := range res.Kept {
			kept[c.Kind] = c.N
		}
		return map[string]any{"other_id": other.ID, "other_slug": other.Slug, "moved": moved, "left_out": kept,
			"projects_renamed": res.Renamed}
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.merged", EntityType: "organisation",
		EntityID: from, OrganisationID: from, Details: details(res.Into)}); err != nil {
		return nil, err
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "organisation.merge", EntityType: "organisation",
		EntityID: into, OrganisationID: into, Details: details(res.From)}); err != nil {
		return nil, err
	}
	if err := s.changed(ctx, tx, from); err != nil {
		return nil, err
	}
	if err := s.changed(ctx, tx, into); err != nil {
		return nil, err
	}
	return res, nil
}

// Moves are where the addresses of merged organisations go now.
type Moves struct {
	// slugs maps a merged organisation's slug to the kept one's.
	slugs map[string]string
	// projects maps "old organisation slug/old project slug" of a project
	// renamed by a merge to its slug now.
	projects map[string]string
	// hsds maps a merged organisation's HSDS id to the kept one's.
	hsds map[string]string
}

// Organisation is the slug of the organisation that slug was merged into.
func (m *Moves) Organisation(slug string) (string, bool) {
	to, ok := m.slugs[slug]
	return to, ok
}

// Project is the slug, now, of the project that had slug project under the
// merged organisation org (unchanged unless the merge renamed it).
func (m *Moves) Project(org, project string) string {
	if to, ok := m.projects[org+"/"+project]; ok {
		return to
	}
	return project
}

// HSDS is the HSDS id of the organisation that the one of HSDS id id was
// merged into.
func (m *Moves) HSDS(id string) (string, bool) {
	to, ok := m.hsds[strings.ToLower(id)]
	return to, ok
}

// Moves returns the addresses of every merged organisation, cached with
// the counts (invalidated by every write through this Store, at most
// countTTL late for another process's): checked on every request to an
// organisation's address, it must cost no query. Merges are few.
func (s *Store) Moves(ctx context.Context) (*Moves, error) {
	v, err := s.cache.Get(ctx, "moves", func(ctx context.Context) (any, error) {
		m := &Moves{slugs: map[string]string{}, projects: map[string]string{}, hsds: map[string]string{}}
		rows, err := s.pool.Query(ctx, `
			SELECT o.slug, k.slug, `+hsdsID+`::text, `+strings.ReplaceAll(hsdsID, "o.", "k.")+`::text
			FROM organisations o JOIN organisations k ON k.id = o.merged_into_id
			WHERE o.status = 'merged'`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var from, to, fromID, toID string
			if err := rows.Scan(&from, &to, &fromID, &toID); err != nil {
				return nil, err
			}
			m.slugs[from], m.hsds[fromID] = to, toID
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = s.pool.Query(ctx, `
			SELECT o.slug || '/' || r.slug, p.slug FROM project_redirects r
			JOIN organisations o ON o.id = r.organisation_id JOIN projects p ON p.id = r.project_id`)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var from, to string
			if err := rows.Scan(&from, &to); err != nil {
				return nil, err
			}
			m.projects[from] = to
		}
		return m, rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("directory: moves: %w", err)
	}
	return v.(*Moves), nil
}
