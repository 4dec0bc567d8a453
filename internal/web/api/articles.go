package api

import (
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// The partners' published articles. Drafts, articles in review and
// withdrawn ones, and the articles of an organisation that is not
// published, are never read (the news store's public reads); authors are
// never named.

// ArticleOrganisation is the organisation an article belongs to.
type ArticleOrganisation struct {
	Slug string `json:"slug"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Cover is an article's cover picture.
type Cover struct {
	URL string `json:"url"`
	Alt Text   `json:"alt"`
}

// ArticleSummary is an article in a list: its headings, no body.
type ArticleSummary struct {
	Slug         string              `json:"slug"`
	Organisation ArticleOrganisation `json:"organisation"`
	PublishedAt  *time.Time          `json:"published_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
	Languages    []string            `json:"languages"`
	Title        Text                `json:"title"`
	Lead         Text                `json:"lead"`
	Themes       []string            `json:"themes"`
	Countries    []string            `json:"countries"`
	Cover        *Cover              `json:"cover"`
	URL          string              `json:"url"`
	APIURL       string              `json:"api_url"`
}

// ArticleList is a page of articles, latest first.
type ArticleList struct {
	Data       []ArticleSummary `json:"data"`
	Total      int              `json:"total"`
	Limit      int              `json:"limit"`
	Next       string           `json:"next,omitempty"`
	NextCursor string           `json:"next_cursor,omitempty"`
}

// Translation is one language version of an article; BodyHTML was
// rendered from the author's Markdown and sanitised (internal/richtext's
// allow-list) when it was saved, exactly as the site shows it.
type Translation struct {
	Lang     string `json:"lang"`
	Title    string `json:"title"`
	Lead     string `json:"lead"`
	BodyHTML string `json:"body_html"`
}

// ArticleProject, ArticleOffice and ArticleMember are what an article
// presents of its organisation.
type (
	ArticleProject struct {
		Slug  string `json:"slug"`
		Title string `json:"title"`
	}
	ArticleOffice struct {
		Name    string `json:"name"`
		City    string `json:"city"`
		Country string `json:"country"`
	}
	ArticleMember struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
)

// Article is a whole published article.
type Article struct {
	Slug         string              `json:"slug"`
	Organisation ArticleOrganisation `json:"organisation"`
	PublishedAt  *time.Time          `json:"published_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
	Translations []Translation       `json:"translations"`
	Themes       []Theme             `json:"themes"`
	Countries    []string            `json:"countries"`
	Projects     []ArticleProject    `json:"projects"`
	Offices      []ArticleOffice     `json:"offices"`
	Members      []ArticleMember     `json:"members"`
	Cover        *Cover              `json:"cover"`
	URL          string              `json:"url"`
}

// ListArticles answers GET /api/v1/articles: published articles of
// published organisations, latest first, filtered by theme, country,
// organisation and language, a page at a time through a keyset cursor.
func (h *Handlers) ListArticles(c *gin.Context) {
	f, err := h.articleFilter(c)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	page, err := h.news.Latest(c.Request.Context(), f)
	if err != nil {
		h.FailJSON(c, cursorError(err))
		return
	}
	out := ArticleList{Data: make([]ArticleSummary, len(page.Items)), Total: page.Total, Limit: f.Limit}
	for i, x := range page.Items {
		out.Data[i] = h.articleSummaryOf(x)
	}
	if page.Next != "" {
		v := url.Values(kit.Params{}.Set("theme", f.Theme).Set("country", f.Country).Set("organisation", f.Organisation).
			Set("lang", f.Lang).Set("cursor", page.Next))
		if f.Limit != defaultLimit {
			v.Set("limit", strconv.Itoa(f.Limit))
		}
		out.Next, out.NextCursor = h.link(Prefix+"/articles", v), page.Next
	}
	h.writeJSON(c, out, out.Next)
}

// articleFilter reads the articles' parameters as /news does: an unknown
// theme, country, organisation or language is refused by name.
func (h *Handlers) articleFilter(c *gin.Context) (news.Filter, error) {
	var f news.Filter
	q, err := readParams(c, "theme", "country", "organisation", "lang", "cursor", "limit")
	if err != nil {
		return f, err
	}
	f = news.Filter{Theme: q.Str("theme"), Organisation: q.Str("organisation"), Lang: q.Str("lang"), After: q.Str("cursor")}
	country := q.Str("country")
	if err := q.Err(); err != nil {
		return f, err
	}
	if f.Limit, err = limitParam(q, defaultLimit, maxLimit); err != nil {
		return f, err
	}
	ctx := c.Request.Context()
	if f.Theme != "" {
		themes, err := h.dir.Themes(ctx)
		if err != nil {
			return f, err
		}
		if err := kit.ThemeParam(themes, "theme", f.Theme); err != nil {
			return f, err
		}
	}
	if f.Country, err = h.CountryParam("country", country); err != nil {
		return f, err
	}
	if f.Organisation != "" {
		if !directory.ValidSlug(f.Organisation) {
			return f, fault.InvalidValue("organisation", "news.param.unknown_organisation", f.Organisation)
		}
		if _, err := h.dir.CardBySlug(ctx, f.Organisation); errors.Is(err, fault.ErrNotFound) {
			return f, fault.InvalidValue("organisation", "news.param.unknown_organisation", f.Organisation)
		} else if err != nil {
			return f, err
		}
	}
	if f.Lang != "" && !news.ValidLanguage(f.Lang) {
		return f, fault.InvalidField("lang", "param.err.lang")
	}
	return f, nil
}

func (h *Handlers) organisationLink(o news.Organisation) ArticleOrganisation {
	return ArticleOrganisation{Slug: o.Slug, Name: o.Name, URL: h.BaseURL() + "/organisations/" + o.Slug}
}

func (h *Handlers) coverOf(c news.Cover) *Cover {
	if c.Path == "" {
		return nil
	}
	return &Cover{URL: h.BaseURL() + c.Path, Alt: textOf(c.Alt)}
}

func (h *Handlers) articleSummaryOf(x news.Summary) ArticleSummary {
	base := h.BaseURL()
	s := ArticleSummary{Slug: x.Slug, Organisation: h.organisationLink(x.Organisation), PublishedAt: utc(x.PublishedAt),
		UpdatedAt: x.UpdatedAt.UTC(), Languages: []string{}, Themes: make([]string, len(x.Themes)), Countries: nonNil(x.Countries),
		Cover: h.coverOf(x.Cover), URL: base + "/news/" + x.Slug, APIURL: base + Prefix + "/articles/" + x.Slug}
	for _, hd := range x.Headings {
		s.Languages = append(s.Languages, hd.Lang)
		if hd.Lang == "en" {
			s.Title.EN, s.Lead.EN = hd.Title, hd.Lead
		} else {
			s.Title.FR, s.Lead.FR = hd.Title, hd.Lead
		}
	}
	for i, t := range x.Themes {
		s.Themes[i] = t.Slug
	}
	return s
}

// ShowArticle answers GET /api/v1/articles/{slug}: a published article
// with its sanitised HTML bodies, or 404.
func (h *Handlers) ShowArticle(c *gin.Context) {
	if _, err := readParams(c); err != nil {
		h.FailJSON(c, err)
		return
	}
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		h.FailJSON(c, fault.ErrNotFound)
		return
	}
	a, err := h.news.BySlug(c.Request.Context(), slug)
	if err != nil {
		h.FailJSON(c, err)
		return
	}
	out := Article{Slug: a.Slug, Organisation: h.organisationLink(a.Organisation), PublishedAt: utc(a.PublishedAt),
		UpdatedAt: a.UpdatedAt.UTC(), Translations: make([]Translation, len(a.Translations)), Themes: themesOf(a.Themes),
		Countries: make([]string, len(a.Countries)), Projects: make([]ArticleProject, len(a.Projects)),
		Offices: make([]ArticleOffice, len(a.Offices)), Members: []ArticleMember{}, Cover: h.coverOf(a.Cover),
		URL: h.BaseURL() + "/news/" + a.Slug}
	for i, t := range a.Translations {
		out.Translations[i] = Translation{Lang: t.Lang, Title: t.Title, Lead: t.Lead, BodyHTML: t.BodyHTML}
	}
	for i, x := range a.Countries {
		out.Countries[i] = x.Code
	}
	for i, p := range a.Projects {
		out.Projects[i] = ArticleProject{Slug: p.Slug, Title: p.Title}
	}
	for i, f := range a.Offices {
		out.Offices[i] = ArticleOffice{Name: f.Name, City: f.City, Country: f.Country}
	}
	for _, m := range a.Members {
		if m.Public { // BySlug leaves private members out already; twice is cheap
			out.Members = append(out.Members, ArticleMember{Name: m.FullName, Role: m.RoleTitle})
		}
	}
	h.writeJSON(c, out, "")
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
