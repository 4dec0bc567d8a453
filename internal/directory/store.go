package directory

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/memo"
	"github.com/partnerdir/partnerdir/internal/postgres"
)

// Store reads and writes the directory in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
	// AfterChange runs inside every transaction that changes an
	// organisation, its offices, team or projects, so the search index job
	// is enqueued atomically with the change (transactional outbox).
	afterChange ChangeHook
	// cache holds the list totals and facet counts, which scan every
	// published organisation (about a second for the country facets of
	// 100,000), where a page itself needs a millisecond. Writes through
	// this Store invalidate it; see memo for how late a count can be.
	cache *memo.Cache[any]
	// mailer and baseURL mail review decisions to owners (WithMailer).
	mailer  Mailer
	baseURL string
	// verifiedMonths is how long a verification counts
	// (WithVerificationValidity).
	verifiedMonths int
	// movers move the other packages' rows in a merge (WithMovers).
	movers []Mover
	// sortBelow is WithSortBelow's count.
	sortBelow int
}

// ChangeHook is called with the transaction and the id of the organisation
// that changed.
type ChangeHook func(ctx context.Context, tx pgx.Tx, organisationID int64) error

// countTTL is how long a directory-wide count is served before it is
// recomputed in the background.
const countTTL = 30 * time.Second

// NewStore returns a store over pool. afterChange may be nil.
func NewStore(pool *pgxpool.Pool, afterChange ChangeHook, opts ...Option) *Store {
	s := &Store{pool: pool, afterChange: afterChange, cache: memo.New[any](countTTL), sortBelow: DefaultSortBelow}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Generation changes whenever the directory changes through this Store:
// caches of what it reads (its own counts, the web layer's rendered pages)
// compare it.
func (s *Store) Generation() uint64 { return s.cache.Generation() }

// Follow makes the counts follow gen, the generation of changes made by
// other processes (internal/invalidate): each move recomputes them.
func (s *Store) Follow(gen func() uint64) { s.cache.Follow(gen) }

// write runs fn in a transaction that changes the directory. Caches are
// invalidated inside it (changed) and again once it has ended, so a read
// made between the two, which saw the data before the commit, is not kept
// as current.
func (s *Store) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	defer s.cache.Invalidate()
	return postgres.InTx(ctx, s.pool, fn)
}

func (s *Store) changed(ctx context.Context, tx pgx.Tx, orgID int64) error {
	s.cache.Invalidate()
	if s.afterChange == nil {
		return nil
	}
	return s.afterChange(ctx, tx, orgID)
}

// Country is an ISO 3166-1 country with its names.
type Country struct {
	Code   string
	NameFR string
	NameEN string
}

// Name is the country's name in lang.
func (c Country) Name(lang string) string {
	if lang == "en" {
		return c.NameEN
	}
	return c.NameFR
}

// Countries returns every ISO country, ordered by code.
func (s *Store) Countries(ctx context.Context) ([]Country, error) {
	rows, _ := s.pool.Query(ctx, `SELECT code, name_fr, name_en FROM countries ORDER BY code`)
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Country])
	if err != nil {
		return nil, fmt.Errorf("directory: list countries: %w", err)
	}
	return cs, nil
}

// Themes returns every theme in display order. They are cached with the
// counts (a memo.Cache): every list page and card needs them.
func (s *Store) Themes(ctx context.Context) ([]Theme, error) {
	ts, err := s.themes(ctx)
	if err != nil {
		return nil, err
	}
	return slices.Clone(ts), nil
}

// themes is Themes without the copy, for callers that only read it.
func (s *Store) themes(ctx context.Context) ([]Theme, error) {
	v, err := s.cache.Get(ctx, "themes", func(ctx context.Context) (any, error) {
		rows, _ := s.pool.Query(ctx, `SELECT id, slug, name_fr, name_en FROM themes ORDER BY position, slug`)
		return pgx.CollectRows(rows, pgx.RowToStructByPos[Theme])
	})
	ts, _ := v.([]Theme)
	if err != nil {
		return nil, fmt.Errorf("directory: list themes: %w", err)
	}
	return ts, nil
}

// Count is a value with the number of published organisations having it.
type Count struct {
	Key   string
	Count int
}

// ThemeCounts returns, per theme slug, how many published organisations
// work on it, most common first.
func (s *Store) ThemeCounts(ctx context.Context) ([]Count, error) {
	const q = `
		SELECT t.slug, count(*)::int
		FROM organisation_themes ot
		JOIN themes t ON t.id = ot.theme_id
		JOIN organisations o ON o.id = ot.organisation_id AND o.status = 'published'
		GROUP BY t.slug ORDER BY 2 DESC, 1`
	return s.counts(ctx, q)
}

