package public

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/news"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// projectNews is how many articles presenting a project its page lists.
const projectNews = 5

// ProjectPage is the data of a project's page.
type ProjectPage struct {
	kit.Base
	Org     *directory.Profile
	Project *directory.Project
	// LeadOffice is the office that leads it, or nil.
	LeadOffice *directory.Office
	// Dates are the planned and actual dates it has, in display order.
	Dates []ProjectDate
	// Description and Summary are in the page's language, else the other
	// one: DescriptionLang and SummaryLang then name it (for the lang
	// attribute), otherwise they are "".
	Description, DescriptionLang string
	Summary, SummaryLang         string
	// News are the latest articles presenting it, of NewsTotal.
	News      []NewsCardView
	NewsTotal int
	// OfferURL opens the offer form with this project chosen.
	OfferURL string
}

// ProjectDate is one of a project's dates, labelled by a message id.
type ProjectDate struct {
	LabelID string
	Date    string // in the page's language
	ISO     string // 2006-01-02, for the time element
}

// ShowProject answers GET /organisations/:slug/projects/:project: a
// project of a published organisation (any other is a 404).
func (s *Pages) ShowProject(c *gin.Context) {
	slug, ps := c.Param("slug"), c.Param("project")
	if !directory.ValidSlug(slug) || !directory.ValidSlug(ps) {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	org, err := s.dir.Profile(c.Request.Context(), slug, directory.ProfileOptions{})
	if err != nil {
		s.Fail(c, err)
		return
	}
	pr := org.Project(ps)
	if pr == nil {
		s.Fail(c, fault.ErrNotFound)
		return
	}
	b := s.Base(c, pr.Title+" — "+org.Name)
	b.Nav = "organisations"
	p := ProjectPage{Base: b, Org: org, Project: pr, LeadOffice: org.Office(pr.LeadOfficeID),
		OfferURL: "/organisations/" + org.Slug + "/offer?project=" + pr.Slug}
	p.Summary, p.SummaryLang = foreign(pr.Summary, b.Lang)
	p.Description, p.DescriptionLang = foreign(pr.Description, b.Lang)
	p.Base.Description = pr.Summary.In(b.Lang)
	for _, d := range []struct {
		id string
		at *time.Time
	}{
		{"projects.date.planned_start", pr.PlannedStart}, {"projects.date.planned_end", pr.PlannedEnd},
		{"projects.date.actual_start", pr.ActualStart}, {"projects.date.actual_end", pr.ActualEnd},
	} {
		if d.at != nil {
			p.Dates = append(p.Dates, ProjectDate{LabelID: d.id, Date: b.Date(*d.at), ISO: d.at.Format(time.DateOnly)})
		}
	}
	if p.News, p.NewsTotal, err = s.latestNews(c, b, news.Filter{Organisation: org.Slug, ProjectID: pr.ID}, projectNews); err != nil {
		s.Fail(c, err)
		return
	}
	p.OGType, p.JSONLD = "website", s.projectJSONLD(org, pr, p.LeadOffice, b.Lang)
	s.Render(c, http.StatusOK, "project_show", p)
}

// foreign is l in lang, and the language it is written in when that is
// not lang (else "").
func foreign(l directory.Localized, lang string) (string, string) {
	in := l.LangIn(lang)
	if in == lang {
		in = ""
	}
	return l.In(lang), in
}

// projectJSONLD describes a project as a schema.org Project — the type
// schema.org gives to an enterprising endeavour run by people and funded
// by others (a subtype of Organization) — with its parent organisation,
// its places and its dates (foundingDate and dissolutionDate: when it
// started and ended, planned when it has not).
func (s *Pages) projectJSONLD(org *directory.Profile, pr *directory.Project, lead *directory.Office, lang string) map[string]any {
	url := s.BaseURL() + "/organisations/" + org.Slug + "/projects/" + pr.Slug
	ld := map[string]any{
		"@context":           "https://schema.org",
		"@type":              "Project",
		"@id":                url,
		"url":                url,
		"name":               pr.Title,
		"parentOrganization": s.ngoNode(org.Slug, org.Name),
	}
	if d := pr.Summary.In(lang); d != "" {
		ld["description"] = d
	}
	if start := firstDate(pr.ActualStart, pr.PlannedStart); start != nil {
		ld["foundingDate"] = start.Format(time.DateOnly)
	}
	if end := firstDate(pr.ActualEnd, pr.PlannedEnd); end != nil {
		ld["dissolutionDate"] = end.Format(time.DateOnly)
	}
	var areas []map[string]any
	for _, code := range pr.Countries {
		areas = append(areas, map[string]any{"@type": "Country", "name": s.CountryName(lang, code), "identifier": code})
	}
	if len(areas) > 0 {
		ld["areaServed"] = areas
	}
	var keywords []string
	for _, t := range pr.Themes {
		keywords = append(keywords, t.Name(lang))
	}
	if len(keywords) > 0 {
		ld["keywords"] = keywords
	}
	if lead != nil {
		ld["location"] = map[string]any{"@type": "Place", "name": lead.Name,
			"address": map[string]any{"@type": "PostalAddress", "addressLocality": lead.City, "addressCountry": lead.Country}}
	}
	return ld
}

func firstDate(ds ...*time.Time) *time.Time {
	for _, d := range ds {
		if d != nil {
			return d
		}
	}
	return nil
}
