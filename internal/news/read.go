package news

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// querier runs a query: the pool or a transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// articleQuery reads a whole article in one statement: its row, its
// organisation, and each list of parts as JSON. @private includes the
// team members who are not public.
const articleQuery = `
	SELECT a.id, a.slug, a.status, a.published_at, a.first_published_at, a.submitted_at, COALESCE(a.author_user_id, 0),
		a.cover_path, a.cover_alt_fr, a.cover_alt_en, a.sent_back_reason, a.reviewed_at, a.created_at, a.updated_at, a.version,
		o.id, o.slug, o.name,
		COALESCE((SELECT json_agg(json_build_object('lang', t.lang, 'title', t.title, 'lead', t.lead,
				'body_markdown', t.body_markdown, 'body_html', t.body_html) ORDER BY t.lang = 'en')
			FROM article_translations t WHERE t.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('id', th.id, 'slug', th.slug, 'name_fr', th.name_fr, 'name_en', th.name_en)
				ORDER BY th.position, th.slug)
			FROM article_themes x JOIN themes th ON th.id = x.theme_id WHERE x.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('Code', c.code, 'NameFR', c.name_fr, 'NameEN', c.name_en) ORDER BY c.code)
			FROM article_countries x JOIN countries c ON c.code = x.country_code WHERE x.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('id', p.id, 'slug', p.slug, 'title', p.title) ORDER BY p.position, p.id)
			FROM article_projects x JOIN projects p ON p.id = x.project_id WHERE x.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('id', f.id, 'name', f.name, 'city', f.city, 'country', f.country_code)
				ORDER BY f.kind <> 'headquarters', f.position, f.id)
			FROM article_offices x JOIN offices f ON f.id = x.office_id WHERE x.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('id', m.id, 'full_name', m.full_name, 'role_title', m.role_title,
				'office_id', COALESCE(m.office_id, 0), 'public', m.visibility = 'public') ORDER BY m.position, m.id)
			FROM article_members x JOIN team_members m ON m.id = x.member_id
			WHERE x.article_id = a.id AND (@private OR m.visibility = 'public')), '[]')
	FROM articles a JOIN organisations o ON o.id = a.organisation_id
	WHERE `

