package public

import (
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// sitemapSize is the number of profiles per sitemap file (the protocol
// allows 50,000).
const sitemapSize = 40000

type urlset struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 sitemapindex"`
	Sitemaps []sitemapURL `xml:"sitemap"`
}

// ShowSitemap lists the home page, the lists, every published profile and
// every published article; past sitemapSize addresses it becomes an index
// of numbered sitemaps, organisations (sitemap-N.xml) and articles
// (news-N.xml) apart.
func (s *Pages) ShowSitemap(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := s.dir.PublishedCount(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	m, err := s.news.PublishedCount(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	// Projects have pages too (projects-N.xml in the index).
	pn, err := s.dir.PublishedProjectCount(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if n+m+pn > sitemapSize {
		idx := sitemapIndex{}
		for i := 1; (i-1)*sitemapSize < n; i++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: fmt.Sprintf("%s/sitemaps/sitemap-%d.xml", s.BaseURL(), i)})
		}
		for i := 1; (i-1)*sitemapSize < m; i++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: fmt.Sprintf("%s/sitemaps/news-%d.xml", s.BaseURL(), i)})
		}
		for i := 1; (i-1)*sitemapSize < pn; i++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: fmt.Sprintf("%s/sitemaps/projects-%d.xml", s.BaseURL(), i)})
		}
		s.writeXML(c, idx)
		return
	}
	set := urlset{URLs: s.sitemapHome()}
	for _, walk := range []sitemapWalk{s.organisationURLs, s.articleURLs, s.projectURLs} {
		urls, ok, err := s.sitemapPage(c, 1, walk)
		if err != nil || !ok {
			s.Fail(c, cmp.Or(err, error(fault.ErrNotFound)))
			return
		}
		set.URLs = append(set.URLs, urls...)
	}
	s.writeXML(c, set)
}

// sitemapHome are the addresses of the first sitemap that are no profile
// or article.
func (s *Pages) sitemapHome() []sitemapURL {
	return []sitemapURL{{Loc: s.BaseURL() + "/"}, {Loc: s.BaseURL() + "/organisations"},
		{Loc: s.BaseURL() + "/news"}, {Loc: s.BaseURL() + "/themes"}}
}

