package api

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/search"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Search through the same service as /search: Meilisearch with a
// search-only key held by the server (never sent to a client), or, when it
// is down or slow, the PostgreSQL fallback, which the answer says
// (fallback: true). The same parameters are refused for the same reasons.

// SearchOrganisation is an organisation found.
type SearchOrganisation struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Acronym   string   `json:"acronym"`
	Kind      string   `json:"kind"`
	Mission   Text     `json:"mission"`
	Themes    []string `json:"themes"`
	Countries []string `json:"countries"`
	Cities    []string `json:"cities"`
	URL       string   `json:"url"`
	APIURL    string   `json:"api_url"`
}

// SearchArticle is an article found.
type SearchArticle struct {
	Slug         string              `json:"slug"`
	Organisation ArticleOrganisation `json:"organisation"`
	PublishedAt  time.Time           `json:"published_at"`
	Title        Text                `json:"title"`
	Lead         Text                `json:"lead"`
	URL          string              `json:"url"`
	APIURL       string              `json:"api_url"`
}

// SearchResult is one page of results of one type.
type SearchResult struct {
	Type  string `json:"type"`
	Query string `json:"q"`
	Total int    `json:"total"`
	Page  int    `json:"page"`
	Pages int    `json:"pages"`
	Limit int    `json:"limit"`
	// Fallback says PostgreSQL answered: ranking and typo tolerance are
	// plainer.
	Fallback bool `json:"fallback"`
	// Counts are the results of each type for the same words, country
	// and theme.
	Counts        map[string]int            `json:"counts"`
	Facets        map[string]map[string]int `json:"facets"`
	Organisations []SearchOrganisation      `json:"organisations"`
	Articles      []SearchArticle           `json:"articles"`
	Next          string                    `json:"next,omitempty"`
}

// Search answers GET /api/v1/search.
func (h *Handlers) Search(c *gin.Context) {
	q, err := h.searchQuery(c)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	// No account, no session: every API search is anonymous. Nothing is
	// highlighted (q.Highlight is false): the API gives plain texts.
	res, err := h.search.SearchAnonymous(c.Request.Context(), q)
	if err != nil {
		h.FailJSON(c, err) // search.ErrUnavailable is a 503 with Retry-After
		return
	}
	out := SearchResult{Type: res.Type, Query: q.Text, Total: res.Total, Page: res.Page, Pages: res.Pages, Limit: q.PerPage,
		Fallback: res.Fallback, Counts: map[string]int{search.TypeOrganisations: res.Counts[search.TypeOrganisations],
			search.TypeNews: res.Counts[search.TypeNews]},
		Facets: map[string]map[string]int{}, Organisations: []SearchOrganisation{}, Articles: []SearchArticle{}}
	for k, v := range res.Facets {
		out.Facets[k] = v
	}
	base := h.BaseURL()
	for _, x := range res.Hits {
		out.Organisations = append(out.Organisations, SearchOrganisation{Slug: x.Slug, Name: x.Name, Acronym: x.Acronym,
			Kind: x.Kind, Mission: textOf(x.Mission), Themes: nonNil(x.Themes), Countries: nonNil(x.Countries), Cities: nonNil(x.Cities),
			URL: base + "/organisations/" + x.Slug, APIURL: base + Prefix + "/organisations/" + x.Slug})
	}
	for _, x := range res.Articles {
		out.Articles = append(out.Articles, SearchArticle{Slug: x.Slug,
			Organisation: ArticleOrganisation{Slug: x.OrganisationSlug, Name: x.OrganisationName, URL: base + "/organisations/" + x.OrganisationSlug},
			PublishedAt:  x.PublishedAt.UTC(), Title: Text{FR: plain(x.TitleFR), EN: plain(x.TitleEN)},
			Lead: Text{FR: plain(x.LeadFR), EN: plain(x.LeadEN)}, URL: base + "/news/" + x.Slug, APIURL: base + Prefix + "/articles/" + x.Slug})
	}
	if res.Page < res.Pages {
		v := url.Values(kit.Params{}.Set("q", q.Text).Set("country", q.Country).Set("theme", q.Theme).Set("support", q.Support).
			Set("kind", q.Kind).Set("office", q.Office))
		if q.Type != search.TypeOrganisations {
			v.Set("type", q.Type)
		}
		if q.Sort != search.SortRelevance {
			v.Set("sort", q.Sort)
		}
		if q.PerPage != defaultLimit {
			v.Set("limit", strconv.Itoa(q.PerPage))
		}
		v.Set("page", strconv.Itoa(res.Page+1))
		out.Next = h.link(Prefix+"/search", v)
	}
	h.writeJSON(c, out, out.Next)
}

// searchQuery reads the search's parameters with /search's checks: known
// countries and themes here, every value's shape in search.Normalize.
func (h *Handlers) searchQuery(c *gin.Context) (search.Query, error) {
	var q search.Query
	r, err := readParams(c, "q", "type", "country", "theme", "support", "kind", "office", "sort", "page", "limit")
	if err != nil {
		return q, err
	}
	q = search.Query{Type: r.Str("type"), Text: r.Str("q"), Theme: r.Str("theme"), Support: r.Str("support"),
		Kind: r.Str("kind"), Office: r.Str("office"), Sort: r.Str("sort")}
	country, page := r.Str("country"), r.Str("page")
	if err := r.Err(); err != nil {
		return q, err
	}
	if q.PerPage, err = limitParam(r, defaultLimit, search.MaxPerPage); err != nil {
		return q, err
	}
	if q.Country, err = h.CountryParam("country", country); err != nil {
		return q, err
	}
	if q.Theme != "" {
		themes, err := h.dir.Themes(c.Request.Context())
		if err != nil {
			return q, &fault.Error{Kind: fault.Unavailable, ID: "search.unavailable", Err: err}
		}
		if err := kit.ThemeParam(themes, "theme", q.Theme); err != nil {
			return q, err
		}
	}
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 1 {
			return q, fault.InvalidValue("page", "param.err.page", page)
		}
		q.Page = n
	}
	return q, q.Normalize()
}

// plain is a highlighted text without its marks.
func plain(segs []search.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Text)
	}
	return b.String()
}
