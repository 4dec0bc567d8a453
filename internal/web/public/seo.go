package public

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
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

// ShowSitemap lists the home page, the list and every published profile;
// past sitemapSize profiles it becomes an index of numbered sitemaps.
func (s *Pages) ShowSitemap(c *gin.Context) {
	ctx := c.Request.Context()
	n, err := s.dir.PublishedCount(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if n > sitemapSize {
		idx := sitemapIndex{}
		for i := 1; (i-1)*sitemapSize < n; i++ {
			idx.Sitemaps = append(idx.Sitemaps, sitemapURL{Loc: fmt.Sprintf("%s/sitemaps/sitemap-%d.xml", s.BaseURL(), i)})
		}
		s.writeXML(c, idx)
		return
	}
	s.writeSitemapPage(c, 1)
}

// ShowSitemapPage serves /sitemap-N.xml.
func (s *Pages) ShowSitemapPage(c *gin.Context) {
	name := c.Param("file")
	num, ok := strings.CutPrefix(strings.TrimSuffix(name, ".xml"), "sitemap-")
	page, err := strconv.Atoi(num)
	if !ok || !strings.HasSuffix(name, ".xml") || err != nil || page < 1 || page > 1000 {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	s.writeSitemapPage(c, page)
}

func (s *Pages) writeSitemapPage(c *gin.Context, page int) {
	ctx := c.Request.Context()
	set := urlset{}
	if page == 1 {
		set.URLs = append(set.URLs, sitemapURL{Loc: s.BaseURL() + "/"}, sitemapURL{Loc: s.BaseURL() + "/organisations"})
	}
	// Pages are id ranges walked from the start: cheap with the primary key.
	var after int64
	for p := 1; p <= page; p++ {
		entries, last, err := s.dir.Published(ctx, after, sitemapSize)
		if err != nil {
			s.Fail(c, err)
			return
		}
		if p == page {
			for _, e := range entries {
				set.URLs = append(set.URLs, sitemapURL{Loc: s.BaseURL() + "/organisations/" + e.Slug, LastMod: e.UpdatedAt.UTC().Format("2006-01-02")})
			}
		}
		if len(entries) < sitemapSize {
			if p < page {
				s.Fail(c, fault.ErrNotFound)
				return
			}
			break
		}
		after = last
	}
	s.writeXML(c, set)
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
	url := s.BaseURL() + "/organisations/" + p.Slug
	ngo := map[string]any{
		"@context": "https://schema.org",
		"@type":    "NGO",
		"@id":      url,
		"name":     p.Name,
		"url":      url,
	}
	if p.AlternateName != "" {
		ngo["alternateName"] = p.AlternateName
	}
	if d := p.Mission.In(lang); d != "" {
		ngo["description"] = d
	}
	if p.LogoPath != "" {
		ngo["logo"] = s.BaseURL() + "/" + strings.TrimPrefix(p.LogoPath, "/")
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
