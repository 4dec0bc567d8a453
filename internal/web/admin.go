package web

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// AdminPage is what every /admin page carries; Section is the active
// entry of the admin navigation, Notice the confirmation of the last
// action and Form the state of the forms the page holds.
type AdminPage struct {
	Page
	Form
	Section string
	Notice  string
}

func (s *adminPages) adminPage(c *gin.Context, title, section string) (AdminPage, bool) {
	pg, ok := s.page(c, "", "admin")
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

func (s *adminPages) showAdminHome(c *gin.Context) {
	p, ok := s.adminPage(c, s.tr.T(c.GetString(ctxLang), "admin.home.title"), "home")
	if !ok {
		return
	}
	l, err := s.dir.ReviewList(c.Request.Context(), directory.ReviewFilter{Status: directory.StatusPending, PerPage: 10})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, "admin_home", AdminHomePage{AdminPage: p, Counts: l.Counts, Statuses: directory.Statuses(), Pending: l})
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

func (s *adminPages) listAdminOrganisations(c *gin.Context) {
	r := queryReader{c: c}
	status, q, page := r.str("status"), r.str("q"), r.page()
	if r.err != nil {
		s.fail(c, r.err)
		return
	}
	if status != "" && !directory.ValidStatus(status) {
		s.fail(c, fault.InvalidValue("status", "param.err.unknown_status", status))
		return
	}
	lang := c.GetString(ctxLang)
	title, section := s.tr.T(lang, "admin.orgs.title"), "organisations"
	if status == directory.StatusPending {
		title, section = s.tr.T(lang, "admin.review.title"), "review"
	}
	p, ok := s.adminPage(c, title, section)
	if !ok {
		return
	}
	l, err := s.dir.ReviewList(c.Request.Context(), directory.ReviewFilter{Status: status, Query: q, Page: page})
	if err != nil {
		s.fail(c, err)
		return
	}
	pageURL := func(status string, page int) string {
		return link("/admin/organisations", reviewQuery{Status: status, Query: q, Page: page}.Values())
	}
	data := AdminOrganisationsPage{AdminPage: p, List: l, Status: status, Query: q, Statuses: directory.Statuses(),
		StatusURL: func(st string) string { return pageURL(st, 1) }}
	if l.Page > 1 {
		data.PrevURL = pageURL(status, l.Page-1)
	}
	if l.Page < l.Pages {
		data.NextURL = pageURL(status, l.Page+1)
	}
	s.render(c, http.StatusOK, "admin_organisations", data)
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

func (s *adminPages) showAdminOrganisation(c *gin.Context) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return
	}
	data := AdminOrganisationPage{}
	if done := c.Query("done"); done != "" {
		if _, known := decisionNotices[done]; known {
			data.Notice = s.tr.T(c.GetString(ctxLang), decisionNotices[done])
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
}

func (s *adminPages) renderAdminOrganisation(c *gin.Context, status int, id int64, data AdminOrganisationPage) {
	ctx := c.Request.Context()
	d, err := s.dir.ReviewDetail(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	members, err := s.acc.OrganisationMembers(ctx, id)
	if err != nil {
		s.fail(c, err)
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
	s.render(c, status, "admin_organisation", data)
}

// decideOrganisation returns the handler of one review decision.
func (s *adminPages) decideOrganisation(decision string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.pathID(c, "id")
		if !ok {
			return
		}
		reason := newFormReader(c).raw("reason")
		err := s.dir.Decide(c.Request.Context(), s.actor(c), id, decision, reason)
		if err == nil {
			c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/organisations/%d?done=%s", id, decision))
			return
		}
		s.formFailed(c, err, nil, func(status int, st Form) {
			data := AdminOrganisationPage{Failed: decision, Reason: reason}
			if data.Form = st; st.Conflict && data.Alert == "" { // the decision no longer fits the status
				data.Alert = s.tr.T(c.GetString(ctxLang), "admin.org.conflict")
			}
			s.renderAdminOrganisation(c, status, id, data)
		})
	}
}
