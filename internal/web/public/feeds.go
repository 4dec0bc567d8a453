package public

import (
	"encoding/xml"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gorilla/feeds"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Atom feeds (RFC 4287) of the partners' news: all of it, and per
// organisation, theme and country. Each carries the latest feedSize
// articles in the reader's language (the other one when an article is not
// written in it), with a strong ETag over the document so a reader that
// sends If-None-Match gets a 304 while nothing changed.

// feedSize is the number of entries of a feed.
const feedSize = 30

// feedMaxAge is how long a reader or a proxy may keep a feed before asking
// again (with its ETag).
const feedMaxAge = "public, max-age=300"

// atomDocument is gorilla/feeds' Atom feed with its two links, which its
// single Link cannot hold: rel="self" (the feed's own address, which RFC
// 4287 asks for) and rel="alternate" (the page it follows).
type atomDocument struct {
	*feeds.AtomFeed
	Links []feeds.AtomLink
}

// feedSpec is what a feed follows: the filter, its title, its own path
// and the page it mirrors.
type feedSpec struct {
	filter    news.Filter
	title     string
	self      string
	alternate string
}

// NewsFeed answers GET /news.atom.
func (s *Pages) NewsFeed(c *gin.Context) {
	lang := kit.Lang(c)
	s.writeFeed(c, feedSpec{title: s.Translate(lang, "news.feed.all"), self: "/news.atom", alternate: "/news"})
}

// OrganisationFeed answers GET /organisations/:slug/news.atom.
func (s *Pages) OrganisationFeed(c *gin.Context) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	card, err := s.dir.CardBySlug(c.Request.Context(), slug)
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.writeFeed(c, feedSpec{filter: news.Filter{Organisation: slug}, title: s.Translate(kit.Lang(c), "news.feed.of", "Name", card.Name),
		self: "/organisations/" + slug + "/news.atom", alternate: "/news?organisation=" + slug})
}

// ThemeFeed answers GET /themes/:slug/news.atom.
func (s *Pages) ThemeFeed(c *gin.Context) {
	slug := c.Param("slug")
	t, ok, err := s.theme(c.Request.Context(), slug)
	if err == nil && !ok {
		err = fault.ErrNotFound
	}
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.writeFeed(c, feedSpec{filter: news.Filter{Theme: slug}, title: s.Translate(kit.Lang(c), "news.feed.of", "Name", t.Name(kit.Lang(c))),
		self: "/themes/" + slug + "/news.atom", alternate: "/themes/" + slug})
}

// CountryFeed answers GET /countries/:code/news.atom.
func (s *Pages) CountryFeed(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if _, ok := s.Country(code); !ok || c.Param("code") != code {
		if ok {
			c.Redirect(http.StatusMovedPermanently, "/countries/"+code+"/news.atom")
			return
		}
		s.Fail(c, fault.ErrNotFound)
		return
	}
	lang := kit.Lang(c)
	s.writeFeed(c, feedSpec{filter: news.Filter{Country: code}, title: s.Translate(lang, "news.feed.of", "Name", s.CountryName(lang, code)),
		self: "/countries/" + code + "/news.atom", alternate: "/news?country=" + code})
}

// writeFeed renders the feed of spec, or answers 304 when the reader
// already has this very document.
func (s *Pages) writeFeed(c *gin.Context, spec feedSpec) {
	lang := kit.Lang(c)
	spec.filter.Limit, spec.filter.NoTotal = feedSize, true
	page, err := s.news.Latest(c.Request.Context(), spec.filter)
	if err != nil {
		s.Fail(c, err)
		return
	}
	base := s.BaseURL()
	f := &feeds.Feed{Title: spec.title + " · " + s.Translate(lang, "site.name"), Description: s.Translate(lang, "news.list.lead")}
	for _, x := range page.Items {
		h := x.In(lang)
		u := base + "/news/" + x.Slug
		item := &feeds.Item{Title: h.Title, Link: &feeds.Link{Href: u}, Id: u, Description: h.Lead,
			Author: &feeds.Author{Name: x.Organisation.Name}, Updated: x.UpdatedAt}
		f.Add(item)
		if x.UpdatedAt.After(f.Updated) {
			f.Updated = x.UpdatedAt
		}
	}
	if f.Updated.IsZero() {
		// An empty feed still says when it was last checked (RFC 4287
		// requires <updated>); by the day, so its ETag holds a day.
		f.Updated = time.Now().UTC().Truncate(24 * time.Hour)
	}
	doc := atomDocument{AtomFeed: (&feeds.Atom{Feed: f}).AtomFeed(), Links: []feeds.AtomLink{
		{Href: base + spec.self, Rel: "self", Type: "application/atom+xml"},
		{Href: base + spec.alternate, Rel: "alternate", Type: "text/html"},
	}}
	doc.Id, doc.Link = base+spec.self, nil
	for i, e := range doc.Entries {
		x := page.Items[i]
		if x.PublishedAt != nil {
			e.Published = x.PublishedAt.UTC().Format(time.RFC3339)
		}
		// The lead is plain text: say so, rather than gorilla's "html",
		// which would make a reader parse a "<" in it as markup.
		if e.Summary != nil {
			e.Summary.Type = "text"
		}
		e.Author.Uri = base + "/organisations/" + x.Organisation.Slug
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	body = append([]byte(xml.Header), body...)
	kit.WriteTagged(c, http.StatusOK, "application/atom+xml; charset=utf-8", feedMaxAge, body)
}
