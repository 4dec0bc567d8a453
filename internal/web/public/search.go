package public

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/search"
)

// SearchPage is the data of /search.
type SearchPage struct {
	kit.Base
	Query  search.Query
	Result *search.Result
	Hits   []SearchHit
	Facets []FacetGroup
	// VerifiedURL narrows the organisations to the verified ones ("" when
	// they already are, or for news).
	VerifiedURL string
	// Active lists the applied filters, each with the link that removes it.
	Active  []FacetLink
	Pages   []PageLink
	PrevURL string
	NextURL string
	// SortURLs switch the order, keeping everything else.
	SortRelevanceURL string
	SortNameURL      string
	// Hidden are the filters to keep when the search form is submitted.
	Hidden []HiddenField
	Labels SearchLabels
	// Tabs switch between organisations and news, each with its count;
	// Articles are the news results (Result.Type news).
	Tabs     []SearchTab
	Articles []ArticleCard
	// SortOtherURL and SortOther switch to the type's second order (name
	// for organisations, date for news).
	SortOther    string
	SortOtherURL string
}

// SearchTab is one type of results: its name, how many results it has,
// and the link to them (keeping the words, country and theme).
type SearchTab struct {
	Type    string
	Label   string
	Count   int
	URL     string
	Current bool
}

// ArticleCard is one article in the news results, in the visitor's
// language or else the other one (Lang, set when it differs from the
// page's).
type ArticleCard struct {
	Slug             string
	Title, Lead      []search.Segment
	Lang             string
	Organisation     string
	OrganisationSlug string
	Date, DateISO    string
}

// HiddenField is a form value carried along unchanged.
type HiddenField struct{ Name, Value string }

// SearchHit is one result, ready to show: every label resolved and every
// list joined here, so the template does little per hit (each template
// action is a reflective call; the page has hundreds).
type SearchHit struct {
	Slug, Name, Acronym string
	NameHL, MissionHL   []search.Segment
	KindLabel           string
	ThemeNames          []string
	// Countries and Cities are joined with commas.
	Countries, Cities string
	// Verified is the mark with its date, "" when none counts.
	Verified string
	// Logo is its logo's card variant, or its initials' placeholder.
	Logo kit.LogoView
}

// SearchLabels are the words every hit repeats, translated once.
type SearchLabels struct {
	Themes, Offices string
}

// FacetGroup is one filter with its values and counts.
type FacetGroup struct {
	Param string
	Title string
	Links []FacetLink
}

// PageLink is one link of the pager.
type PageLink struct {
	Number  int
	URL     string
	Current bool
}