// article reads the article matching cond (SQL over a and o, with args),
// private members included; it returns fault.ErrNotFound when none does.
func (s *Store) article(ctx context.Context, db querier, cond string, args pgx.NamedArgs) (*Article, error) {
	if _, ok := args["private"]; !ok {
		args["private"] = true
	}
	var a Article
	err := db.QueryRow(ctx, articleQuery+cond, args).Scan(&a.ID, &a.Slug, &a.Status, &a.PublishedAt, &a.FirstPublishedAt,
		&a.SubmittedAt, &a.AuthorUserID, &a.Cover.Path, &a.Cover.Alt.FR, &a.Cover.Alt.EN, &a.SentBackReason, &a.ReviewedAt,
		&a.CreatedAt, &a.UpdatedAt, &a.Version, &a.Organisation.ID, &a.Organisation.Slug, &a.Organisation.Name,
		&a.Translations, &a.Themes, &a.Countries, &a.Projects, &a.Offices, &a.Members)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fault.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// BySlug returns the published article at slug, as the public sees it:
// its organisation must be published too, and private team members are
// left out. It returns fault.ErrNotFound otherwise.
func (s *Store) BySlug(ctx context.Context, slug string) (*Article, error) {
	a, err := s.article(ctx, s.pool, `a.slug = @slug AND a.status = 'published' AND o.status = 'published'`,
		pgx.NamedArgs{"slug": slug, "private": false})
	if err != nil {
		return nil, fmt.Errorf("news: article %q: %w", slug, err)
	}
	return a, nil
}

// ByID returns article id whatever its status, private team members
// included, for its editors and staff, or fault.ErrNotFound.
func (s *Store) ByID(ctx context.Context, id int64) (*Article, error) {
	a, err := s.article(ctx, s.pool, `a.id = @id`, pgx.NamedArgs{"id": id})
	if err != nil {
		return nil, fmt.Errorf("news: article %d: %w", id, err)
	}
	return a, nil
}

// OfOrganisation is ByID for the editors of organisation orgID: another
// organisation's article is fault.ErrNotFound.
func (s *Store) OfOrganisation(ctx context.Context, orgID, id int64) (*Article, error) {
	a, err := s.article(ctx, s.pool, `a.id = @id AND a.organisation_id = @org`, pgx.NamedArgs{"id": id, "org": orgID})
	if err != nil {
		return nil, fmt.Errorf("news: article %d of organisation %d: %w", id, orgID, err)
	}
	return a, nil
}

// Filter selects published articles for the public list.
type Filter struct {
	Theme        string // theme slug
	Country      string // ISO code
	Organisation string // organisation slug
	Lang         string // "fr" or "en": written in that language
	// ProjectID keeps the articles that present that project (its page
	// lists them).
	ProjectID int64
	// After and Before are keyset cursors from a previous page; at most
	// one.
	After  string
	Before string
	Limit  int // 1–100, default 20
	// NoTotal leaves Page.Total at 0, for a reader that shows no count (a
	// feed).
	NoTotal bool
}

// key names f's filters (not its cursors or size): what its counts
// depend on.
func (f Filter) key() string {
	return f.Theme + "|" + f.Country + "|" + f.Organisation + "|" + f.Lang + "|" + strconv.FormatInt(f.ProjectID, 10)
}

// Page is one page of the public list, latest first.
type Page struct {
	Items []Summary
	// Total is how many published articles match the filter.
	Total int
	// Next (older) and Prev (newer) are cursors for the neighbouring
	// pages, empty at the ends.
	Next string
	Prev string
}

var slugLike = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// where returns the SQL condition and arguments of f's filters (cursors
// aside), over articles a and organisations o, or an Invalid error for a
// malformed value.
func (f Filter) where() (string, pgx.NamedArgs, error) {
	var v fault.Fields
	conds := []string{"a.status = 'published'", "o.status = 'published'"}
	args := pgx.NamedArgs{}
	if f.Theme != "" {
		if !slugLike.MatchString(f.Theme) || len(f.Theme) > 60 {
			v.Add("theme", "manage.err.unknown_theme")
		}
		// The theme's id first, as a value of its own: joined to themes,
		// the planner guesses a few hundred articles per theme and sorts
		// all of a theme's (270 ms at 300,000 articles), where walking the
		// latest ones and checking each takes 5 ms.
		conds = append(conds, `EXISTS (SELECT 1 FROM article_themes x
			WHERE x.article_id = a.id AND x.theme_id = (SELECT id FROM themes WHERE slug = @theme))`)
		args["theme"] = f.Theme
	}
	if f.Country != "" {
		if !directory.ValidCountry(f.Country) {
			v.Add("country", "manage.err.unknown_country")
		}
		conds = append(conds, `EXISTS (SELECT 1 FROM article_countries x WHERE x.article_id = a.id AND x.country_code = @country)`)
		args["country"] = f.Country
	}
	if f.Organisation != "" {
		if !directory.ValidSlug(f.Organisation) {
			v.Add("organisation", "manage.err.unknown_organisation")
		}
		conds = append(conds, `o.slug = @organisation`)
		args["organisation"] = f.Organisation
	}
	if f.Lang != "" {
		if !ValidLanguage(f.Lang) {
			v.Add("lang", "news.err.unknown_language")
		}
		conds = append(conds, `EXISTS (SELECT 1 FROM article_translations x WHERE x.article_id = a.id AND x.lang = @lang)`)
		args["lang"] = f.Lang
	}
	if f.ProjectID != 0 {
		conds = append(conds, `EXISTS (SELECT 1 FROM article_projects x WHERE x.article_id = a.id AND x.project_id = @project)`)
		args["project"] = f.ProjectID
	}
	return strings.Join(conds, " AND "), args, v.Err()
}

// A Summary's columns over articles a and organisations o, the author's
// name between the two halves; headings and themes are read per page.
const (
	summaryHead = `SELECT a.id, a.slug, a.status, a.published_at, a.submitted_at, a.updated_at, a.version,
		a.cover_path, a.cover_alt_fr, a.cover_alt_en, a.sent_back_reason, o.id, o.slug, o.name, o.logo_path, `
	summaryTail = `,
		ARRAY(SELECT theme_id FROM article_themes WHERE article_id = a.id),
		ARRAY(SELECT country_code::text FROM article_countries WHERE article_id = a.id ORDER BY 1)
		FROM articles a JOIN organisations o ON o.id = a.organisation_id`
)

// The public list names no author (a user's name is theirs to show);
// editors and staff see who wrote what.
const (
	publicSummary  = summaryHead + `''` + summaryTail
	privateSummary = summaryHead + `COALESCE(u.name, '')` + summaryTail + ` LEFT JOIN users u ON u.id = a.author_user_id`
)

// summaries runs a query of publicSummary or privateSummary and completes the rows with
// their headings and themes: three statements, whatever the number of
// rows.
func (s *Store) summaries(ctx context.Context, q string, args ...any) ([]Summary, error) {
	rows, _ := s.pool.Query(ctx, q, args...)
	themeIDs := map[int64][]int64{}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Summary, error) {
		var x Summary
		var themes []int64
		err := r.Scan(&x.ID, &x.Slug, &x.Status, &x.PublishedAt, &x.SubmittedAt, &x.UpdatedAt, &x.Version,
			&x.Cover.Path, &x.Cover.Alt.FR, &x.Cover.Alt.EN, &x.SentBackReason, &x.Organisation.ID, &x.Organisation.Slug,
			&x.Organisation.Name, &x.Organisation.LogoPath, &x.Author, &themes, &x.Countries)
		themeIDs[x.ID] = themes
		return x, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	for i, x := range out {
		ids[i] = x.ID
	}
	rows, _ = s.pool.Query(ctx, `SELECT article_id, lang, title, lead FROM article_translations
		WHERE article_id = ANY($1) ORDER BY article_id, lang = 'en'`, ids)
	headings := map[int64][]Heading{}
	var id int64
	var h Heading
	if _, err := pgx.ForEachRow(rows, []any{&id, &h.Lang, &h.Title, &h.Lead}, func() error {
		headings[id] = append(headings[id], h)
		return nil
	}); err != nil {
		return nil, err
	}
	rows, _ = s.pool.Query(ctx, `SELECT id, slug, name_fr, name_en FROM themes ORDER BY position, slug`)
	themes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[directory.Theme])
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Headings = headings[out[i].ID]
		for _, t := range themes {
			if slices.Contains(themeIDs[out[i].ID], t.ID) {
				out[i].Themes = append(out[i].Themes, t)
			}
		}
	}
	return out, nil
}

