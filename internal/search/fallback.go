package search

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Fallback answers queries from PostgreSQL — organisations from
// search_documents, articles from search_articles: full-text search over
// unaccented words (prefixes match, so "developpement" finds
// "développement") plus trigram similarity on names and cities for
// misspellings ("ecpta", "Bamko"), with the same filters and facet counts
// as Meilisearch, computed in SQL.
//
// Its work is bounded, so a Meilisearch outage under load cannot take
// PostgreSQL — which serves the whole directory — down with it: at most
// fallbackSlots searches run at once (others wait for a slot at most
// fallbackSlotWait, then get ErrUnavailable: a 503 with Retry-After, not a
// queue that one client can fill), each statement stops after
// fallbackTimeout, and every query honours the request's deadline.
type Fallback struct {
	pool  *pgxpool.Pool
	slots chan struct{}
}

// fallbackSlots is how many fallback searches run at once: a broad query
// over 100,000 documents keeps one core busy for a while.
const fallbackSlots = 2

// fallbackSlotWait is the longest a search waits for a free slot.
const fallbackSlotWait = 500 * time.Millisecond

// fallbackTimeout is the statement timeout of a fallback search.
const fallbackTimeout = "3s"

// NewFallback returns the PostgreSQL engine.
func NewFallback(pool *pgxpool.Pool) *Fallback {
	return &Fallback{pool: pool, slots: make(chan struct{}, fallbackSlots)}
}

// similarity is the word-similarity threshold of a misspelt name: low
// enough for one wrong or swapped letter in a five-letter word.
const similarity = "0.45"

// Search runs q against the fallback table of q's type (search_documents
// or search_articles) in one read-only transaction, so the hits, the
// facet counts and the other type's count come from the same snapshot.
func (f *Fallback) Search(ctx context.Context, q Query) (*Result, error) {
	if err := f.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-f.slots }()
	tx, err := f.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("search: fallback: %w", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	if _, err := tx.Exec(ctx, "SELECT set_config('pg_trgm.word_similarity_threshold', '"+similarity+"', true), "+
		"set_config('statement_timeout', '"+fallbackTimeout+"', true)"); err != nil {
		return nil, fmt.Errorf("search: fallback: %w", err)
	}
	var res *Result
	otherTable, otherType := "search_articles", TypeNews
	if q.Type == TypeNews {
		res, err = f.articles(ctx, tx, q)
		otherTable, otherType = "search_documents", TypeOrganisations
	} else {
		res, err = f.organisations(ctx, tx, q)
	}
	if err != nil {
		return nil, err
	}
	where, args, _ := matching(q, true)
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*)::int FROM "+otherTable+" WHERE "+where, args).Scan(&n); err != nil {
		return nil, fmt.Errorf("search: fallback count: %w", err)
	}
	res.Counts = map[string]int{q.Type: res.Total, otherType: n}
	return res, nil
}

// matching is the condition (over either fallback table), its arguments
// and the rank expression of q's words and filters; shared keeps only the
// filters both tables hold (countries, themes).
func matching(q Query, shared bool) (string, pgx.NamedArgs, string) {
	where := []string{"true"}
	args := pgx.NamedArgs{}
	rank := "0"
	if toks := tokens(q.Text); len(toks) > 0 {
		ts := make([]string, len(toks))
		for i, t := range toks {
			ts[i] = t + ":*"
		}
		args["tsq"] = strings.Join(ts, " & ")
		args["q"] = strings.Join(toks, " ")
		where = append(where, "(tsv @@ to_tsquery('simple', @tsq) OR names %> @q)")
		rank = "ts_rank_cd(tsv, to_tsquery('simple', @tsq)) + word_similarity(@q, names)"
	}
	arrayFilter := func(col, key, v string) {
		if v != "" {
			where = append(where, col+" @> ARRAY[@"+key+"::text]")
			args[key] = v
		}
	}
	arrayFilter("countries", "country", q.Country)
	arrayFilter("themes", "theme", q.Theme)
	if !shared {
		arrayFilter("support", "support", q.Support)
		arrayFilter("office_keys", "office", q.Office)
		if q.Kind != "" {
			where = append(where, "kind = @kind")
			args["kind"] = q.Kind
		}
		if !q.VerifiedAfter.IsZero() {
			where = append(where, "verified_on > @verified_after")
			args["verified_after"] = q.VerifiedAfter.Unix()
		}
	}
	return strings.Join(where, " AND "), args, rank
}

