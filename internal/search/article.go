package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/partnerdir/partnerdir/internal/richtext"
)

// ArticleDocument is what the articles index holds for one published
// article of a published organisation: what its public page shows — the
// texts in each language written (bodies as plain text, without markup),
// its organisation, the public team members it presents, its themes and
// countries — and nothing else (no author, no private member).
type ArticleDocument struct {
	ID               int64    `json:"id"`
	Slug             string   `json:"slug"`
	OrganisationID   int64    `json:"organisation_id"`
	OrganisationSlug string   `json:"organisation_slug"`
	OrganisationName string   `json:"organisation_name"`
	Langs            []string `json:"langs"`
	TitleFR          string   `json:"title_fr"`
	TitleEN          string   `json:"title_en"`
	LeadFR           string   `json:"lead_fr"`
	LeadEN           string   `json:"lead_en"`
	BodyFR           string   `json:"body_fr"`
	BodyEN           string   `json:"body_en"`
	MemberNames      []string `json:"member_names"`
	Themes           []string `json:"themes"`
	ThemeNames       []string `json:"theme_names"`
	Countries        []string `json:"countries"`
	CountryNames     []string `json:"country_names"`
	PublishedAt      int64    `json:"published_at"`
	UpdatedAt        int64    `json:"updated_at"`
	Version          int      `json:"version"`
	Digest           string   `json:"digest"`
}

func (d ArticleDocument) docID() int64      { return d.ID }
func (d ArticleDocument) docDigest() string { return d.Digest }

// articleDocumentsQuery reads, in one query for any number of articles,
// what their documents hold: the news tables are projected here as the
// directory's are for organisations (documentsQuery), one query per 1,000
// articles. Only published articles of published organisations are read;
// the others must not be in the index.
const articleDocumentsQuery = `
	SELECT a.id, a.slug, a.published_at, a.updated_at, a.version, o.id, o.slug, o.name,
		COALESCE((SELECT json_agg(json_build_object('lang', t.lang, 'title', t.title, 'lead', t.lead, 'body_html', t.body_html)
				ORDER BY t.lang = 'en')
			FROM article_translations t WHERE t.article_id = a.id), '[]'),
		ARRAY(SELECT m.full_name FROM article_members x JOIN team_members m ON m.id = x.member_id
			WHERE x.article_id = a.id AND m.visibility = 'public' ORDER BY m.position, m.id),
		COALESCE((SELECT json_agg(json_build_object('slug', th.slug, 'fr', th.name_fr, 'en', th.name_en) ORDER BY th.position, th.slug)
			FROM article_themes x JOIN themes th ON th.id = x.theme_id WHERE x.article_id = a.id), '[]'),
		COALESCE((SELECT json_agg(json_build_object('slug', c.code, 'fr', c.name_fr, 'en', c.name_en) ORDER BY c.code)
			FROM article_countries x JOIN countries c ON c.code = x.country_code WHERE x.article_id = a.id), '[]')
	FROM articles a JOIN organisations o ON o.id = a.organisation_id
	WHERE a.id = ANY($1) AND a.status = 'published' AND o.status = 'published'`

// named is a theme or a country with its names in both languages.
type named struct {
	Slug string `json:"slug"`
	FR   string `json:"fr"`
	EN   string `json:"en"`
}