// CountryCounts returns, per country code, how many published
// organisations have an office in it or work in it, most common first.
func (s *Store) CountryCounts(ctx context.Context) ([]Count, error) {
	// country_codes (00029) holds each country once per organisation.
	const q = `
		SELECT code, count(*)::int FROM organisations o, unnest(o.country_codes) code
		WHERE o.status = 'published'
		GROUP BY code ORDER BY 2 DESC, 1`
	return s.counts(ctx, q)
}

func (s *Store) counts(ctx context.Context, q string) ([]Count, error) {
	v, err := s.cache.Get(ctx, q, func(ctx context.Context) (any, error) {
		rows, _ := s.pool.Query(ctx, q)
		return pgx.CollectRows(rows, pgx.RowToStructByPos[Count])
	})
	if err != nil {
		return nil, fmt.Errorf("directory: counts: %w", err)
	}
	// Callers get their own slice; the cached one is shared.
	return slices.Clone(v.([]Count)), nil
}

// Card is an organisation as shown in lists.
type Card struct {
	ID            int64
	Slug          string
	Name          string
	AlternateName string
	Kind          Kind
	Mission       Localized
	UpdatedAt     time.Time
	Themes        []Theme
	Countries     []string
	Cities        []string
	// VerifiedOn is the date of a verification that still counts, nil
	// for none (or an expired one).
	VerifiedOn *time.Time
	// LogoPath is the address of its logo, "" for none.
	LogoPath string
}

// ListFilter selects published organisations for a list page.
type ListFilter struct {
	Theme   string // theme slug
	Country string // ISO code: an office there or working there
	Kind    Kind
	// Support is a kind of support one of its projects seeks.
	Support SupportKind
	// Text keeps organisations whose name or acronym contains it (case
	// aside; at least 3 characters for the trigram indexes to help, which
	// the caller checks). The total of such a list
	// is not counted (Page.Total stays 0): every text would be its own
	// cached count.
	Text string
	// Verified keeps the organisations whose verification still counts.
	Verified bool
	// After and Before are keyset cursors from a previous page; at most one.
	After  string
	Before string
	Limit  int
}

// Page is one page of a keyset-paginated list.
type Page struct {
	Cards []Card
	Total int
	// Next and Prev are cursors for the neighbouring pages, empty at the ends.
	Next string
	Prev string
}

// cardColumns are the columns of a Card, for organisations aliased o.
// Themes come as ids, named from the cached themes: building JSON for them
// row by row doubled the cost of a list page in PostgreSQL.
const cardColumns = `
	o.id, o.slug, o.name, o.alternate_name, o.iati_type, o.mission_fr, o.mission_en, o.updated_at, o.last_verified_on,
	ARRAY(SELECT theme_id FROM organisation_themes WHERE organisation_id = o.id),
	ARRAY(SELECT country_code::text FROM organisation_countries WHERE organisation_id = o.id ORDER BY 1),
	ARRAY(SELECT city FROM offices f WHERE f.organisation_id = o.id ORDER BY f.kind <> 'headquarters', f.position, f.id),
	o.logo_path`

// cardScanner scans rows of cardColumns; themes are all themes in display
// order, read before the query.
func (s *Store) cardScanner(themes []Theme) pgx.RowToFunc[Card] {
	return func(row pgx.CollectableRow) (Card, error) {
		var c Card
		var themeIDs []int64
		err := row.Scan(&c.ID, &c.Slug, &c.Name, &c.AlternateName, &c.Kind, &c.Mission.FR, &c.Mission.EN, &c.UpdatedAt, &c.VerifiedOn,
			&themeIDs, &c.Countries, &c.Cities, &c.LogoPath)
		c.VerifiedOn = s.currentVerification(c.VerifiedOn)
		c.Themes = make([]Theme, 0, len(themeIDs))
		for _, t := range themes {
			if slices.Contains(themeIDs, t.ID) {
				c.Themes = append(c.Themes, t)
			}
		}
		return c, err
	}
}

// DefaultSortBelow is the count of a filtered list below which List reads
// a page by collecting and sorting every match (WithSortBelow).
const DefaultSortBelow = 3000

// WithSortBelow sets the count of a filtered list below which List
// collects every match from the filters' indexes and sorts them, instead of
// walking the name index until a page is full (DefaultSortBelow; 0: always
// walk). Both give the same page; which is faster depends on how rare the
// matches are.
func WithSortBelow(n int) Option {
	return func(s *Store) { s.sortBelow = n }
}

