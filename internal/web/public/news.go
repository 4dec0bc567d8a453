package public

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// The partners' news as anyone reads it: the list at /news with its
// filters, an article's page (and its reading view), and the strips of
// latest articles that the home page, profiles and theme pages show.

// NewsCardView is an article as lists show it, ready to show: the heading
// in the visitor's language when it exists, else the other one (Foreign
// then says so, for its lang attribute).
type NewsCardView struct {
	Slug, Title, Lead string
	Lang              string
	Foreign           bool
	Date, DateISO     string
	OrgSlug, OrgName  string
	// OrgLogo is the organisation's logo beside its name.
	OrgLogo  kit.LogoView
	Themes   []string
	CoverURL string
	CoverAlt string
}

// newsCards prepares xs for the page's language.
func (s *Pages) newsCards(b kit.Base, xs []news.Summary) []NewsCardView {
	if len(xs) == 0 {
		return nil
	}
	out := make([]NewsCardView, len(xs))
	for i, x := range xs {
		h := x.In(b.Lang)
		v := NewsCardView{Slug: x.Slug, Title: h.Title, Lead: h.Lead, Lang: h.Lang, Foreign: h.Lang != b.Lang,
			OrgSlug: x.Organisation.Slug, OrgName: x.Organisation.Name, OrgLogo: kit.Logo(x.Organisation.LogoPath, x.Organisation.Name)}
		if x.PublishedAt != nil {
			v.Date, v.DateISO = b.Date(*x.PublishedAt), x.PublishedAt.UTC().Format(time.DateOnly)
		}
		for _, t := range x.Themes {
			v.Themes = append(v.Themes, t.Name(b.Lang))
		}
		if x.Cover.Path != "" {
			v.CoverURL, v.CoverAlt = x.Cover.Path, altIn(x.Cover.Alt, h.Lang)
		}
		out[i] = v
	}
	return out
}

// altIn is a cover's description in lang, the language its text is shown
// in (the article requires one for each language it is written in).
func altIn(alt directory.Localized, lang string) string {
	if lang == "en" {
		return alt.EN
	}
	return alt.FR
}

// latestNews is the strip of the n latest articles matching f.
func (s *Pages) latestNews(c *gin.Context, b kit.Base, f news.Filter, n int) ([]NewsCardView, int, error) {
	f.Limit = n
	page, err := s.news.Latest(c.Request.Context(), f)
	if err != nil {
		return nil, 0, err
	}
	return s.newsCards(b, page.Items), page.Total, nil
}

// newsQuery is the news list's filter as the web reads it.
type newsQuery news.Filter

// Values is the filter as a query string, cursors included.
func (f newsQuery) Values() url.Values {
	return url.Values(kit.Params{}.Set("theme", f.Theme).Set("country", f.Country).Set("organisation", f.Organisation).
		Set("lang", f.Lang).Set("after", f.After).Set("before", f.Before))
}

// theme is the theme with slug, or false.
func (s *Pages) theme(ctx context.Context, slug string) (directory.Theme, bool, error) {
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		return directory.Theme{}, false, err
	}
	for _, t := range themes {
		if t.Slug == slug {
			return t, true, nil
		}
	}
	return directory.Theme{}, false, nil
}

// newsFilter parses and validates the news list's query string, as the
// directory's list does: an unknown theme, country, organisation or
// language is a 400 naming the parameter. It returns the organisation's
// card when one is chosen.
func (s *Pages) newsFilter(c *gin.Context) (news.Filter, *directory.Card, error) {
	q := kit.NewQueryReader(c)
	f := news.Filter{Theme: q.Str("theme"), Country: strings.ToUpper(q.Str("country")), Organisation: q.Str("organisation"),
		Lang: q.Str("lang"), After: q.Str("after"), Before: q.Str("before")}
	page := q.Str("page")
	if err := q.Err(); err != nil {
		return f, nil, err
	}
	if f.Theme != "" {
		_, ok, err := s.theme(c.Request.Context(), f.Theme)
		if err != nil {
			return f, nil, err
		}
		if !ok {
			return f, nil, fault.InvalidValue("theme", "param.err.unknown_theme", f.Theme)
		}
	}
	var err error
	if f.Country, err = s.CountryParam("country", f.Country); err != nil {
		return f, nil, err
	}
	var org *directory.Card
	if f.Organisation != "" {
		if !directory.ValidSlug(f.Organisation) {
			return f, nil, fault.InvalidValue("organisation", "news.param.unknown_organisation", f.Organisation)
		}
		card, err := s.dir.CardBySlug(c.Request.Context(), f.Organisation)
		if errors.Is(err, fault.ErrNotFound) {
			return f, nil, fault.InvalidValue("organisation", "news.param.unknown_organisation", f.Organisation)
		}
		if err != nil {
			return f, nil, err
		}
		org = &card
	}
	if f.Lang != "" && !news.ValidLanguage(f.Lang) {
		return f, nil, fault.InvalidValue("lang", "news.param.unknown_language", f.Lang)
	}
	if f.After != "" && f.Before != "" {
		return f, nil, fault.InvalidField("after", "param.err.after_and_before")
	}
	if page != "" {
		return f, nil, fault.InvalidField("page", "param.err.page_links")
	}
	f.Limit = newsPageSize
	return f, org, nil
}