// organisations answers q from search_documents.
func (f *Fallback) organisations(ctx context.Context, tx pgx.Tx, q Query) (*Result, error) {
	where, args, rank := matching(q, false)
	order, pageOrder := "rank DESC, name, organisation_id", "p.rank DESC, p.name, p.organisation_id"
	if q.Sort == SortName || q.Text == "" {
		order, pageOrder = "name, organisation_id", "p.name, p.organisation_id"
	}
	args["limit"] = q.PerPage
	args["offset"] = (q.Page - 1) * q.PerPage
	filter := " FROM search_documents WHERE " + where
	matches := "SELECT organisation_id, name, kind, countries, themes, support" + filter
	// The page is chosen from the narrow columns; only its documents are
	// read in full.
	page := "SELECT organisation_id, name, " + rank + " AS rank" + filter + " ORDER BY " + order + " LIMIT @limit OFFSET @offset"

	rows, _ := tx.Query(ctx, "SELECT d.document FROM ("+page+") p JOIN search_documents d USING (organisation_id) ORDER BY "+pageOrder, args)
	docs, err := pgx.CollectRows(rows, pgx.RowTo[Document])
	if err != nil {
		return nil, fmt.Errorf("search: fallback query: %w", err)
	}
	rows, _ = tx.Query(ctx, `WITH m AS (`+matches+`)
		SELECT 'countries', v, count(*)::int FROM m, unnest(countries) v GROUP BY v
		UNION ALL SELECT 'themes', v, count(*)::int FROM m, unnest(themes) v GROUP BY v
		UNION ALL SELECT 'support', v, count(*)::int FROM m, unnest(support) v GROUP BY v
		UNION ALL SELECT 'kind', kind, count(*)::int FROM m GROUP BY kind`, args)
	res := &Result{Type: TypeOrganisations, Page: q.Page, Fallback: true, Facets: map[string]map[string]int{}}
	var facet, value string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&facet, &value, &n}, func() error {
		if res.Facets[facet] == nil {
			res.Facets[facet] = map[string]int{}
		}
		res.Facets[facet][value] = n
		if facet == FacetKind {
			res.Total += n // each organisation has exactly one kind
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: fallback facets: %w", err)
	}
	res.Pages = pages(res.Total, q.PerPage)
	toks := tokens(q.Text)
	for _, d := range docs {
		res.Hits = append(res.Hits, d.hit(highlight(d.Name, toks), highlight(d.MissionFR, toks), highlight(d.MissionEN, toks)))
	}
	return res, nil
}

// articles answers q from search_articles, latest first among equally
// ranked ones.
func (f *Fallback) articles(ctx context.Context, tx pgx.Tx, q Query) (*Result, error) {
	where, args, rank := matching(q, true)
	order, pageOrder := "rank DESC, published_at DESC, article_id DESC", "p.rank DESC, p.published_at DESC, p.article_id DESC"
	if q.Sort == SortDate || q.Text == "" {
		order, pageOrder = "published_at DESC, article_id DESC", "p.published_at DESC, p.article_id DESC"
	}
	args["limit"] = q.PerPage
	args["offset"] = (q.Page - 1) * q.PerPage
	filter := " FROM search_articles WHERE " + where
	page := "SELECT article_id, published_at, " + rank + " AS rank" + filter + " ORDER BY " + order + " LIMIT @limit OFFSET @offset"
	rows, _ := tx.Query(ctx, "SELECT d.document FROM ("+page+") p JOIN search_articles d USING (article_id) ORDER BY "+pageOrder, args)
	docs, err := pgx.CollectRows(rows, pgx.RowTo[ArticleDocument])
	if err != nil {
		return nil, fmt.Errorf("search: fallback query: %w", err)
	}
	res := &Result{Type: TypeNews, Page: q.Page, Fallback: true, Facets: map[string]map[string]int{}}
	rows, _ = tx.Query(ctx, `WITH m AS (SELECT countries, themes`+filter+`)
		SELECT 'total', '', count(*)::int FROM m
		UNION ALL SELECT 'countries', v, count(*)::int FROM m, unnest(countries) v GROUP BY v
		UNION ALL SELECT 'themes', v, count(*)::int FROM m, unnest(themes) v GROUP BY v`, args)
	var facet, value string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&facet, &value, &n}, func() error {
		if facet == "total" {
			res.Total = n
			return nil
		}
		if res.Facets[facet] == nil {
			res.Facets[facet] = map[string]int{}
		}
		res.Facets[facet][value] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: fallback facets: %w", err)
	}
	res.Pages = pages(res.Total, q.PerPage)
	toks := tokens(q.Text)
	for _, d := range docs {
		res.Articles = append(res.Articles, d.hit(highlight(d.TitleFR, toks), highlight(d.TitleEN, toks),
			highlight(d.LeadFR, toks), highlight(d.LeadEN, toks)))
	}
	return res, nil
}