// Latest returns one page of the published articles of published
// organisations matching f, latest first (published_at, then id), with
// keyset pagination so a deep page costs what the first does. It returns
// an Invalid error for a malformed filter or cursor.
func (s *Store) Latest(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	cond, args, err := f.where()
	if err != nil {
		return Page{}, err
	}
	var p Page
	if !f.NoTotal {
		countArgs := maps.Clone(args)
		total, err := s.counts.Get(ctx, "total:"+f.key(), func(ctx context.Context) (any, error) {
			var n int
			err := s.pool.QueryRow(ctx, `SELECT count(*) FROM articles a JOIN organisations o ON o.id = a.organisation_id WHERE `+cond,
				countArgs).Scan(&n)
			return n, err
		})
		if err != nil {
			return Page{}, fmt.Errorf("news: count articles: %w", err)
		}
		p.Total = total.(int)
	}
	keyset, order, backward := "", "a.published_at DESC, a.id DESC", false
	switch {
	case f.After != "":
		at, id, err := decodeCursor(f.After)
		if err != nil {
			return Page{}, err
		}
		keyset, args["cat"], args["cid"] = " AND (a.published_at, a.id) < (@cat, @cid)", at, id
	case f.Before != "":
		at, id, err := decodeCursor(f.Before)
		if err != nil {
			return Page{}, err
		}
		keyset, args["cat"], args["cid"] = " AND (a.published_at, a.id) > (@cat, @cid)", at, id
		order, backward = "a.published_at, a.id", true
	}
	args["limit"] = f.Limit + 1
	items, err := s.summaries(ctx, publicSummary+" WHERE "+cond+keyset+" ORDER BY "+order+" LIMIT @limit", args)
	if err != nil {
		return Page{}, fmt.Errorf("news: latest articles: %w", err)
	}
	more := len(items) > f.Limit
	if more {
		items = items[:f.Limit]
	}
	if backward {
		slices.Reverse(items)
	}
	p.Items = items
	if len(items) > 0 {
		first, last := items[0], items[len(items)-1]
		// A forward page has newer ones when it started from a cursor; a
		// backward page always has the page it came from after it.
		if (backward && more) || (!backward && f.After != "") {
			p.Prev = encodeCursor(*first.PublishedAt, first.ID)
		}
		if (!backward && more) || backward {
			p.Next = encodeCursor(*last.PublishedAt, last.ID)
		}
	}
	return p, nil
}

