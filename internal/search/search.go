// Package search owns finding organisations and their articles: the
// Meilisearch engine (index settings, keys, documents and queries), the
// PostgreSQL full-text fallback that answers when Meilisearch is
// unreachable or slow, the index worker that keeps both in step with the
// database, and the reindex and verify operations — the same machinery for
// every index declared in search/ (Declared: organisations, articles).
package search

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// ErrUnavailable means neither Meilisearch nor the fallback could answer.
var ErrUnavailable = fault.New(fault.Unavailable, "search.unavailable")

// Sort orders: relevance for both types, name for organisations, date
// (latest first) for news.
const (
	SortRelevance = "relevance"
	SortName      = "name"
	SortDate      = "date"
)

// Types of results, as /search names them (the type parameter).
const (
	TypeOrganisations = "organisations"
	TypeNews          = "news"
)

// kinds returns the index q searches and the other one, whose results are
// only counted.
func (q Query) kinds() (Kind, Kind) {
	if q.Type == TypeNews {
		return Articles, Organisations
	}
	return Organisations, Articles
}

// typeOf is the type of results an index gives.
func typeOf(k Kind) string {
	if k == Articles {
		return TypeNews
	}
	return TypeOrganisations
}

// MaxPerPage bounds a page of results.
const MaxPerPage = 50

// Query is one search: the type of results, text, filters (all optional,
// combined with AND), order and page. Filter values are validated by
// Normalize; engines quote them again anyway. Country and Theme apply to
// both types; Support, Kind and Office to organisations only.
type Query struct {
	// Type is TypeOrganisations (the default) or TypeNews.
	Type    string
	Text    string
	Country string // ISO code: an office there or working there
	Theme   string // theme slug
	Support string // kind of support sought
	Kind    string // organisation kind slug
	// Office is "COUNTRY:kind" (e.g. "ML:regional"): one office matching
	// both.
	Office string
	// VerifiedAfter, when set, keeps the organisations verified after it
	// (the directory's cut-off of the moment: verified=1).
	VerifiedAfter time.Time
	Sort          string
	Page          int // from 1
	PerPage       int
	// Highlight asks for the matched words marked in the texts a page
	// shows (Hit.NameHL, MissionHL; an article's title and lead); without
	// it the texts come back plain (the API), and Meilisearch does no
	// highlighting work.
	Highlight bool
}

var (
	countryRe = regexp.MustCompile(`^[A-Z]{2}$`)
	slugRe    = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	officeRe  = regexp.MustCompile(`^[A-Z]{2}:(headquarters|regional|country|field)$`)
)