// articleDocuments returns the documents of the ids that must be indexed,
// keyed by id.
func articleDocuments(ctx context.Context, ix *Indexer, ids []int64) (map[int64]doc, error) {
	out := make(map[int64]doc, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, _ := ix.pool.Query(ctx, articleDocumentsQuery, ids)
	var (
		d                  ArticleDocument
		published, updated time.Time
		texts              []struct {
			Lang     string `json:"lang"`
			Title    string `json:"title"`
			Lead     string `json:"lead"`
			BodyHTML string `json:"body_html"`
		}
		members           []string
		themes, countries []named
	)
	_, err := pgx.ForEachRow(rows, []any{&d.ID, &d.Slug, &published, &updated, &d.Version, &d.OrganisationID,
		&d.OrganisationSlug, &d.OrganisationName, &texts, &members, &themes, &countries}, func() error {
		x := ArticleDocument{ID: d.ID, Slug: d.Slug, OrganisationID: d.OrganisationID, OrganisationSlug: d.OrganisationSlug,
			OrganisationName: clean(d.OrganisationName), PublishedAt: published.Unix(), UpdatedAt: updated.Unix(), Version: d.Version}
		for _, t := range texts {
			title, lead, body := clean(t.Title), clean(t.Lead), clean(richtext.PlainText(t.BodyHTML))
			x.Langs = append(x.Langs, t.Lang)
			if t.Lang == "en" {
				x.TitleEN, x.LeadEN, x.BodyEN = title, lead, body
			} else {
				x.TitleFR, x.LeadFR, x.BodyFR = title, lead, body
			}
		}
		for _, m := range members {
			x.MemberNames = append(x.MemberNames, clean(m))
		}
		for _, t := range themes {
			x.Themes = append(x.Themes, t.Slug)
			x.ThemeNames = append(x.ThemeNames, t.FR, t.EN)
		}
		for _, c := range countries {
			x.Countries = append(x.Countries, c.Slug)
			x.CountryNames = append(x.CountryNames, c.FR)
			if c.EN != c.FR {
				x.CountryNames = append(x.CountryNames, c.EN)
			}
		}
		x.normalise()
		x.Digest = x.digest()
		out[x.ID] = x
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("search: read article documents: %w", err)
	}
	return out, nil
}

// normalise turns nil slices into empty ones, so a document reads the same
// whether built here or decoded from the index.
func (d *ArticleDocument) normalise() {
	for _, s := range []*[]string{&d.Langs, &d.MemberNames, &d.Themes, &d.ThemeNames, &d.Countries, &d.CountryNames} {
		if *s == nil {
			*s = []string{}
		}
	}
}

// digest fingerprints the document's content (see Document.digest).
func (d ArticleDocument) digest() string {
	d.Digest = ""
	b, _ := json.Marshal(d)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}

var articleSource = source{
	expected: `SELECT a.id FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.status = 'published' AND o.status = 'published' ORDER BY a.id`,
	// An organisation's articles, and the fallback rows still kept for it
	// (of articles deleted since, whose documents must go too).
	owned: `SELECT id FROM articles WHERE organisation_id = $1
		UNION SELECT article_id FROM search_articles WHERE organisation_id = $1 ORDER BY 1`,
	unindexed: `SELECT EXISTS (SELECT 1 FROM articles WHERE id = $1 AND first_published_at IS NULL)`,
	load:      articleDocuments,
	table:     "search_articles", key: "article_id",
	upsert: upsertArticleFallback,
	args:   func(d doc) pgx.NamedArgs { return articleFallbackArgs(d.(ArticleDocument)) },
	prune: `DELETE FROM search_articles sa WHERE NOT EXISTS (
		SELECT 1 FROM articles a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.id = sa.article_id AND a.status = 'published' AND o.status = 'published')`,
	lock: 7262004,
}

const upsertArticleFallback = `
	INSERT INTO search_articles (article_id, organisation_id, themes, countries, langs, published_at, names, tsv, document, digest)
	VALUES (@id, @organisation_id, @themes, @countries, @langs, to_timestamp(@published_at),
		lower(search_unaccent(@names)),
		setweight(to_tsvector('simple', search_unaccent(@a)), 'A') ||
		setweight(to_tsvector('simple', search_unaccent(@b)), 'B') ||
		setweight(to_tsvector('simple', search_unaccent(@c)), 'C') ||
		setweight(to_tsvector('simple', search_unaccent(@d)), 'D'),
		@document, @digest)
	ON CONFLICT (article_id) DO UPDATE SET
		organisation_id = EXCLUDED.organisation_id, themes = EXCLUDED.themes, countries = EXCLUDED.countries,
		langs = EXCLUDED.langs, published_at = EXCLUDED.published_at, names = EXCLUDED.names, tsv = EXCLUDED.tsv,
		document = EXCLUDED.document, digest = EXCLUDED.digest`

func articleFallbackArgs(d ArticleDocument) pgx.NamedArgs {
	join := func(parts ...[]string) string {
		var all []string
		for _, p := range parts {
			all = append(all, p...)
		}
		return strings.Join(all, " ")
	}
	return pgx.NamedArgs{
		"id": d.ID, "organisation_id": d.OrganisationID, "themes": d.Themes, "countries": d.Countries, "langs": d.Langs,
		"published_at": d.PublishedAt,
		"names":        join([]string{d.TitleFR, d.TitleEN, d.OrganisationName}, d.MemberNames),
		"a":            join([]string{d.TitleFR, d.TitleEN}),
		"b":            join([]string{d.LeadFR, d.LeadEN}, d.MemberNames),
		"c":            join([]string{d.OrganisationName}, d.ThemeNames, d.CountryNames),
		"d":            join([]string{d.BodyFR, d.BodyEN}),
		"document":     d, "digest": d.Digest,
	}
}

// ArticleHit is one article in the results: its texts in both languages
// (one may be empty), highlighted as the engine marked them.
type ArticleHit struct {
	ID               int64
	Slug             string
	OrganisationSlug string
	OrganisationName string
	PublishedAt      time.Time
	TitleFR, TitleEN []Segment
	LeadFR, LeadEN   []Segment
}

// In returns the title and lead in lang, or in the other language when
// the article is not written in lang, and the language they are in (for
// the result's lang attribute).
func (h ArticleHit) In(lang string) (title, lead []Segment, in string) {
	if lang != "en" {
		lang = "fr"
	}
	title, lead, other := h.TitleFR, h.LeadFR, "en"
	if lang == "en" {
		title, lead, other = h.TitleEN, h.LeadEN, "fr"
	}
	if len(title) > 0 {
		return title, lead, lang
	}
	if other == "en" {
		return h.TitleEN, h.LeadEN, other
	}
	return h.TitleFR, h.LeadFR, other
}

// articleHit is the result for d with its texts highlighted as given (nil:
// the plain text).
func (d ArticleDocument) hit(titleFR, titleEN, leadFR, leadEN []Segment) ArticleHit {
	plain := plainSegments
	return ArticleHit{
		ID: d.ID, Slug: d.Slug, OrganisationSlug: d.OrganisationSlug, OrganisationName: d.OrganisationName,
		PublishedAt: time.Unix(d.PublishedAt, 0).UTC(),
		TitleFR:     plain(titleFR, d.TitleFR), TitleEN: plain(titleEN, d.TitleEN),
		LeadFR: plain(leadFR, d.LeadFR), LeadEN: plain(leadEN, d.LeadEN),
	}
}
