package public

import (
	"net/http"
	"strings"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
)

// HomePage is the data of the home page.
type HomePage struct {
	kit.Base
	Themes    []FacetLink
	Countries []FacetLink
	Recent    []CardView
	// News is the strip of the latest articles ("Latest from our
	// partners").
	News []NewsCardView
	// Notice confirms what brought the visitor here (a deleted account).
	Notice string
}

// CardView is an organisation's card, ready to show: labels translated and
// lists joined here, so the template does little per card (each template
// action is a reflective call, and a list page has hundreds).
type CardView struct {
	Slug, Name, Acronym, KindLabel, Summary string
	ThemesLabel                             string
	Themes                                  []string
	// Countries and Cities are joined with commas; OfficesLabel ends with
	// the language's colon.
	Countries, OfficesLabel, Cities string
	// Verified is the mark with its date ("Vérifiée le 3 mars 2026"), ""
	// when the organisation is not verified or its verification expired.
	Verified string
	// Logo is its logo's card variant, or its initials' placeholder.
	Logo kit.LogoView
}

// cards prepares cs for the page's language.
func (s *Pages) cards(b kit.Base, cs []directory.Card) []CardView {
	if len(cs) == 0 {
		return nil
	}
	themes, offices := b.T("profile.themes"), b.T("card.offices")+b.T("punct.colon")
	out := make([]CardView, len(cs))
	for i, c := range cs {
		v := CardView{Slug: c.Slug, Name: c.Name, Acronym: c.AlternateName, KindLabel: s.Translate(b.Lang, c.Kind.MessageID()),
			Summary: c.Mission.In(b.Lang), ThemesLabel: themes, OfficesLabel: offices, Cities: strings.Join(c.Cities, ", "),
			Logo: kit.Logo(c.LogoPath, c.Name)}
		for _, t := range c.Themes {
			v.Themes = append(v.Themes, t.Name(b.Lang))
		}
		names := make([]string, len(c.Countries))
		for j, code := range c.Countries {
			names[j] = s.CountryName(b.Lang, code)
		}
		v.Countries = strings.Join(names, ", ")
		if c.VerifiedOn != nil {
			v.Verified = b.T("profile.verified", "Date", b.Date(*c.VerifiedOn))
		}
		out[i] = v
	}
	return out
}

// FacetLink is a filter value with its count and the link that applies it.
type FacetLink struct {
	Value string
	Label string
	Count int
	URL   string
	On    bool
}

// homeNews and profileNews are how many articles the home page's and a
// profile's strips show.
const (
	homeNews    = 3
	profileNews = 3
)