// Count is a value of a facet and how many articles have it.
type Count struct {
	Key   string
	Count int
}

// Facets are the counts beside the public list: for each theme, country
// and language, how many of the articles matching the filter have it.
type Facets struct {
	Themes    []Count // by theme slug
	Countries []Count // by ISO code
	Languages []Count // "fr", "en"
}

// Facets counts the published articles matching f (its cursors aside) per
// theme, country and language, most common first. It returns an Invalid
// error for a malformed filter.
func (s *Store) Facets(ctx context.Context, f Filter) (*Facets, error) {
	cond, args, err := f.where()
	if err != nil {
		return nil, err
	}
	v, err := s.counts.Get(ctx, "facets:"+f.key(), func(ctx context.Context) (any, error) { return s.facets(ctx, cond, args) })
	if err != nil {
		return nil, err
	}
	// Callers get their own copy; the cached one is shared.
	c := *v.(*Facets)
	c.Themes, c.Countries, c.Languages = slices.Clone(c.Themes), slices.Clone(c.Countries), slices.Clone(c.Languages)
	return &c, nil
}

// facets computes Facets for the condition of a filter.
func (s *Store) facets(ctx context.Context, cond string, args pgx.NamedArgs) (*Facets, error) {
	const from = ` FROM articles a JOIN organisations o ON o.id = a.organisation_id `
	out := &Facets{}
	var err error
	for _, q := range []struct {
		into *[]Count
		sql  string
	}{
		{&out.Themes, `SELECT t.slug, count(*)::int` + from + `JOIN article_themes x ON x.article_id = a.id JOIN themes t ON t.id = x.theme_id`},
		{&out.Countries, `SELECT x.country_code::text, count(*)::int` + from + `JOIN article_countries x ON x.article_id = a.id`},
		{&out.Languages, `SELECT x.lang, count(*)::int` + from + `JOIN article_translations x ON x.article_id = a.id`},
	} {
		rows, _ := s.pool.Query(ctx, q.sql+` WHERE `+cond+` GROUP BY 1 ORDER BY 2 DESC, 1`, args)
		if *q.into, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Count]); err != nil {
			return nil, fmt.Errorf("news: facets: %w", err)
		}
	}
	return out, nil
}

// ForOrganisation returns every article of organisation orgID, whatever
// its status, the last changed first (at most 500), for its editors.
func (s *Store) ForOrganisation(ctx context.Context, orgID int64) ([]Summary, error) {
	out, err := s.summaries(ctx, privateSummary+
		` WHERE a.organisation_id = $1 ORDER BY a.updated_at DESC, a.id DESC LIMIT 500`, orgID)
	if err != nil {
		return nil, fmt.Errorf("news: articles of organisation %d: %w", orgID, err)
	}
	return out, nil
}

// ReviewQueue returns the submitted articles, the longest waiting first
// (at most limit, default 100), for staff.
func (s *Store) ReviewQueue(ctx context.Context, limit int) ([]Summary, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	out, err := s.summaries(ctx, privateSummary+
		` WHERE a.status = 'submitted' ORDER BY a.submitted_at, a.id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("news: review queue: %w", err)
	}
	return out, nil
}

func encodeCursor(at time.Time, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(at.UnixMicro(), 10) + ":" + strconv.FormatInt(id, 10)))
}

func decodeCursor(c string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(c) > 100 {
		return time.Time{}, 0, directory.ErrBadCursor
	}
	atStr, idStr, ok := strings.Cut(string(b), ":")
	at, err1 := strconv.ParseInt(atStr, 10, 64)
	id, err2 := strconv.ParseInt(idStr, 10, 64)
	if !ok || err1 != nil || err2 != nil || id <= 0 {
		return time.Time{}, 0, directory.ErrBadCursor
	}
	return time.UnixMicro(at).UTC(), id, nil
}
