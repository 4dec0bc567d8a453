package news

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Create stores a new draft of organisation orgID by actor (its author),
// with its audit entry and change hook, under a slug made from its title.
// It returns an Invalid error for bad input (see Input; links to another
// organisation's projects, offices or people included),
// fault.ErrNotFound for an unknown organisation and fault.ErrForbidden
// when actor is not one of the organisation's owners or editors.
func (s *Store) Create(ctx context.Context, actor audit.Actor, orgID int64, in Input) (Saved, error) {
	c, err := check(in, s.policy, s.now())
	if err != nil {
		return Saved{}, err
	}
	var out Saved
	err = s.write(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = s.createTx(ctx, tx, actor, orgID, c, "", StatusDraft)
		return err
	})
	if err != nil {
		return Saved{}, fmt.Errorf("news: create article of organisation %d: %w", orgID, err)
	}
	return out, nil
}

// createTx inserts c as an article of orgID with status (draft, or
// published for an import), under slug or one made from its title.
func (s *Store) createTx(ctx context.Context, tx pgx.Tx, actor audit.Actor, orgID int64, c *clean, slug, status string) (Saved, error) {
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1)`, orgID).Scan(&exists); err != nil {
		return Saved{}, err
	}
	if !exists {
		return Saved{}, fault.ErrNotFound
	}
	who := editors
	if status != StatusDraft {
		who = reviewers // only the system or staff put an article straight online
	}
	if err := authorise(ctx, tx, actor, orgID, who); err != nil {
		return Saved{}, err
	}
	if err := checkLinks(ctx, tx, orgID, c); err != nil {
		return Saved{}, err
	}
	if slug == "" {
		var err error
		if slug, err = freeSlug(ctx, tx, slugBase(c.title()), 0); err != nil {
			return Saved{}, err
		}
	}
	out := Saved{Slug: slug, Status: status}
	err := tx.QueryRow(ctx, `
		INSERT INTO articles (organisation_id, slug, status, published_at, first_published_at, author_user_id,
			cover_path, cover_alt_fr, cover_alt_en)
		VALUES ($1, $2, $3, CASE WHEN $3 = 'published' THEN COALESCE($4, now()) ELSE $4 END,
			CASE WHEN $3 = 'published' THEN now() END, NULLIF($5, 0), $6, $7, $8)
		RETURNING id, version`,
		orgID, slug, status, c.publishedAt, actor.UserID, c.coverPath, c.coverAlt.FR, c.coverAlt.EN).Scan(&out.ID, &out.Version)
	if cn, ok := postgres.UniqueViolation(err); ok && cn == "articles_slug_key" {
		return Saved{}, fault.Wrap(fault.Conflict, fmt.Errorf("slug %s taken: %w", slug, err))
	}
	if err != nil {
		return Saved{}, err
	}
	if err := writeParts(ctx, tx, out.ID, orgID, c); err != nil {
		return Saved{}, err
	}
	action := "article.create"
	if status != StatusDraft {
		action = "article.import"
	}
	if err := audit.Record(ctx, tx, actor, audit.Entry{Action: action, EntityType: "article", EntityID: out.ID,
		OrganisationID: orgID, Details: map[string]any{"slug": slug, "status": status, "langs": langs(c)}}); err != nil {
		return Saved{}, err
	}
	return out, s.changed(ctx, tx, out.ID, orgID)
}

// Update saves in over article id, based on version — the version its
// editor read —, with its audit entry (the fields changed) and change hook,
// and returns the new state. A draft or submitted article keeps its
// status. A published one stays published when its organisation is
// news_trusted; otherwise it goes back to submitted, off the public pages,
// until staff approve the new text. Until it is first published its slug
// follows its title; then it never changes.
//
// It returns an Invalid error for bad input, fault.ErrNotFound for an
// unknown article, fault.ErrForbidden when actor is not one of its
// organisation's owners or editors, ErrStale (a conflict) when version is
// not the current one and ErrWrongStatus for a withdrawn article.
func (s *Store) Update(ctx context.Context, actor audit.Actor, id int64, version int, in Input) (Saved, error) {
	c, err := check(in, s.policy, s.now())
	if err != nil {
		return Saved{}, err
	}
	var out Saved
	err = s.write(ctx, func(tx pgx.Tx) error {
		cur, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := authorise(ctx, tx, actor, cur.orgID, editors); err != nil {
			return err
		}
		if cur.version != version {
			return ErrStale
		}
		if cur.status == StatusWithdrawn {
			return ErrWrongStatus
		}
		if err := checkLinks(ctx, tx, cur.orgID, c); err != nil {
			return err
		}
		before, err := s.article(ctx, tx, `a.id = @id`, pgx.NamedArgs{"id": id})
		if err != nil {
			return err
		}
		out = Saved{ID: id, Slug: cur.slug, Status: cur.status}
		if cur.status == StatusPublished && !cur.trusted {
			out.Status = StatusSubmitted
		}
		if base := slugBase(c.title()); !cur.firstPublished && !hasBase(cur.slug, base) {
			if out.Slug, err = freeSlug(ctx, tx, base, id); err != nil {
				return err
			}
		}
		err = tx.QueryRow(ctx, `
			UPDATE articles SET slug = $2, status = $3,
				submitted_at = CASE WHEN $3 = 'submitted' AND status <> 'submitted' THEN now() ELSE submitted_at END,
				published_at = COALESCE($4, published_at), cover_path = $5, cover_alt_fr = $6, cover_alt_en = $7,
				version = version + 1, updated_at = now()
			WHERE id = $1 RETURNING version`,
			id, out.Slug, out.Status, c.publishedAt, c.coverPath, c.coverAlt.FR, c.coverAlt.EN).Scan(&out.Version)
		if err != nil {
			return err
		}
		for _, table := range []string{"article_translations", "article_themes", "article_countries", "article_projects", "article_offices", "article_members"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE article_id = $1`, id); err != nil {
				return err
			}
		}
		if err := writeParts(ctx, tx, id, cur.orgID, c); err != nil {
			return err
		}
		details := map[string]any{"fields": changes(before, c), "version": out.Version}
		if out.Status != cur.status {
			details["from"], details["to"] = cur.status, out.Status
		}
		if out.Slug != cur.slug {
			details["slug"] = out.Slug
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "article.update", EntityType: "article", EntityID: id,
			OrganisationID: cur.orgID, Details: details}); err != nil {
			return err
		}
		return s.changed(ctx, tx, id, cur.orgID)
	})
	if err != nil {
		return Saved{}, fmt.Errorf("news: update article %d: %w", id, err)
	}
	return out, nil
}