// acquire takes a slot, waiting at most fallbackSlotWait (or until ctx
// ends): when none frees in time, ErrUnavailable.
func (f *Fallback) acquire(ctx context.Context) error {
	wait := time.NewTimer(fallbackSlotWait)
	defer wait.Stop()
	select {
	case f.slots <- struct{}{}:
		return nil
	case <-wait.C:
		return fmt.Errorf("%w: fallback: no slot free within %v", ErrUnavailable, fallbackSlotWait)
	case <-ctx.Done():
		return fmt.Errorf("search: fallback: waiting for a slot: %w", ctx.Err())
	}
}

// fold lower-cases s and removes its accents, as search_unaccent does.
// A transformer chain keeps state, so each call makes its own: sharing one
// between concurrent searches corrupts it.
func fold(s string) string {
	folder := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(folder, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// tokens splits text into folded words of letters and digits (so nothing
// else reaches to_tsquery), at most 10.
func tokens(text string) []string {
	words := strings.FieldsFunc(fold(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(words) > 10 {
		words = words[:10]
	}
	return words
}

// highlight marks the words of text that start with one of the tokens.
func highlight(text string, toks []string) []Segment {
	if text == "" {
		return nil
	}
	if len(toks) == 0 {
		return []Segment{{Text: text}}
	}
	var out []Segment
	add := func(s string, mark bool) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].Mark == mark {
			out[n-1].Text += s
			return
		}
		out = append(out, Segment{Text: s, Mark: mark})
	}
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
	rs := []rune(text)
	for i := 0; i < len(rs); {
		j := i
		for j < len(rs) && isWord(rs[j]) == isWord(rs[i]) {
			j++
		}
		w := string(rs[i:j])
		mark := false
		if isWord(rs[i]) {
			fw := fold(w)
			for _, t := range toks {
				if strings.HasPrefix(fw, t) {
					mark = true
					break
				}
			}
		}
		add(w, mark)
		i = j
	}
	return out
}

const upsertFallback = `
	INSERT INTO search_documents (organisation_id, name, kind, countries, office_keys, themes, support,
		updated_at, names, tsv, document, digest, verified_on)
	VALUES (@id, @name, @kind, @countries, @office_keys, @themes, @support, to_timestamp(@updated_at),
		lower(search_unaccent(@names)),
		setweight(to_tsvector('simple', search_unaccent(@a)), 'A') ||
		setweight(to_tsvector('simple', search_unaccent(@b)), 'B') ||
		setweight(to_tsvector('simple', search_unaccent(@c)), 'C') ||
		setweight(to_tsvector('simple', search_unaccent(@d)), 'D'),
		@document, @digest, @verified_on)
	ON CONFLICT (organisation_id) DO UPDATE SET verified_on = EXCLUDED.verified_on,
		name = EXCLUDED.name, kind = EXCLUDED.kind, countries = EXCLUDED.countries,
		office_keys = EXCLUDED.office_keys, themes = EXCLUDED.themes, support = EXCLUDED.support,
		updated_at = EXCLUDED.updated_at, names = EXCLUDED.names, tsv = EXCLUDED.tsv,
		document = EXCLUDED.document, digest = EXCLUDED.digest`

func fallbackArgs(d Document) pgx.NamedArgs {
	join := func(parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, " ")
	}
	var titles, summaries, people []string
	for _, p := range d.Projects {
		titles = append(titles, p.Title)
		summaries = append(summaries, p.SummaryFR, p.SummaryEN)
	}
	for _, m := range d.Members {
		people = append(people, m.Name, m.Role)
	}
	var officeNames []string
	for _, o := range d.Offices {
		officeNames = append(officeNames, o.Name)
	}
	return pgx.NamedArgs{
		"id": d.ID, "name": d.Name, "kind": d.Kind, "countries": d.Countries, "office_keys": d.OfficeKeys,
		"themes": d.Themes, "support": d.Support, "updated_at": d.UpdatedAt,
		"names":    join([]string{d.Name, d.Acronym}, d.OfficeCities),
		"a":        join([]string{d.Name, d.Acronym}),
		"b":        join(d.OfficeCities, d.CountryNames, d.ThemeNames, d.KindLabels),
		"c":        join([]string{d.MissionFR, d.MissionEN}, titles),
		"d":        join([]string{d.DescriptionFR, d.DescriptionEN}, people, summaries, officeNames),
		"document": d, "digest": d.Digest, "verified_on": d.VerifiedOn,
	}
}
