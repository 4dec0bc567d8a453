package news

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
	"github.com/partnerdir/partnerdir/internal/richtext"
)

// Import is an article brought in whole rather than written on the
// platform — the demo data, a communiqué copied from an organisation's
// site: its slug, whether it goes online at once, and its links named
// within its organisation (project slugs, office and member names) rather
// than by id.
type Import struct {
	Input
	// Slug is the article's address; "" makes one from its title.
	Slug string
	// Publish puts it online at once (at Input.PublishedAt, else now);
	// otherwise it is a draft.
	Publish      bool
	ProjectSlugs []string
	OfficeNames  []string
	MemberNames  []string
}

// ImportTx stores im as an article of organisation orgID inside tx, with
// its audit entry and change hook. A published import skips moderation, so
// only the system and staff may publish one; a draft is anyone's who may
// create one. It returns an Invalid error for bad input (a link naming
// nothing of the organisation's included), fault.ErrNotFound for an
// unknown organisation, fault.ErrForbidden, and fault.ErrConflict when the
// slug is taken.
func (s *Store) ImportTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orgID int64, im Import) (Saved, error) {
	if im.Slug != "" && !directory.ValidSlug(im.Slug) {
		return Saved{}, fault.InvalidField("slug", "manage.err.invalid")
	}
	in := im.Input
	var v fault.Fields
	for _, x := range []struct {
		field, table, column string
		names                []string
		into                 *[]int64
	}{
		{"projects", "projects", "slug", im.ProjectSlugs, &in.ProjectIDs},
		{"offices", "offices", "name", im.OfficeNames, &in.OfficeIDs},
		{"members", "team_members", "full_name", im.MemberNames, &in.MemberIDs},
	} {
		if len(x.names) == 0 {
			continue
		}
		rows, _ := tx.Query(ctx, `SELECT id FROM `+x.table+` WHERE organisation_id = $1 AND `+x.column+` = ANY($2) ORDER BY id`, orgID, x.names)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return Saved{}, fmt.Errorf("news: import: resolve %s: %w", x.field, err)
		}
		if len(ids) != len(distinct(x.names)) {
			v.Add(x.field, errNotOurs)
		}
		*x.into = append(*x.into, ids...)
	}
	if err := v.Err(); err != nil {
		return Saved{}, err
	}
	c, err := check(in, s.policy, s.now())
	if err != nil {
		return Saved{}, err
	}
	status := StatusDraft
	if im.Publish {
		status = StatusPublished
	}
	out, err := s.createTx(ctx, tx, actor, orgID, c, im.Slug, status)
	if err != nil {
		return Saved{}, fmt.Errorf("news: import article of organisation %d: %w", orgID, err)
	}
	return out, nil
}

// Bulk is one article of a bulk load (CreateManyTx).
type Bulk struct {
	Input
	OrganisationID int64
	Slug           string
	// Published puts it online at Input.PublishedAt (else now); otherwise
	// it is a draft.
	Published bool
}

// CreateManyTx stores many articles inside tx with COPY, for bulk loads
// such as the synthetic benchmark data. Each is checked and rendered as
// Create does; links are taken as given (ids of the organisation's own
// projects and offices, which the database's keys still enforce).
//
// It records no audit entry per article and does not call the change
// hook: the caller audits the load as a whole and rebuilds the search
// index afterwards. It returns an Invalid error for bad input and
// fault.ErrConflict when a slug is taken.
func (s *Store) CreateManyTx(ctx context.Context, tx pgx.Tx, articles []Bulk) error {
	if len(articles) == 0 {
		return nil
	}
	now := s.now()
	// Generated loads repeat their bodies: each is rendered once.
	type rendered struct {
		html     string
		problems []richtext.Problem
	}
	seen := map[string]rendered{}
	render := func(md string) (string, []richtext.Problem) {
		r, ok := seen[md]
		if !ok {
			r.html, r.problems = s.policy.Render(md)
			seen[md] = r
		}
		return r.html, r.problems
	}
	cleaned := make([]*clean, len(articles))
	for i, b := range articles {
		if !directory.ValidSlug(b.Slug) {
			return fmt.Errorf("news: bulk create: article %d: %w", i, fault.InvalidField("slug", "manage.err.invalid"))
		}
		c, err := checkWith(b.Input, render, s.policy.ValidImage, now)
		if err != nil {
			return fmt.Errorf("news: bulk create: article %d (%s): %w", i, b.Slug, err)
		}
		cleaned[i] = c
	}
	rows, _ := tx.Query(ctx, `SELECT slug, id FROM themes`)
	themes := map[string]int64{}
	var slug string
	var themeID int64
	if _, err := pgx.ForEachRow(rows, []any{&slug, &themeID}, func() error { themes[slug] = themeID; return nil }); err != nil {
		return fmt.Errorf("news: bulk create: themes: %w", err)
	}
	var ids []int64
	if err := tx.QueryRow(ctx, `SELECT ARRAY(SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, $1))`,
		len(articles)).Scan(&ids); err != nil {
		return fmt.Errorf("news: bulk create: reserve ids: %w", err)
	}
	var arts, texts, artThemes, artCountries, artProjects, artOffices [][]any
	for i, b := range articles {
		c, id := cleaned[i], ids[i]
		status, published, first := StatusDraft, c.publishedAt, (*time.Time)(nil)
		if b.Published {
			status = StatusPublished
			if published == nil {
				published = &now
			}
			first = published
		}
		arts = append(arts, []any{id, b.OrganisationID, b.Slug, status, published, first, c.coverPath, c.coverAlt.FR, c.coverAlt.EN})
		for _, t := range c.translations {
			texts = append(texts, []any{id, t.Lang, t.Title, t.Lead, t.BodyMarkdown, t.BodyHTML})
		}
		for _, slug := range c.themes {
			if tid, ok := themes[slug]; ok {
				artThemes = append(artThemes, []any{id, tid})
			}
		}
		for _, code := range c.countries {
			artCountries = append(artCountries, []any{id, code})
		}
		for _, p := range c.projects {
			artProjects = append(artProjects, []any{b.OrganisationID, id, p})
		}
		for _, o := range c.offices {
			artOffices = append(artOffices, []any{b.OrganisationID, id, o})
		}
	}
	for _, t := range []struct {
		name    string
		columns []string
		rows    [][]any
	}{
		{"articles", []string{"id", "organisation_id", "slug", "status", "published_at", "first_published_at", "cover_path", "cover_alt_fr", "cover_alt_en"}, arts},
		{"article_translations", []string{"article_id", "lang", "title", "lead", "body_markdown", "body_html"}, texts},
		{"article_themes", []string{"article_id", "theme_id"}, artThemes},
		{"article_countries", []string{"article_id", "country_code"}, artCountries},
		{"article_projects", []string{"organisation_id", "article_id", "project_id"}, artProjects},
		{"article_offices", []string{"organisation_id", "article_id", "office_id"}, artOffices},
	} {
		if len(t.rows) == 0 {
			continue
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.columns, pgx.CopyFromRows(t.rows))
		if c, ok := postgres.UniqueViolation(err); ok && c == "articles_slug_key" {
			return fmt.Errorf("news: bulk create: slug taken: %w", fault.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("news: bulk create: copy %s: %w", t.name, err)
		}
	}
	return nil
}