// Delete removes draft id, with its audit entry (its slug and title) and
// change hook. Only drafts are deleted: anything that reached staff or the
// public is withdrawn instead. It returns fault.ErrNotFound for an unknown
// article, fault.ErrForbidden when actor is not one of its organisation's
// owners or editors, and ErrWrongStatus when it is not a draft.
func (s *Store) Delete(ctx context.Context, actor audit.Actor, id int64) error {
	err := s.write(ctx, func(tx pgx.Tx) error {
		cur, err := lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := authorise(ctx, tx, actor, cur.orgID, editors); err != nil {
			return err
		}
		if cur.status != StatusDraft {
			return ErrWrongStatus
		}
		if _, err := tx.Exec(ctx, `DELETE FROM articles WHERE id = $1`, id); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, actor, audit.Entry{Action: "article.delete", EntityType: "article", EntityID: id,
			OrganisationID: cur.orgID, Details: map[string]any{"slug": cur.slug, "title": cur.title}}); err != nil {
			return err
		}
		return s.changed(ctx, tx, id, cur.orgID)
	})
	if err != nil {
		return fmt.Errorf("news: delete article %d: %w", id, err)
	}
	return nil
}

// checkLinks returns an Invalid error naming each field that refers to an
// unknown theme or country, or to a project, office or team member that is
// not organisation orgID's.
func checkLinks(ctx context.Context, tx pgx.Tx, orgID int64, c *clean) error {
	var themes, countries, projects, offices, members int
	err := tx.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM themes WHERE slug = ANY($2)),
			(SELECT count(*) FROM countries WHERE code = ANY($3)),
			(SELECT count(*) FROM projects WHERE organisation_id = $1 AND id = ANY($4)),
			(SELECT count(*) FROM offices WHERE organisation_id = $1 AND id = ANY($5)),
			(SELECT count(*) FROM team_members WHERE organisation_id = $1 AND id = ANY($6))`,
		orgID, c.themes, c.countries, c.projects, c.offices, c.members).Scan(&themes, &countries, &projects, &offices, &members)
	if err != nil {
		return err
	}
	var v fault.Fields
	for _, x := range []struct {
		field, id   string
		found, want int
	}{
		{"themes", "manage.err.unknown_theme", themes, len(c.themes)},
		{"countries", "manage.err.unknown_country", countries, len(c.countries)},
		{"projects", errNotOurs, projects, len(c.projects)},
		{"offices", errNotOurs, offices, len(c.offices)},
		{"members", errNotOurs, members, len(c.members)},
	} {
		if x.found != x.want {
			v.Add(x.field, x.id)
		}
	}
	return v.Err()
}

// writeParts inserts c's language versions and links of article id.
func writeParts(ctx context.Context, tx pgx.Tx, id, orgID int64, c *clean) error {
	b := &pgx.Batch{}
	for _, t := range c.translations {
		b.Queue(`INSERT INTO article_translations (article_id, lang, title, lead, body_markdown, body_html) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, t.Lang, t.Title, t.Lead, t.BodyMarkdown, t.BodyHTML)
	}
	b.Queue(`INSERT INTO article_themes (article_id, theme_id) SELECT $1, id FROM themes WHERE slug = ANY($2)`, id, c.themes)
	b.Queue(`INSERT INTO article_countries (article_id, country_code) SELECT $1, unnest($2::text[])`, id, c.countries)
	b.Queue(`INSERT INTO article_projects (organisation_id, article_id, project_id) SELECT $1, $2, unnest($3::bigint[])`, orgID, id, c.projects)
	b.Queue(`INSERT INTO article_offices (organisation_id, article_id, office_id) SELECT $1, $2, unnest($3::bigint[])`, orgID, id, c.offices)
	b.Queue(`INSERT INTO article_members (organisation_id, article_id, member_id) SELECT $1, $2, unnest($3::bigint[])`, orgID, id, c.members)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write parts of article %d: %w", id, err)
	}
	return nil
}