// ShowHome answers GET /.
func (s *Pages) ShowHome(c *gin.Context) {
	ctx := c.Request.Context()
	b := s.Base(c, s.Translate(kit.Lang(c), "site.tagline"))
	b.Description = b.T("home.lead")
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	themeCounts, err := s.dir.ThemeCounts(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	countryCounts, err := s.dir.CountryCounts(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	recent, err := s.dir.RecentlyUpdated(ctx, 6)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := HomePage{Base: b, Recent: s.cards(b, recent)}
	if p.News, _, err = s.latestNews(c, b, news.Filter{}, homeNews); err != nil {
		s.Fail(c, err)
		return
	}
	p.Feeds = []kit.FeedLink{{Title: b.T("news.feed.all"), URL: "/news.atom"}}
	if c.Query("account") == "deleted" {
		p.Notice = b.T("account.delete.done")
	}
	counts := map[string]int{}
	for _, tc := range themeCounts {
		counts[tc.Key] = tc.Count
	}
	for _, t := range themes {
		if counts[t.Slug] > 0 {
			p.Themes = append(p.Themes, FacetLink{Value: t.Slug, Label: t.Name(b.Lang), Count: counts[t.Slug], URL: "/organisations?theme=" + t.Slug})
		}
	}
	for _, cc := range countryCounts {
		p.Countries = append(p.Countries, FacetLink{Value: cc.Key, Label: s.CountryName(b.Lang, cc.Key), Count: cc.Count, URL: "/countries/" + cc.Key})
	}
	s.Render(c, http.StatusOK, "home", p)
}

// ListPage is the data of /organisations and /countries/{code}.
type ListPage struct {
	kit.Base
	Heading   string
	Lead      string
	Filter    directory.ListFilter
	Page      directory.Page
	Cards     []CardView
	Themes    []FacetLink
	Countries []FacetLink
	Kinds     []FacetLink
	PrevURL   string
	NextURL   string
	// Action is where the filter form submits.
	Action string
	// Country is set on a country page, whose country is fixed.
	Country string
}

// listFilter parses and validates the list's query string.
func (s *Pages) listFilter(c *gin.Context) (directory.ListFilter, error) {
	var f directory.ListFilter
	var err error
	if f.Theme, err = kit.Query(c, "theme"); err != nil {
		return f, err
	}
	if f.Theme != "" {
		themes, err := s.dir.Themes(c.Request.Context())
		if err != nil {
			return f, err
		}
		if err := kit.ThemeParam(themes, "theme", f.Theme); err != nil {
			return f, err
		}
	}
	if f.Country, err = kit.Query(c, "country"); err != nil {
		return f, err
	}
	if f.Country, err = s.CountryParam("country", f.Country); err != nil {
		return f, err
	}
	kind, err := kit.Query(c, "kind")
	if err != nil {
		return f, err
	}
	if f.Kind, err = kit.KindParam("kind", kind); err != nil {
		return f, err
	}
	if f.Verified, err = verifiedParam(c); err != nil {
		return f, err
	}
	if f.After, err = kit.Query(c, "after"); err != nil {
		return f, err
	}
	if f.Before, err = kit.Query(c, "before"); err != nil {
		return f, err
	}
	if f.After != "" && f.Before != "" {
		return f, fault.InvalidField("after", "param.err.after_and_before")
	}
	if v, err := kit.Query(c, "page"); err != nil {
		return f, err
	} else if v != "" {
		return f, fault.InvalidField("page", "param.err.page_links")
	}
	f.Limit = 20
	return f, nil
}

// ListOrganisations answers GET /organisations.
func (s *Pages) ListOrganisations(c *gin.Context) {
	f, err := s.listFilter(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	b := s.Base(c, s.Translate(kit.Lang(c), "list.title"))
	b.Nav = "organisations"
	s.renderList(c, ListPage{Base: b, Heading: b.Title, Filter: f, Action: "/organisations"})
}

// ShowCountry answers GET /countries/:code.
func (s *Pages) ShowCountry(c *gin.Context) {
	code := strings.ToUpper(c.Param("code"))
	if _, ok := s.Country(code); !ok || c.Param("code") != code {
		if ok {
			c.Redirect(http.StatusMovedPermanently, "/countries/"+code)
			return
		}
		s.Fail(c, fault.ErrNotFound)
		return
	}
	f, err := s.listFilter(c)
	if err != nil {
		s.Fail(c, err)
		return
	}
	f.Country = code
	lang := kit.Lang(c)
	name := s.CountryName(lang, code)
	b := s.Base(c, s.Translate(lang, "country.title", "Country", name))
	b.Description = b.T("country.lead")
	s.renderList(c, ListPage{Base: b, Heading: b.Title, Lead: b.Description, Filter: f, Action: "/countries/" + code, Country: code})
}

func (s *Pages) renderList(c *gin.Context, p ListPage) {
	ctx := c.Request.Context()
	page, err := s.dir.List(ctx, p.Filter)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p.Page = page
	p.Cards = s.cards(p.Base, page.Cards)
	themes, err := s.dir.Themes(ctx)
	if err != nil {
		s.Fail(c, err)
		return
	}
	for _, t := range themes {
		p.Themes = append(p.Themes, FacetLink{Value: t.Slug, Label: t.Name(p.Lang), On: t.Slug == p.Filter.Theme})
	}
	if p.Country == "" {
		counts, err := s.dir.CountryCounts(ctx)
		if err != nil {
			s.Fail(c, err)
			return
		}
		for _, cc := range counts {
			p.Countries = append(p.Countries, FacetLink{Value: cc.Key, Label: s.CountryName(p.Lang, cc.Key), Count: cc.Count, On: cc.Key == p.Filter.Country})
		}
	}
	for _, k := range directory.Kinds() {
		p.Kinds = append(p.Kinds, FacetLink{Value: k.Slug(), Label: s.Translate(p.Lang, k.MessageID()), On: k == p.Filter.Kind})
	}
	pageURL := func(key, cursor string) string {
		f := listQuery(p.Filter)
		f.After, f.Before = "", ""
		if p.Country != "" { // a country page's country is its path
			f.Country = ""
		}
		v := f.Values()
		v.Set(key, cursor)
		return kit.Link(p.Action, v)
	}
	if page.Prev != "" {
		p.PrevURL = pageURL("before", page.Prev)
	}
	if page.Next != "" {
		p.NextURL = pageURL("after", page.Next)
	}
	s.Render(c, http.StatusOK, "list", p)
}

// ProfilePage is the data of an organisation's page.
type ProfilePage struct {
	kit.Base
	Profile *directory.Profile
	// News are the organisation's latest articles, of NewsTotal.
	News      []NewsCardView
	NewsTotal int
	// Claimable says the organisation has no owner: its people may claim
	// the profile.
	Claimable bool
	// Map places its offices that have coordinates (nil when none has).
	Map *OfficeMap
	// Logo is its logo's large variant, or its initials' placeholder.
	Logo kit.LogoView
	// Documents are its public documents, ready to show.
	Documents []DocumentView
}

// DocumentView is a public document as the profile lists it.
type DocumentView struct {
	Title, KindLabel, Size, URL string
	Year                        int
}

// documentViews prepares p's documents for b's language.
func documentViews(b kit.Base, p *directory.Profile) []DocumentView {
	var out []DocumentView
	for _, d := range p.Documents {
		if d.Public {
			out = append(out, DocumentView{Title: d.Title, KindLabel: b.T(d.Kind.MessageID()), Size: kit.FileSize(b, d.Size),
				URL: kit.DocumentURL(p.Slug, d.ID), Year: d.Year})
		}
	}
	return out
}

// ShowOrganisation answers GET /organisations/:slug.
func (s *Pages) ShowOrganisation(c *gin.Context) {
	slug := c.Param("slug")
	if !directory.ValidSlug(slug) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	p, err := s.dir.Profile(c.Request.Context(), slug, directory.ProfileOptions{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	b := s.Base(c, p.Name)
	b.Description = p.Mission.In(b.Lang)
	b.Nav = "organisations"
	b.OGType, b.JSONLD = "profile", s.jsonLD(p, b.Lang)
	logo := kit.Logo(p.LogoPath, p.Name)
	if logo.Large != "" {
		b.Image, b.ImageAlt = s.BaseURL()+logo.Large, b.T("media.logo.of", "Name", p.Name)
		b.LargeImage = p.LogoWidth >= 480
	}
	claimable, err := s.join.Claimable(c.Request.Context(), p.ID)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	pg := ProfilePage{Base: b, Profile: p, Claimable: claimable, Map: officeMap(p.Offices), Logo: logo, Documents: documentViews(b, p)}
	if pg.News, pg.NewsTotal, err = s.latestNews(c, b, news.Filter{Organisation: p.Slug}, profileNews); err != nil {
		s.Fail(c, err)
		return
	}
	if pg.NewsTotal > 0 {
		pg.Feeds = []kit.FeedLink{{Title: b.T("news.feed.of", "Name", p.Name), URL: "/organisations/" + p.Slug + "/news.atom"}}
	}
	s.Render(c, http.StatusOK, "organisation_show", pg)
}
