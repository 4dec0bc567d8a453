package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// ProjectsPage is the data of the list of an organisation's projects.
type ProjectsPage struct {
	ManagePage
}

func (s *managePages) listProjects(c *gin.Context) {
	mp, ok := s.managePage(c, "manage.projects.title", "projects", Form{})
	if ok {
		s.render(c, http.StatusOK, "manage_projects", ProjectsPage{mp})
	}
}

// ProjectForm is the data of the add/edit project form.
type ProjectForm struct {
	ManagePage
	Project   directory.Project
	Statuses  []Option
	Support   []Option
	Themes    []Option
	Countries []Option
	Offices   []Option
	Action    string
}

// Day formats an optional date for a date input.
func (ProjectForm) Day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

func (s *managePages) renderProjectForm(c *gin.Context, status int, p directory.Project, themes []string, st Form) {
	org := s.managedOrg(c)
	title, action := "manage.project.edit", "/manage/"+org.Slug+"/projects/"+strconv.FormatInt(p.ID, 10)
	if p.ID == 0 {
		title, action = "manage.project.new", "/manage/"+org.Slug+"/projects/new"
	}
	mp, ok := s.managePage(c, title, "projects", st)
	if !ok {
		return
	}
	pf := ProjectForm{ManagePage: mp, Project: p, Action: action, Countries: s.countryOptions(mp.Lang, p.Countries),
		Offices: officeOptions(org, p.LeadOfficeID)}
	var err error
	if pf.Themes, err = themeOptions(c, s.dir, mp.Lang, themes); err != nil {
		s.fail(c, err)
		return
	}
	for st := directory.ProjectPipeline; st <= directory.ProjectSuspended; st++ {
		pf.Statuses = append(pf.Statuses, Option{Value: strconv.Itoa(int(st)), Label: s.tr.T(mp.Lang, st.MessageID()), Selected: st == p.Status})
	}
	for _, k := range directory.SupportKinds() {
		pf.Support = append(pf.Support, Option{Value: string(k), Label: s.tr.T(mp.Lang, k.MessageID()), Selected: slices.Contains(p.SupportSought, k)})
	}
	s.render(c, status, "manage_project", pf)
}

func (s *managePages) newProject(c *gin.Context) {
	s.renderProjectForm(c, http.StatusOK, directory.Project{Status: directory.ProjectImplementation}, nil, Form{})
}

func (s *managePages) managedProject(c *gin.Context) (*directory.Project, bool) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return nil, false
	}
	for i, p := range s.managedOrg(c).Projects {
		if p.ID == id {
			return &s.managedOrg(c).Projects[i], true
		}
	}
	s.errorPage(c, http.StatusNotFound, "")
	return nil, false
}

func (s *managePages) editProject(c *gin.Context) {
	if p, ok := s.managedProject(c); ok {
		s.renderProjectForm(c, http.StatusOK, *p, themeSlugs(p.Themes), Form{})
	}
}

func readProject(f *formReader) (directory.Project, []string) {
	p := directory.Project{
		Version: f.int("version"), Slug: f.str("slug"), Title: f.str("title"),
		Summary:      directory.Localized{FR: f.str("summary_fr"), EN: f.str("summary_en")},
		Description:  directory.Localized{FR: f.str("description_fr"), EN: f.str("description_en")},
		Status:       directory.ProjectStatus(f.int("status")),
		PlannedStart: f.date("planned_start"), PlannedEnd: f.date("planned_end"),
		ActualStart: f.date("actual_start"), ActualEnd: f.date("actual_end"),
		LeadOfficeID: f.id("lead_office"), LocalPartners: f.str("local_partners"), Countries: f.strs("countries"),
		SupportSought: []directory.SupportKind{},
	}
	for _, k := range f.strs("support_sought") {
		p.SupportSought = append(p.SupportSought, directory.SupportKind(k))
	}
	return p, f.strs("themes")
}

func (s *managePages) createProject(c *gin.Context) {
	org := s.managedOrg(c)
	f := newFormReader(c)
	p, themes := readProject(f)
	err := f.failed()
	if err == nil {
		err = s.dir.AddProject(c.Request.Context(), s.actor(c), org.ID, &p, themes)
	}
	if err == nil {
		redirectSaved(c, org, "/projects")
		return
	}
	p.ID = 0
	s.formFailed(c, err, f, func(status int, st Form) { s.renderProjectForm(c, status, p, themes, st) })
}

func (s *managePages) updateProject(c *gin.Context) {
	cur, ok := s.managedProject(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	p, themes := readProject(f)
	p.ID = cur.ID
	err := f.failed()
	if err == nil {
		err = s.dir.UpdateProject(c.Request.Context(), s.actor(c), org.ID, &p, themes)
	}
	if err == nil {
		redirectSaved(c, org, "/projects")
		return
	}
	s.formFailed(c, err, f, func(status int, st Form) { s.renderProjectForm(c, status, p, themes, st) })
}

func (s *managePages) deleteProject(c *gin.Context) {
	cur, ok := s.managedProject(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	if err := s.dir.DeleteProject(c.Request.Context(), s.actor(c), org.ID, cur.ID, f.int("version")); err != nil {
		s.formFailed(c, err, f, func(status int, st Form) {
			s.renderProjectForm(c, status, *cur, themeSlugs(cur.Themes), st)
		})
		return
	}
	redirectSaved(c, org, "/projects")
}