// slugBase is the slug an article titled title would have without a
// suffix.
func slugBase(title string) string {
	if s := directory.Slugify(title, 60); s != "" {
		return s
	}
	return "article"
}

var suffix = regexp.MustCompile(`-[0-9]+$`)

// hasBase reports whether slug is base or base with a numeric suffix.
func hasBase(slug, base string) bool {
	return slug == base || (suffix.MatchString(slug) && suffix.ReplaceAllString(slug, "") == base)
}

// freeSlug returns base, or base with the first free numeric suffix,
// ignoring article self. The advisory lock makes two articles with the
// same title queue up instead of colliding.
func freeSlug(ctx context.Context, tx pgx.Tx, base string, self int64) (string, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('article-slug:' || $1))`, base); err != nil {
		return "", err
	}
	rows, _ := tx.Query(ctx, `SELECT slug FROM articles WHERE (slug = $1 OR slug ~ ('^' || $1 || '-[0-9]+$')) AND id <> $2`, base, self)
	taken, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	slug := base
	for i := 2; slices.Contains(taken, slug); i++ {
		slug = base + "-" + strconv.Itoa(i)
	}
	return slug, nil
}

// SlugExists reports whether an article (of any status) has slug.
func (s *Store) SlugExists(ctx context.Context, tx pgx.Tx, slug string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM articles WHERE slug = $1)`, slug).Scan(&ok)
	return ok, err
}

func langs(c *clean) []string {
	out := make([]string, len(c.translations))
	for i, t := range c.translations {
		out[i] = t.Lang
	}
	return out
}

// changes names the fields c changes on article a, for the audit log.
func changes(a *Article, c *clean) []string {
	var out []string
	diff := func(name string, changed bool) {
		if changed {
			out = append(out, name)
		}
	}
	for _, lang := range Languages() {
		var old, now Translation
		for _, t := range a.Translations {
			if t.Lang == lang {
				old = t
			}
		}
		for _, t := range c.translations {
			if t.Lang == lang {
				now = t
			}
		}
		diff("title_"+lang, old.Title != now.Title)
		diff("lead_"+lang, old.Lead != now.Lead)
		diff("body_"+lang, old.BodyMarkdown != now.BodyMarkdown)
	}
	diff("cover", a.Cover.Path != c.coverPath || a.Cover.Alt != c.coverAlt)
	diff("published_at", c.publishedAt != nil && (a.PublishedAt == nil || !a.PublishedAt.Equal(*c.publishedAt)))
	in := a.Input()
	sameStrings := func(x, y []string) bool {
		x, y = slices.Clone(x), slices.Clone(y)
		slices.Sort(x)
		slices.Sort(y)
		return slices.Equal(x, y)
	}
	sameIDs := func(x, y []int64) bool {
		x, y = slices.Clone(x), slices.Clone(y)
		slices.Sort(x)
		slices.Sort(y)
		return slices.Equal(x, y)
	}
	diff("themes", !sameStrings(in.ThemeSlugs, c.themes))
	diff("countries", !sameStrings(in.Countries, c.countries))
	diff("projects", !sameIDs(in.ProjectIDs, c.projects))
	diff("offices", !sameIDs(in.OfficeIDs, c.offices))
	diff("members", !sameIDs(in.MemberIDs, c.members))
	return out
}