// List returns one page of published organisations ordered by name, using
// keyset pagination so deep pages cost the same as the first. A malformed
// cursor is ErrBadCursor.
func (s *Store) List(ctx context.Context, f ListFilter) (Page, error) {
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 20
	}
	where := []string{"o.status = 'published'"}
	args := pgx.NamedArgs{}
	themes, err := s.themes(ctx)
	if err != nil {
		return Page{}, err
	}
	// The theme, country and support filters test the organisation's own
	// arrays (00029), kept by triggers from the tables they summarise: a
	// filtered page walks the name index, a rare combination is answered
	// from their GIN index (organisations_published_filters_idx).
	if f.Theme != "" {
		where = append(where, "o.theme_ids @> ARRAY[@theme]::bigint[]")
		args["theme"] = int64(-1) // an unknown theme has no organisation
		for _, t := range themes {
			if t.Slug == f.Theme {
				args["theme"] = t.ID
			}
		}
	}
	if f.Country != "" {
		where = append(where, "o.country_codes @> ARRAY[@country]::text[]")
		args["country"] = f.Country
	}
	if f.Kind != 0 {
		where = append(where, "o.iati_type = @kind")
		args["kind"] = int16(f.Kind)
	}
	if f.Support != "" {
		where = append(where, "o.support_kinds @> ARRAY[@support]::text[]")
		args["support"] = string(f.Support)
	}
	if f.Text != "" {
		// Both columns have trigram indexes (00006, 00020), which answer
		// rare words at once; common ones are found walking the (name, id)
		// order. Accents count: unaccent() per row took seconds, and
		// ranked, typo-tolerant search is the search service's.
		where = append(where, `(o.name ILIKE @text OR o.alternate_name ILIKE @text)`)
		args["text"] = "%" + escapeLike(f.Text) + "%"
	}
	verifiedKey := ""
	if f.Verified {
		since := s.VerifiedAfter()
		where = append(where, "o.last_verified_on > @verified_after")
		args["verified_after"] = since
		verifiedKey = since.Format(time.DateOnly) // the count changes with the day's cut-off
	}
	filter := strings.Join(where, " AND ")

	var p Page
	if f.Text == "" {
		countQuery, countArgs := "SELECT count(*) FROM organisations o WHERE "+filter, maps.Clone(args)
		total, err := s.cache.Get(ctx, fmt.Sprint("list:", f.Theme, "|", f.Country, "|", int16(f.Kind), "|", f.Support, "|", verifiedKey), func(ctx context.Context) (any, error) {
			var n int
			err := s.pool.QueryRow(ctx, countQuery, countArgs).Scan(&n)
			return n, err
		})
		if err != nil {
			return Page{}, fmt.Errorf("directory: count organisations: %w", err)
		}
		p.Total = total.(int)
	}

	keyset, order, backward := "", "o.name, o.id", false
	switch {
	case f.After != "":
		name, id, err := decodeCursor(f.After)
		if err != nil {
			return Page{}, err
		}
		keyset, args["cname"], args["cid"] = " AND (o.name, o.id) > (@cname, @cid)", name, id
	case f.Before != "":
		name, id, err := decodeCursor(f.Before)
		if err != nil {
			return Page{}, err
		}
		keyset, args["cname"], args["cid"] = " AND (o.name, o.id) < (@cname, @cid)", name, id
		order, backward = "o.name DESC, o.id DESC", true
	}
	args["limit"] = f.Limit + 1
	q := "SELECT " + cardColumns + " FROM organisations o WHERE " + filter + keyset + " ORDER BY " + order + " LIMIT @limit"
	if f.Text == "" && p.Total < s.sortBelow {
		// Few organisations match (the count says so exactly): collect
		// them all from the filters' indexes and sort them, rather than
		// walk the name index past the many that do not, which the planner
		// prefers for combined filters (56 ms for 98 of 96,000 on
		// ?theme&country&kind&verified, 3 ms this way).
		// Only the page's rows are read again, for their cards.
		q = "WITH m AS MATERIALIZED (SELECT o.id, o.name FROM organisations o WHERE " + filter + keyset + "),\n" +
			"p AS (SELECT o.id FROM m o ORDER BY " + order + " LIMIT @limit)\n" +
			"SELECT " + cardColumns + " FROM p JOIN organisations o ON o.id = p.id ORDER BY " + order
	}
	rows, _ := s.pool.Query(ctx, q, args)
	cards, err := pgx.CollectRows(rows, s.cardScanner(themes))
	if err != nil {
		return Page{}, fmt.Errorf("directory: list organisations: %w", err)
	}
	more := len(cards) > f.Limit
	if more {
		cards = cards[:f.Limit]
	}
	if backward {
		for i, j := 0, len(cards)-1; i < j; i, j = i+1, j-1 {
			cards[i], cards[j] = cards[j], cards[i]
		}
	}
	p.Cards = cards
	if len(cards) > 0 {
		first, last := cards[0], cards[len(cards)-1]
		// Forward pages have a previous page when they started from a
		// cursor; backward pages always have the page they came from next.
		if (backward && more) || (!backward && f.After != "") {
			p.Prev = encodeCursor(first.Name, first.ID)
		}
		if (!backward && more) || backward {
			p.Next = encodeCursor(last.Name, last.ID)
		}
	}
	return p, nil
}

