package public

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// ThemesPage is the data of /themes.
type ThemesPage struct {
	kit.Base
	Themes []ThemeLink
}

// ThemeLink is a theme with how many partners and articles have it.
type ThemeLink struct {
	Slug, Name     string
	Partners, News int
}

// ListThemes answers GET /themes: every theme, with its partners and news
// counted.
func (s *Pages) ListThemes(c *gin.Context) {
	ctx := c.Request.Context()
	lang := kit.Lang(c)
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	partners, err := s.dir.ThemeCounts(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	facets, err := s.news.Facets(ctx, news.Filter{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	orgs, articles := map[string]int{}, map[string]int{}
	for _, x := range partners {
		orgs[x.Key] = x.Count
	}
	for _, x := range facets.Themes {
		articles[x.Key] = x.Count
	}
	b := s.Base(c, s.Translate(lang, "themes.title"))
	b.Description = b.T("themes.lead")
	p := ThemesPage{Base: b}
	for _, t := range themes {
		p.Themes = append(p.Themes, ThemeLink{Slug: t.Slug, Name: t.Name(lang), Partners: orgs[t.Slug], News: articles[t.Slug]})
	}
	s.Render(c, http.StatusOK, "themes", p)
}

// ThemePage is the data of /themes/{slug}: the theme's partners, a page at
// a time, and its latest news.
type ThemePage struct {
	kit.Base
	Theme     directory.Theme
	Name      string
	Page      directory.Page
	Cards     []CardView
	PrevURL   string
	NextURL   string
	News      []NewsCardView
	NewsTotal int
}

// themeNews is how many articles a theme page shows.
const themeNews = 4

// ShowTheme answers GET /themes/:slug.
func (s *Pages) ShowTheme(c *gin.Context) {
	ctx := c.Request.Context()
	slug := c.Param("slug")
	t, ok, err := s.theme(ctx, slug)
	if err == nil && !ok {
		err = fault.ErrNotFound
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	q := kit.NewQueryReader(c)
	f := directory.ListFilter{Theme: slug, After: q.Str("after"), Before: q.Str("before"), Limit: 20}
	pageParam := q.Str("page")
	switch {
	case q.Err() != nil:
		err = q.Err()
	case f.After != "" && f.Before != "":
		err = fault.InvalidField("after", "param.err.after_and_before")
	case pageParam != "":
		err = fault.InvalidField("page", "param.err.page_links")
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	lang := kit.Lang(c)
	name := t.Name(lang)
	b := s.Base(c, s.Translate(lang, "themes.partners", "Name", name))
	b.Description = b.T("themes.partners.lead")
	p := ThemePage{Base: b, Theme: t, Name: name}
	if p.Page, err = s.dir.List(ctx, f); err != nil {
		s.Fail(c, err)
		return
	}
	p.Cards = s.cards(b, p.Page.Cards)
	if p.News, p.NewsTotal, err = s.latestNews(c, b, news.Filter{Theme: slug}, themeNews); err != nil {
		s.Fail(c, err)
		return
	}
	link := func(key, cursor string) string { return "/themes/" + slug + "?" + key + "=" + cursor }
	if p.Page.Prev != "" {
		p.PrevURL = link("before", p.Page.Prev)
	}
	if p.Page.Next != "" {
		p.NextURL = link("after", p.Page.Next)
	}
	p.Feeds = []kit.FeedLink{{Title: b.T("news.feed.of", "Name", name), URL: "/themes/" + slug + "/news.atom"}}
	s.Render(c, http.StatusOK, "theme_show", p)
}