// searchQuery parses and validates /search's query string: every value
// must be known (countries, themes, kinds), else 400.
func (s *Pages) searchQuery(c *gin.Context, themes []directory.Theme) (search.Query, error) {
	r := kit.NewQueryReader(c)
	q := search.Query{Type: r.Str("type"), Text: r.Str("q"), Country: r.Str("country"), Theme: r.Str("theme"), Support: r.Str("support"),
		Kind: r.Str("kind"), Office: r.Str("office"), Sort: r.Str("sort"), Highlight: true}
	page := r.Str("page")
	if r.Err() != nil {
		return q, r.Err()
	}
	if verified, err := verifiedParam(c); err != nil {
		return q, err
	} else if verified {
		q.VerifiedAfter = s.dir.VerifiedAfter()
	}
	var err error
	if q.Country, err = s.CountryParam("country", q.Country); err != nil {
		return q, err
	}
	if err := kit.ThemeParam(themes, "theme", q.Theme); err != nil {
		return q, err
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

// SearchOrganisations is /search: the page, or with the X-Partial: results
// header only its results part (live search).
func (s *Pages) SearchOrganisations(c *gin.Context) {
	ctx := c.Request.Context()
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		// Never an empty list that would look like "no partner": 503
		// (kit.Fail adds Retry-After).
		s.Fail(c, &fault.Error{Kind: fault.Unavailable, ID: "search.unavailable", Err: err})
		return
	}
	q, err := s.searchQuery(c, themes)
	if err != nil {
		s.Fail(c, err)
		return
	}
	find := s.search.SearchAnonymous
	if s.CurrentUser(c) != nil {
		find = s.search.Search // a signed-in editor checks a change: never the cache
	}
	res, err := find(ctx, q)
	if err != nil {
		// search.ErrUnavailable (neither Meilisearch nor the fallback
		// answered, or no fallback slot freed in time) is a 503.
		s.Fail(c, err)
		return
	}
	lang := kit.Lang(c)
	title := s.Translate(lang, "search.title")
	if q.Text != "" {
		title = s.Translate(lang, "search.title.query", "Query", q.Text)
	}
	b := s.Base(c, title)
	b.Nav = "search"
	b.Description = b.T("search.lead")
	p := SearchPage{Base: b, Query: q, Result: res}
	s.buildSearchPage(&p, themes)
	s.addLogos(c, p.Hits)

	c.Header("Vary", "X-Partial, Accept-Language, Cookie")
	if c.GetHeader("X-Partial") == "results" {
		c.Header("Cache-Control", "no-store")
		s.RenderFragment(c, http.StatusOK, "search", "search-results", p)
		return
	}
	s.Render(c, http.StatusOK, "search", p)
}

// searchURL is /search with q's values, changed by set (an empty value
// removes the parameter); the page is reset unless set names it.
func searchURL(q search.Query, set ...string) string {
	v := searchQuery(q).Values()
	v.Del("page")
	for i := 0; i+1 < len(set); i += 2 {
		v.Del(set[i])
		kit.Params(v).Set(set[i], set[i+1])
	}
	return kit.Link("/search", v)
}

// addLogos gives each hit its logo as the directory holds it now (the
// index carries no logos, so a new logo shows without a reindex): one
// query for the page. Without it the hits keep their initials: a logo is
// not worth failing a search for.
func (s *Pages) addLogos(c *gin.Context, hits []SearchHit) {
	slugs := make([]string, len(hits))
	for i, h := range hits {
		slugs[i] = h.Slug
	}
	logos, err := s.dir.LogoPaths(c.Request.Context(), slugs)
	if err != nil {
		s.Logger(c).Warn("search results without logos", "err", err)
	}
	for i := range hits {
		hits[i].Logo = kit.Logo(logos[hits[i].Slug], hits[i].Name)
	}
}

func (s *Pages) buildSearchPage(p *SearchPage, themes []directory.Theme) {
	q, res, lang := p.Query, p.Result, p.Lang
	themeName := map[string]string{}
	for _, t := range themes {
		themeName[t.Slug] = t.Name(lang)
	}
	kindLabel := func(slug string) string {
		if k, ok := directory.KindFromSlug(slug); ok {
			return s.Translate(lang, k.MessageID())
		}
		return slug
	}
	supportLabel := func(v string) string { return s.Translate(lang, directory.SupportKind(v).MessageID()) }
	verifiedAfter := s.dir.VerifiedAfter()
	p.Labels = SearchLabels{Themes: p.T("profile.themes"), Offices: p.T("card.offices") + p.T("punct.colon")}
	for _, h := range res.Hits {
		sh := SearchHit{Slug: h.Slug, Name: h.Name, Acronym: h.Acronym, NameHL: h.NameHL, MissionHL: h.MissionHL(lang),
			KindLabel: kindLabel(h.Kind), Cities: strings.Join(h.Cities, ", ")}
		names := make([]string, len(h.Countries))
		for i, c := range h.Countries {
			names[i] = s.CountryName(lang, c)
		}
		sh.Countries = strings.Join(names, ", ")
		if !h.VerifiedOn.IsZero() && h.VerifiedOn.After(verifiedAfter) {
			sh.Verified = p.T("profile.verified", "Date", p.Date(h.VerifiedOn))
		}
		for _, t := range h.Themes {
			if n, ok := themeName[t]; ok {
				sh.ThemeNames = append(sh.ThemeNames, n)
			}
		}
		p.Hits = append(p.Hits, sh)
	}

	groups := []struct {
		facet, param, title, current string
		label                        func(string) string
	}{
		{search.FacetCountry, "country", "search.facet.country", q.Country, func(v string) string { return s.CountryName(lang, v) }},
		{search.FacetTheme, "theme", "search.facet.theme", q.Theme, func(v string) string {
			if n, ok := themeName[v]; ok {
				return n
			}
			return v
		}},
		{search.FacetSupport, "support", "search.facet.support", q.Support, supportLabel},
		{search.FacetKind, "kind", "search.facet.kind", q.Kind, kindLabel},
	}
	for _, g := range groups {
		fg := FacetGroup{Param: g.param, Title: p.T(g.title)}
		for v, n := range res.Facets[g.facet] {
			on := v == g.current
			link := FacetLink{Value: v, Label: g.label(v), Count: n, On: on, URL: searchURL(q, g.param, v)}
			if on {
				link.URL = searchURL(q, g.param, "")
			}
			fg.Links = append(fg.Links, link)
		}
		sort.Slice(fg.Links, func(i, j int) bool {
			a, b := fg.Links[i], fg.Links[j]
			if a.Count != b.Count {
				return a.Count > b.Count
			}
			return a.Label < b.Label
		})
		if g.current != "" {
			active := FacetLink{Value: g.current, Label: g.label(g.current), URL: searchURL(q, g.param, ""), On: true}
			p.Active = append(p.Active, active)
			p.Hidden = append(p.Hidden, HiddenField{g.param, g.current})
		}
		if len(fg.Links) > 0 {
			p.Facets = append(p.Facets, fg)
		}
	}
	switch {
	case !q.VerifiedAfter.IsZero():
		p.Active = append(p.Active, FacetLink{Value: "1", Label: p.T("donors.filter.verified"), URL: searchURL(q, "verified", ""), On: true})
		p.Hidden = append(p.Hidden, HiddenField{"verified", "1"})
	case q.Type != search.TypeNews:
		p.VerifiedURL = searchURL(q, "verified", "1")
	}
	if q.Office != "" {
		p.Active = append(p.Active, FacetLink{Value: q.Office, Label: q.Office, URL: searchURL(q, "office", ""), On: true})
		p.Hidden = append(p.Hidden, HiddenField{"office", q.Office})
	}
	p.SortRelevanceURL = searchURL(q, "sort", "")
	p.SortNameURL = searchURL(q, "sort", search.SortName)
	p.SortOther, p.SortOtherURL = search.SortName, p.SortNameURL
	if q.Type == search.TypeNews {
		p.SortOther, p.SortOtherURL = search.SortDate, searchURL(q, "sort", search.SortDate)
		p.Hidden = append(p.Hidden, HiddenField{"type", q.Type})
	}
	s.buildSearchNews(p)

	if res.Pages > 1 {
		lo, hi := max(1, q.Page-3), min(res.Pages, q.Page+3)
		for n := lo; n <= hi; n++ {
			p.Pages = append(p.Pages, PageLink{Number: n, URL: searchURL(q, "page", pageParam(n)), Current: n == q.Page})
		}
		if q.Page > 1 {
			p.PrevURL = searchURL(q, "page", pageParam(q.Page-1))
		}
		if q.Page < res.Pages {
			p.NextURL = searchURL(q, "page", pageParam(q.Page+1))
		}
	}
}

// pageParam leaves page 1 out of URLs.
func pageParam(n int) string {
	if n == 1 {
		return ""
	}
	return strconv.Itoa(n)
}