// LogoPaths returns the logo addresses of the published organisations
// with slugs that have one, by slug: search results, which come from the
// index, show the logos the directory holds now (at most 100 slugs).
func (s *Store) LogoPaths(ctx context.Context, slugs []string) (map[string]string, error) {
	out := map[string]string{}
	if len(slugs) == 0 {
		return out, nil
	}
	if len(slugs) > 100 {
		slugs = slugs[:100]
	}
	rows, err := s.pool.Query(ctx, `SELECT slug, logo_path FROM organisations
		WHERE slug = ANY($1) AND status = 'published' AND logo_path <> ''`, slugs)
	if err != nil {
		return nil, fmt.Errorf("directory: logos: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var slug, path string
		if err := rows.Scan(&slug, &path); err != nil {
			return nil, fmt.Errorf("directory: logos: %w", err)
		}
		out[slug] = path
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("directory: logos: %w", err)
	}
	return out, nil
}

// RecentlyUpdated returns the n published organisations whose people
// reviewed their profile last (last_reviewed_at: a save of theirs, or
// their "still up to date"), the earliest listed first among equals. What
// the platform itself writes does not count: the demo seed gives the
// fictional organisations logos after creating them all, and that must not
// push the others off the home page (ECPAT Luxembourg stays on it).
func (s *Store) RecentlyUpdated(ctx context.Context, n int) ([]Card, error) {
	themes, err := s.themes(ctx)
	if err != nil {
		return nil, err
	}
	rows, _ := s.pool.Query(ctx, "SELECT "+cardColumns+` FROM organisations o WHERE o.status = 'published'
		ORDER BY o.last_reviewed_at DESC, o.id LIMIT $1`, n)
	cards, err := pgx.CollectRows(rows, s.cardScanner(themes))
	if err != nil {
		return nil, fmt.Errorf("directory: recently updated: %w", err)
	}
	return cards, nil
}

func encodeCursor(name string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + name))
}

// ErrBadCursor means a pagination cursor could not be decoded.
var ErrBadCursor = &fault.Error{Kind: fault.Invalid, Fields: map[string]string{"after/before": "param.err.cursor"}}

func decodeCursor(c string) (string, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(c) > 600 {
		return "", 0, ErrBadCursor
	}
	idStr, name, ok := strings.Cut(string(b), ":")
	id, err := strconv.ParseInt(idStr, 10, 64)
	if !ok || err != nil || id <= 0 {
		return "", 0, ErrBadCursor
	}
	return name, id, nil
}

// UpsertThemes creates the themes that do not exist yet and renames the
// ones that do, matching on slug.
func (s *Store) UpsertThemes(ctx context.Context, tx pgx.Tx, themes []Theme) error {
	s.cache.Invalidate()
	for i, t := range themes {
		if !ValidSlug(t.Slug) || t.NameFR == "" || t.NameEN == "" {
			return fmt.Errorf("directory: theme %q: %w", t.Slug, fault.InvalidField("theme", "manage.err.invalid"))
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO themes (slug, name_fr, name_en, position) VALUES ($1, $2, $3, $4)
			ON CONFLICT (slug) DO UPDATE SET name_fr = EXCLUDED.name_fr, name_en = EXCLUDED.name_en, position = EXCLUDED.position`,
			t.Slug, t.NameFR, t.NameEN, i)
		if err != nil {
			return fmt.Errorf("directory: upsert theme %s: %w", t.Slug, err)
		}
	}
	return nil
}

// SlugExists reports whether an organisation (of any status) has slug.
func (s *Store) SlugExists(ctx context.Context, tx pgx.Tx, slug string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE slug = $1)`, slug).Scan(&ok)
	return ok, err
}

// SitemapEntry is a published organisation's address and last change.
type SitemapEntry struct {
	Slug      string
	UpdatedAt time.Time
}

// Published returns up to limit published organisations with an id above
// afterID, in id order, and the last id returned, for paging through all
// of them (the sitemap).
func (s *Store) Published(ctx context.Context, afterID int64, limit int) ([]SitemapEntry, int64, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, slug, updated_at FROM organisations
		WHERE status = 'published' AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("directory: published organisations: %w", err)
	}
	defer rows.Close()
	var out []SitemapEntry
	last := afterID
	for rows.Next() {
		var e SitemapEntry
		if err := rows.Scan(&last, &e.Slug, &e.UpdatedAt); err != nil {
			return nil, 0, fmt.Errorf("directory: published organisations: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("directory: published organisations: %w", err)
	}
	return out, last, nil
}

// PublishedCount returns how many organisations are published.
func (s *Store) PublishedCount(ctx context.Context) (int, error) {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM organisations WHERE status = 'published'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("directory: count published: %w", err)
	}
	return n, nil
}
