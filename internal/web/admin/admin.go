package admin

import (
	"fmt"
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// AdminPage is what every /admin page carries; Section is the active
// entry of the admin navigation, Notice the confirmation of the last
// action and Form the state of the forms the page holds.
type AdminPage struct {
	kit.Page
	kit.Form
	Section string
	Notice  string
}

func (s *Pages) adminPage(c *gin.Context, title, section string) (AdminPage, bool) {
	return adminPageOf(s.Kit, c, title, section)
}

// adminPageOf is the base of an /admin page of any of the group's types.
func adminPageOf(k *kit.Kit, c *gin.Context, title, section string) (AdminPage, bool) {
	pg, ok := k.Page(c, "", "admin")
	if !ok {
		return AdminPage{}, false
	}
	pg.Title = title
	c.Header("Cache-Control", "no-store")
	return AdminPage{Page: pg, Section: section}, true
}

// AdminHomePage is the data of /admin: the review queue at a glance.
type AdminHomePage struct {
	AdminPage
	Counts   map[string]int
	Statuses []string
	Pending  *directory.ReviewList
}

// ShowAdminHome answers GET /admin.
func (s *Pages) ShowAdminHome(c *gin.Context) {
	p, ok := s.adminPage(c, s.Translate(kit.Lang(c), "admin.home.title"), "home")
	if !ok {
		return
	}
	l, err := s.dir.ReviewList(c.Request.Context(), directory.ReviewFilter{Status: directory.StatusPending, PerPage: 10})
	if err != nil {
		s.Fail(c, err)
		return
	}
	s.Render(c, http.StatusOK, "admin_home", AdminHomePage{AdminPage: p, Counts: l.Counts, Statuses: directory.Statuses(), Pending: l})
}

// AdminOrganisationsPage is the data of the list of organisations.
type AdminOrganisationsPage struct {
	AdminPage
	List     *directory.ReviewList
	Status   string
	Query    string
	Statuses []string
	// StatusURL links to the list with another status ("" for all).
	StatusURL func(status string) string
	PrevURL   string
	NextURL   string
}

// ListAdminOrganisations answers GET /admin/organisations.
func (s *Pages) ListAdminOrganisations(c *gin.Context) {
	r := kit.NewQueryReader(c)
	status, q, page := r.Str("status"), r.Str("q"), r.Page()
	if r.Err() != nil {
		s.Fail(c, r.Err())
		return
	}
	if status != "" && !directory.ValidStatus(status) {
		s.Fail(c, fault.InvalidValue("status", "param.err.unknown_status", status))
		return
	}
	lang := kit.Lang(c)
	title, section := s.Translate(lang, "admin.orgs.title"), "organisations"
	if status == directory.StatusPending {
		title, section = s.Translate(lang, "admin.review.title"), "review"
	}
	p, ok := s.adminPage(c, title, section)
	if !ok {
		return
	}
	l, err := s.dir.ReviewList(c.Request.Context(), directory.ReviewFilter{Status: status, Query: q, Page: page})
	if err != nil {
		s.Fail(c, err)
		return
	}
	pageURL := func(status string, page int) string {
		return kit.Link("/admin/organisations", reviewQuery{Status: status, Query: q, Page: page}.Values())
	}
	data := AdminOrganisationsPage{AdminPage: p, List: l, Status: status, Query: q, Statuses: directory.Statuses(),
		StatusURL: func(st string) string { return pageURL(st, 1) }}
	if l.Page > 1 {
		data.PrevURL = pageURL(status, l.Page-1)
	}
	if l.Page < l.Pages {
		data.NextURL = pageURL(status, l.Page+1)
	}
	s.Render(c, http.StatusOK, "admin_organisations", data)
}

// AdminOrganisationPage is the data of one organisation's admin page.
type AdminOrganisationPage struct {
	AdminPage
	Review  *directory.ReviewDetail
	Members []accounts.OrgMember
	// Failed is the decision whose form is shown again with Reason and
	// the Form's errors.
	Failed string
	Reason string
	// NewsTrusted says the organisation publishes articles without review.
	NewsTrusted bool
}

// Err is the message for field of the decision form, or "".
func (p AdminOrganisationPage) Err(decision, field string) string {
	if p.Failed != decision {
		return ""
	}
	return p.Errors[field]
}

// Kept is the reason typed into decision's form before it was refused.
func (p AdminOrganisationPage) Kept(decision string) string {
	if p.Failed != decision {
		return ""
	}
	return p.Reason
}

// ShowAdminOrganisation answers GET /admin/organisations/:id.
func (s *Pages) ShowAdminOrganisation(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	data := AdminOrganisationPage{}
	if done := c.Query("done"); done != "" {
		if _, known := decisionNotices[done]; known {
			data.Notice = s.Translate(kit.Lang(c), decisionNotices[done])
		}
	}
	s.renderAdminOrganisation(c, http.StatusOK, id, data)
}

var decisionNotices = map[string]string{
	directory.DecisionApprove:   "admin.org.done.approve",
	directory.DecisionReject:    "admin.org.done.reject",
	directory.DecisionSuspend:   "admin.org.done.suspend",
	directory.DecisionReinstate: "admin.org.done.reinstate",
	directory.DecisionVerify:    "admin.org.done.verify",
	directory.DecisionUnverify:  "admin.org.done.unverify",
	// Partner news: the trust toggle (news.go).
	"news_trusted":   "newsroom.admin.done.trusted",
	"news_untrusted": "newsroom.admin.done.untrusted",
	// Merging duplicates (merge.go): shown on the kept organisation.
	"merged": "merge.done",
}

func (s *Pages) renderAdminOrganisation(c *gin.Context, status int, id int64, data AdminOrganisationPage) {
	ctx := c.Request.Context()
	d, err := s.dir.ReviewDetail(ctx, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	members, err := s.acc.OrganisationMembers(ctx, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	if data.NewsTrusted, err = s.news.Trusted(ctx, id); err != nil {
		s.Fail(c, err)
		return
	}
	section := "organisations"
	if d.Profile.Status == directory.StatusPending {
		section = "review"
	}
	p, ok := s.adminPage(c, d.Profile.Name, section)
	if !ok {
		return
	}
	p.Notice, p.Form = data.Notice, data.Form
	data.AdminPage, data.Review, data.Members = p, d, members
	s.Render(c, status, "admin_organisation", data)
}

// DecideOrganisation returns the handler of one review decision.
func (s *Pages) DecideOrganisation(decision string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.PathID(c, "id")
		if !ok {
			return
		}
		reason := kit.NewFormReader(c).Raw("reason")
		err := s.dir.Decide(c.Request.Context(), s.Actor(c), id, decision, reason)
		if err == nil {
			c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/organisations/%d?done=%s", id, decision))
			return
		}
		s.FormFailed(c, err, nil, func(status int, st kit.Form) {
			data := AdminOrganisationPage{Failed: decision, Reason: reason}
			if data.Form = st; st.Conflict && data.Alert == "" { // the decision no longer fits the status
				data.Alert = s.Translate(kit.Lang(c), "admin.org.conflict")
			}
			s.renderAdminOrganisation(c, status, id, data)
		})
	}
}