// ShowSitemapPage serves /sitemaps/sitemap-N.xml (profiles),
// /sitemaps/news-N.xml (articles) and /sitemaps/projects-N.xml (projects).
func (s *Pages) ShowSitemapPage(c *gin.Context) {
	name, ok := strings.CutSuffix(c.Param("file"), ".xml")
	walk, kind := sitemapWalk(s.organisationURLs), "sitemap-"
	if strings.HasPrefix(name, "news-") {
		walk, kind = s.articleURLs, "news-"
	}
	if strings.HasPrefix(name, "projects-") {
		walk, kind = s.projectURLs, "projects-"
	}
	num, isKind := strings.CutPrefix(name, kind)
	page, err := strconv.Atoi(num)
	if !ok || !isKind || err != nil || page < 1 || page > 1000 {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	urls, ok, err := s.sitemapPage(c, page, walk)
	if err != nil || !ok {
		s.Fail(c, cmp.Or(err, error(fault.ErrNotFound)))
		return
	}
	if page == 1 && kind == "sitemap-" {
		urls = append(s.sitemapHome(), urls...)
	}
	s.writeXML(c, urlset{URLs: urls})
}

// sitemapWalk returns up to limit addresses of published records with an
// id above after, in id order, and the last id.
type sitemapWalk func(ctx context.Context, after int64, limit int) ([]sitemapURL, int64, error)

func (s *Pages) organisationURLs(ctx context.Context, after int64, limit int) ([]sitemapURL, int64, error) {
	entries, last, err := s.dir.Published(ctx, after, limit)
	urls := make([]sitemapURL, len(entries))
	for i, e := range entries {
		urls[i] = sitemapURL{Loc: s.BaseURL() + "/organisations/" + e.Slug, LastMod: e.UpdatedAt.UTC().Format("2006-01-02")}
	}
	return urls, last, err
}

func (s *Pages) articleURLs(ctx context.Context, after int64, limit int) ([]sitemapURL, int64, error) {
	entries, last, err := s.news.Published(ctx, after, limit)
	urls := make([]sitemapURL, len(entries))
	for i, e := range entries {
		urls[i] = sitemapURL{Loc: s.BaseURL() + "/news/" + e.Slug, LastMod: e.UpdatedAt.UTC().Format("2006-01-02")}
	}
	return urls, last, err
}

func (s *Pages) projectURLs(ctx context.Context, after int64, limit int) ([]sitemapURL, int64, error) {
	entries, last, err := s.dir.PublishedProjects(ctx, after, limit)
	urls := make([]sitemapURL, len(entries))
	for i, e := range entries {
		urls[i] = sitemapURL{Loc: s.BaseURL() + "/organisations/" + e.OrganisationSlug + "/projects/" + e.Slug,
			LastMod: e.UpdatedAt.UTC().Format("2006-01-02")}
	}
	return urls, last, err
}

// sitemapPage is page number page of walk's addresses; false past the
// last page.
func (s *Pages) sitemapPage(c *gin.Context, page int, walk sitemapWalk) ([]sitemapURL, bool, error) {
	// Pages are id ranges walked from the start: cheap with the primary key.
	var after int64
	for p := 1; ; p++ {
		urls, last, err := walk(c.Request.Context(), after, sitemapSize)
		if err != nil {
			return nil, false, err
		}
		if p == page {
			return urls, true, nil
		}
		if len(urls) < sitemapSize {
			return nil, false, nil
		}
		after = last
	}
}

func (s *Pages) writeXML(c *gin.Context, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	c.Header("Cache-Control", "public, max-age=3600")
	c.Data(http.StatusOK, "application/xml; charset=utf-8", append([]byte(xml.Header), b...))
}

// ShowRobots lets crawlers in, keeps them out of private areas and points
// them at the sitemap.
func (s *Pages) ShowRobots(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.String(http.StatusOK, "User-agent: *\nDisallow: /manage\nDisallow: /staff\nDisallow: /admin\nDisallow: /account\n"+
		"Disallow: /login\nDisallow: /lang\nDisallow: /organisations/*/offer\n\nSitemap: %s/sitemap.xml\n", s.BaseURL())
}

// jsonLD is the schema.org NGO description of a profile, for search engines
// and link previews.
func (s *Pages) jsonLD(p *directory.Profile, lang string) map[string]any {
	ngo := s.ngoNode(p.Slug, p.Name)
	ngo["@context"] = "https://schema.org"
	url := ngo["url"].(string)
	if p.AlternateName != "" {
		ngo["alternateName"] = p.AlternateName
	}
	if d := p.Mission.In(lang); d != "" {
		ngo["description"] = d
	}
	if logo := kit.Logo(p.LogoPath, p.Name); logo.Large != "" {
		ngo["logo"] = s.BaseURL() + logo.Large
	}
	if p.FoundedYear != 0 {
		ngo["foundingDate"] = strconv.Itoa(p.FoundedYear)
	}
	var sameAs []string
	if p.Website != "" {
		sameAs = append(sameAs, p.Website)
	}
	for _, l := range p.SocialLinks {
		sameAs = append(sameAs, l.URL)
	}
	if len(sameAs) > 0 {
		ngo["sameAs"] = sameAs
	}
	var places []map[string]any
	for _, f := range p.Offices {
		addr := map[string]any{"@type": "PostalAddress", "addressLocality": f.City, "addressCountry": f.Country}
		if f.Address != "" {
			addr["streetAddress"] = f.Address
		}
		if f.PostalCode != "" {
			addr["postalCode"] = f.PostalCode
		}
		place := map[string]any{"@type": "Place", "name": f.Name, "address": addr}
		if f.Latitude != nil && f.Longitude != nil {
			place["geo"] = map[string]any{"@type": "GeoCoordinates", "latitude": *f.Latitude, "longitude": *f.Longitude}
		}
		places = append(places, place)
		if f.Kind == directory.OfficeHeadquarters {
			ngo["address"] = addr
		}
	}
	if len(places) > 0 {
		ngo["location"] = places
	}
	// Donors reach the organisation through the offer form, which routes
	// to the right (private) mailbox; public addresses are listed too.
	contact := map[string]any{"@type": "ContactPoint", "contactType": "donations", "url": url + "/offer",
		"availableLanguage": []string{"fr", "en"}}
	if p.Email != "" {
		contact["email"] = p.Email
	}
	if p.Phone != "" {
		contact["telephone"] = p.Phone
	}
	ngo["contactPoint"] = contact
	return ngo
}

// ngoNode is the schema.org node that names an organisation by its
// profile's address: the whole description on the profile, the author of
// its articles elsewhere.
func (s *Pages) ngoNode(slug, name string) map[string]any {
	url := s.BaseURL() + "/organisations/" + slug
	return map[string]any{"@type": "NGO", "@id": url, "name": name, "url": url}
}

// articleJSONLD is the schema.org NewsArticle description of article a
// shown in text's language, for search engines and link previews.
func (s *Pages) articleJSONLD(a *news.Article, text news.Translation) map[string]any {
	url := s.BaseURL() + "/news/" + a.Slug
	ld := map[string]any{
		"@context":         "https://schema.org",
		"@type":            "NewsArticle",
		"@id":              url,
		"url":              url,
		"mainEntityOfPage": url,
		"headline":         text.Title,
		"inLanguage":       text.Lang,
		"dateModified":     a.UpdatedAt.UTC().Format(time.RFC3339),
		"author":           s.ngoNode(a.Organisation.Slug, a.Organisation.Name),
		"publisher":        map[string]any{"@type": "Organization", "name": s.Translate(text.Lang, "site.name"), "url": s.BaseURL() + "/"},
	}
	if text.Lead != "" {
		ld["description"] = text.Lead
	}
	if a.PublishedAt != nil {
		ld["datePublished"] = a.PublishedAt.UTC().Format(time.RFC3339)
	}
	if a.Cover.Path != "" {
		ld["image"] = []string{s.BaseURL() + a.Cover.Path}
	}
	var about []string
	for _, t := range a.Themes {
		about = append(about, t.Name(text.Lang))
	}
	if len(about) > 0 {
		ld["keywords"] = strings.Join(about, ", ")
	}
	var places []map[string]any
	for _, c := range a.Countries {
		places = append(places, map[string]any{"@type": "Country", "name": c.Name(text.Lang), "identifier": c.Code})
	}
	if len(places) > 0 {
		ld["contentLocation"] = places
	}
	return ld
}