// Normalize fills defaults and checks every value's shape, returning an
// Invalid fault (the parameter, a message id, the refused value) for the
// first bad one. It does not know which countries or
// themes exist; the caller checks that against reference data.
func (q *Query) Normalize() error {
	switch q.Type {
	case "":
		q.Type = TypeOrganisations
	case TypeOrganisations, TypeNews:
	default:
		return fault.InvalidValue("type", "search_news.err.type", q.Type)
	}
	q.Text = strings.TrimSpace(q.Text)
	if len([]rune(q.Text)) > 200 {
		return fault.InvalidField("q", "param.err.q_too_long")
	}
	if q.Country != "" && !countryRe.MatchString(q.Country) {
		return fault.InvalidValue("country", "param.err.country_code", q.Country)
	}
	if q.Theme != "" && (!slugRe.MatchString(q.Theme) || len(q.Theme) > 60) {
		return fault.InvalidValue("theme", "param.err.unknown_theme", q.Theme)
	}
	if q.Support != "" && !directory.SupportKind(q.Support).Valid() {
		return fault.InvalidValue("support", "param.err.unknown_support", q.Support)
	}
	if q.Kind != "" {
		if _, ok := directory.KindFromSlug(q.Kind); !ok {
			return fault.InvalidValue("kind", "param.err.unknown_kind", q.Kind)
		}
	}
	if q.Office != "" && !officeRe.MatchString(q.Office) {
		return fault.InvalidField("office", "param.err.office")
	}
	if q.Type == TypeNews {
		for _, p := range []struct{ name, value string }{{"support", q.Support}, {"kind", q.Kind}, {"office", q.Office}} {
			if p.value != "" {
				return fault.InvalidValue(p.name, "search_news.err.organisations_only", p.value)
			}
		}
	}
	switch {
	case q.Sort == "":
		q.Sort = SortRelevance
	case q.Sort == SortRelevance, q.Sort == SortName && q.Type == TypeOrganisations, q.Sort == SortDate && q.Type == TypeNews:
	case q.Type == TypeNews:
		return fault.InvalidField("sort", "search_news.err.sort")
	default:
		return fault.InvalidField("sort", "param.err.sort")
	}
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	if q.PerPage > MaxPerPage {
		return fault.InvalidField("per_page", "param.err.per_page")
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Page < 1 || q.Page*q.PerPage > maxTotalHits {
		return fault.InvalidField("page", "param.err.page_range")
	}
	return nil
}

// folded is q's text as Meilisearch is asked it and the answer cache keys
// it: lower-cased, runs of spaces made one. Meilisearch folds case and
// spaces itself, so the answer is the one to the text as typed.
func (q Query) folded() string {
	return strings.Join(strings.Fields(strings.ToLower(q.Text)), " ")
}

// maxTotalHits matches pagination.maxTotalHits in search/settings.json:
// deeper pages are refused rather than silently empty.
const maxTotalHits = 1000

// Facet names, as in the index.
const (
	FacetCountry = "countries"
	FacetTheme   = "themes"
	FacetSupport = "support"
	FacetKind    = "kind"
)

var facetNames = []string{FacetCountry, FacetTheme, FacetSupport, FacetKind}

// Result is one page of results of one type.
type Result struct {
	// Type is the type of the results: Hits for organisations, Articles
	// for news.
	Type     string
	Hits     []Hit
	Articles []ArticleHit
	Total    int
	Page     int
	// Pages is the number of pages available (bounded by maxTotalHits).
	Pages int
	// Facets maps a facet name to its values' counts among all results.
	Facets map[string]map[string]int
	// Counts is the number of results of each type (TypeOrganisations,
	// TypeNews) for the same words and shared filters (country, theme):
	// Counts[Type] is Total.
	Counts map[string]int
	// Fallback is true when PostgreSQL answered instead of Meilisearch;
	// its ranking and typo tolerance are less precise.
	Fallback bool
}

// Hit is one organisation in the results.
type Hit struct {
	ID        int64
	Slug      string
	Name      string
	Acronym   string
	Kind      string
	Mission   directory.Localized
	Themes    []string
	Countries []string
	Cities    []string
	// VerifiedOn is the day of its last verification, as indexed (zero
	// for none); whether it still counts is the caller's cut-off.
	VerifiedOn time.Time
	// Highlighted texts: the matched words are marked.
	NameHL      []Segment
	MissionFRHL []Segment
	MissionENHL []Segment
}

// hit is the result for d, with its name and missions highlighted as the
// engine marked them (nil: the plain text).
func (d Document) hit(nameHL, missionFRHL, missionENHL []Segment) Hit {
	return Hit{
		ID: d.ID, Slug: d.Slug, Name: d.Name, Acronym: d.Acronym, Kind: d.Kind,
		Mission:    directory.Localized{FR: d.MissionFR, EN: d.MissionEN},
		Themes:     d.Themes,
		Countries:  d.Countries,
		Cities:     d.OfficeCities,
		VerifiedOn: verifiedOn(d.VerifiedOn),
		NameHL:     plainSegments(nameHL, d.Name), MissionFRHL: plainSegments(missionFRHL, d.MissionFR),
		MissionENHL: plainSegments(missionENHL, d.MissionEN),
	}
}

// plainSegments is hl, or s unmarked when the engine marked nothing in it
// (a text it was not asked to highlight).
func plainSegments(hl []Segment, s string) []Segment {
	if hl != nil || s == "" {
		return hl
	}
	return []Segment{{Text: s}}
}

// MissionHL is the highlighted mission in lang, or in the other language
// when empty.
func (h Hit) MissionHL(lang string) []Segment {
	fr, en := h.MissionFRHL, h.MissionENHL
	if lang == "en" {
		fr, en = en, fr
	}
	if len(fr) > 0 {
		return fr
	}
	return en
}

// Segment is a piece of text; Mark is true for a matched word. Templates
// escape Text, so highlighting never injects markup.
type Segment struct {
	Text string
	Mark bool
}

// segments splits text highlighted with markStart/markEnd.
func segments(s string) []Segment {
	var out []Segment
	mark := false
	for s != "" {
		sep := markStart
		if mark {
			sep = markEnd
		}
		i := strings.Index(s, sep)
		if i < 0 {
			out = append(out, Segment{Text: s, Mark: mark})
			break
		}
		if i > 0 {
			out = append(out, Segment{Text: s[:i], Mark: mark})
		}
		s = s[i+len(sep):]
		mark = !mark
	}
	return out
}

// Engine answers a validated query. Meilisearch and the PostgreSQL
// fallback are its two implementations.
type Engine interface {
	Search(ctx context.Context, q Query) (*Result, error)
}

func pages(total, perPage int) int {
	if total > maxTotalHits {
		total = maxTotalHits
	}
	return (total + perPage - 1) / perPage
}