// newsPageSize is the number of articles on a page of /news.
const newsPageSize = 20

// NewsPage is the data of /news.
type NewsPage struct {
	kit.Base
	Filter news.Filter
	// OrgName names the organisation chosen ("" for all).
	OrgName   string
	Total     int
	Cards     []NewsCardView
	Themes    []FacetLink
	Countries []FacetLink
	Languages []FacetLink
	PrevURL   string
	NextURL   string
}

// ListNews answers GET /news.
func (s *Pages) ListNews(c *gin.Context) {
	f, org, err := s.newsFilter(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	lang := kit.Lang(c)
	b := s.Base(c, s.Translate(lang, "news.list.title"))
	b.Nav = "news"
	b.Description = b.T("news.list.lead")
	p := NewsPage{Base: b, Filter: f}
	if org != nil {
		p.OrgName = org.Name
		p.Title = b.T("news.list.title_of", "Name", org.Name)
	}
	page, err := s.news.Latest(ctx, f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	facets, err := s.news.Facets(ctx, f)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p.Total, p.Cards = page.Total, s.newsCards(b, page.Items)
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	counts := map[string]int{}
	for _, x := range facets.Themes {
		counts[x.Key] = x.Count
	}
	for _, t := range themes {
		if counts[t.Slug] > 0 || t.Slug == f.Theme {
			p.Themes = append(p.Themes, FacetLink{Value: t.Slug, Label: t.Name(lang), Count: counts[t.Slug], On: t.Slug == f.Theme})
		}
	}
	for _, x := range facets.Countries {
		p.Countries = append(p.Countries, FacetLink{Value: x.Key, Label: s.CountryName(lang, x.Key), Count: x.Count, On: x.Key == f.Country})
	}
	if f.Country != "" && len(facets.Countries) == 0 {
		p.Countries = append(p.Countries, FacetLink{Value: f.Country, Label: s.CountryName(lang, f.Country), On: true})
	}
	langCounts := map[string]int{}
	for _, x := range facets.Languages {
		langCounts[x.Key] = x.Count
	}
	for _, l := range news.Languages() {
		p.Languages = append(p.Languages, FacetLink{Value: l, Label: b.T("news.lang." + l), Count: langCounts[l], On: l == f.Lang})
	}
	pageURL := func(key, cursor string) string {
		q := newsQuery(f)
		q.After, q.Before = "", ""
		v := q.Values()
		v.Set(key, cursor)
		return kit.Link("/news", v)
	}
	if page.Prev != "" {
		p.PrevURL = pageURL("before", page.Prev)
	}
	if page.Next != "" {
		p.NextURL = pageURL("after", page.Next)
	}
	p.Feeds = s.newsFeeds(ctx, b, f, p.OrgName)
	s.Render(c, http.StatusOK, "news_list", p)
}

// newsFeeds are the feeds that follow a news list filtered by f: all
// news, and the organisation's, theme's or country's chosen.
func (s *Pages) newsFeeds(ctx context.Context, b kit.Base, f news.Filter, orgName string) []kit.FeedLink {
	out := []kit.FeedLink{{Title: b.T("news.feed.all"), URL: "/news.atom"}}
	if f.Organisation != "" {
		out = append(out, kit.FeedLink{Title: b.T("news.feed.of", "Name", orgName), URL: "/organisations/" + f.Organisation + "/news.atom"})
	}
	if f.Theme != "" {
		if t, ok, _ := s.theme(ctx, f.Theme); ok {
			out = append(out, kit.FeedLink{Title: b.T("news.feed.of", "Name", t.Name(b.Lang)), URL: "/themes/" + f.Theme + "/news.atom"})
		}
	}
	if f.Country != "" {
		out = append(out, kit.FeedLink{Title: b.T("news.feed.of", "Name", s.CountryName(b.Lang, f.Country)), URL: "/countries/" + f.Country + "/news.atom"})
	}
	return out
}

// ArticlePage is the data of an article's page and of its reading view.
type ArticlePage struct {
	kit.Base
	Article *news.Article
	// Text is the version shown: the visitor's language when it exists,
	// else the other (Foreign).
	Text    news.Translation
	Foreign bool
	// Body is the text's body, sanitised when it was saved
	// (internal/richtext's allow-list), so it is served as it is.
	Body    template.HTML
	Date    string
	DateISO string
	// Card is the organisation's, with its Offer support link
	// (preselecting the first project the article presents).
	Card     CardView
	OfferURL string
	Members  []MemberLink
	Themes   []FacetLink
	// Countries link to their country pages.
	Countries []FacetLink
	Share     []ShareLink
	CoverURL  string
	CoverAlt  string
	// URL is the article's address; ReadURL its reading view's.
	URL     string
	ReadURL string
	Reading bool
}

// MemberLink is a team member an article presents, linked to its place
// on the profile.
type MemberLink struct {
	Name, Role, URL string
}

// ShareLink is a plain link that shares the article on a network or by
// e-mail: no script, no pixel, nothing loaded from the network's site
// until the visitor follows it.
type ShareLink struct {
	Network string // facebook, x, linkedin, scoopit, email
	Label   string
	URL     string
}

// shareLinks are the article's share links, its address and title
// URL-encoded into each.
func shareLinks(b kit.Base, pageURL, title string) []ShareLink {
	enc := func(base string, v url.Values) string { return base + "?" + v.Encode() }
	// mailto: takes percent-encoding, where "+" is no space (RFC 6068).
	mail := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
	links := []ShareLink{
		{Network: "facebook", URL: enc("https://www.facebook.com/sharer/sharer.php", url.Values{"u": {pageURL}})},
		{Network: "x", URL: enc("https://x.com/intent/tweet", url.Values{"url": {pageURL}, "text": {title}})},
		{Network: "linkedin", URL: enc("https://www.linkedin.com/sharing/share-offsite/", url.Values{"url": {pageURL}})},
		{Network: "scoopit", URL: enc("https://www.scoop.it/bookmarklet", url.Values{"url": {pageURL}, "title": {title}})},
		{Network: "email", URL: "mailto:?subject=" + mail(title) + "&body=" + mail(title+"\n"+pageURL)},
	}
	for i := range links {
		links[i].Label = b.T("news.share." + links[i].Network)
	}
	return links
}

// ShowArticle answers GET /news/:slug, and its reading view with
// ?read=1. A withdrawn article is 410 Gone (it was public and was taken
// down); a draft, one waiting for review, an unknown slug and any article
// of an organisation that is not published are 404.
func (s *Pages) ShowArticle(c *gin.Context) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	read, err := kit.Query(c, "read")
	if err == nil && read != "" && read != "1" {
		err = fault.InvalidValue("read", "news.param.read", read)
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	ctx := c.Request.Context()
	a, err := s.news.BySlug(ctx, slug)
	if errors.Is(err, fault.ErrNotFound) {
		gone, gerr := s.news.Withdrawn(ctx, slug)
		if gerr != nil {
			s.Fail(c, gerr)
			return
		}
		if gone {
			s.RenderError(c, http.StatusGone, s.Translate(kit.Lang(c), "news.gone"))
			return
		}
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	card, err := s.dir.Card(ctx, a.Organisation.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	lang := kit.Lang(c)
	text := a.In(lang)
	b := s.Base(c, text.Title)
	b.Nav = "news"
	b.Description = text.Lead
	p := ArticlePage{Base: b, Article: a, Text: text, Foreign: text.Lang != lang, Body: template.HTML(text.BodyHTML), Card: s.cards(b, []directory.Card{card})[0],
		URL: s.BaseURL() + "/news/" + a.Slug, ReadURL: "/news/" + a.Slug + "?read=1", Reading: read == "1"}
	if a.PublishedAt != nil {
		p.Date, p.DateISO = b.Date(*a.PublishedAt), a.PublishedAt.UTC().Format(time.DateOnly)
	}
	p.OfferURL = "/organisations/" + a.Organisation.Slug + "/offer"
	if len(a.Projects) > 0 {
		p.OfferURL += "?" + url.Values{"project": {a.Projects[0].Slug}}.Encode()
	}
	for _, m := range a.Members {
		p.Members = append(p.Members, MemberLink{Name: m.FullName, Role: m.RoleTitle, URL: memberURL(a.Organisation.Slug, m.ID)})
	}
	for _, t := range a.Themes {
		p.Themes = append(p.Themes, FacetLink{Value: t.Slug, Label: t.Name(lang), URL: "/themes/" + t.Slug})
	}
	for _, x := range a.Countries {
		p.Countries = append(p.Countries, FacetLink{Value: x.Code, Label: x.Name(lang), URL: "/countries/" + x.Code})
	}
	if a.Cover.Path != "" {
		p.CoverURL, p.CoverAlt = a.Cover.Path, altIn(a.Cover.Alt, text.Lang)
		// A cover is stored up to 1600 pixels wide, from photographs of
		// at least 200: shown large (its width is not kept).
		p.Image, p.ImageAlt, p.LargeImage = s.BaseURL()+a.Cover.Path, p.CoverAlt, true
	}
	p.Share = shareLinks(b, p.URL, text.Title)
	p.OGType, p.JSONLD = "article", s.articleJSONLD(a, text)
	p.Feeds = []kit.FeedLink{{Title: b.T("news.feed.all"), URL: "/news.atom"},
		{Title: b.T("news.feed.of", "Name", a.Organisation.Name), URL: "/organisations/" + a.Organisation.Slug + "/news.atom"}}
	if p.Reading {
		// The reading view is the same text without the site around it;
		// search engines keep to the article's own address.
		p.Bare = true
		p.Canonical = p.URL
		s.Render(c, http.StatusOK, "news_read", p)
		return
	}
	s.Render(c, http.StatusOK, "news_show", p)
}

// memberURL is where a team member appears on their organisation's
// profile.
func memberURL(orgSlug string, id int64) string {
	return "/organisations/" + orgSlug + "#member-" + strconv.FormatInt(id, 10)
}
