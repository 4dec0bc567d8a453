package public

import (
	"github.com/partnerdir/partnerdir/internal/search"
)

// buildSearchNews adds to p what /search shows for both types: the tabs
// with their counts and, for news, the article cards.
func (s *Pages) buildSearchNews(p *SearchPage) {
	q, res := p.Query, p.Result
	for _, t := range []struct{ typ, label string }{
		{search.TypeOrganisations, "search_news.tab.organisations"},
		{search.TypeNews, "search_news.tab.news"},
	} {
		// A tab keeps what both types understand: the words, the country
		// and the theme.
		to := search.Query{Type: t.typ, Text: q.Text, Country: q.Country, Theme: q.Theme, Sort: search.SortRelevance}
		p.Tabs = append(p.Tabs, SearchTab{Type: t.typ, Label: p.T(t.label), Count: res.Counts[t.typ],
			URL: searchURL(to), Current: t.typ == q.Type})
	}
	for _, h := range res.Articles {
		title, lead, lang := h.In(p.Lang)
		c := ArticleCard{Slug: h.Slug, Title: title, Lead: lead, Organisation: h.OrganisationName,
			OrganisationSlug: h.OrganisationSlug, Date: p.Date(h.PublishedAt), DateISO: h.PublishedAt.Format("2006-01-02")}
		if lang != p.Lang {
			c.Lang = lang
		}
		p.Articles = append(p.Articles, c)
	}
}
