package web

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

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

// projectEdit is a project as its form edits it: the themes are the
// slugs of the chosen ones.
type projectEdit struct {
	directory.Project
	themes []string
}

// projects are the organisation's projects.
func (s *managePages) projects() record[projectEdit] {
	return record[projectEdit]{s: s, section: "projects", noun: "project",
		blank: projectEdit{Project: directory.Project{Status: directory.ProjectImplementation}},
		all: func(_ context.Context, org *directory.Profile) ([]projectEdit, error) {
			out := make([]projectEdit, len(org.Projects))
			for i, p := range org.Projects {
				out[i] = projectEdit{Project: p, themes: themeSlugs(p.Themes)}
			}
			return out, nil
		},
		id:   func(p *projectEdit) *int64 { return &p.ID },
		read: readProject,
		storeAdd: func(ctx context.Context, actor audit.Actor, orgID int64, p *projectEdit) error {
			return s.dir.AddProject(ctx, actor, orgID, &p.Project, p.themes)
		},
		storeUpdate: func(ctx context.Context, actor audit.Actor, orgID int64, p *projectEdit) error {
			return s.dir.UpdateProject(ctx, actor, orgID, &p.Project, p.themes)
		},
		storeDelete: s.dir.DeleteProject,
		render:      s.renderProjectForm,
	}
}

func (s *managePages) renderProjectForm(c *gin.Context, status int, p projectEdit, mp ManagePage, action string) {
	pf := ProjectForm{ManagePage: mp, Project: p.Project, Action: action, Countries: s.countryOptions(mp.Lang, p.Countries),
		Offices: officeOptions(mp.Org, p.LeadOfficeID)}
	var err error
	if pf.Themes, err = themeOptions(c, s.dir, mp.Lang, p.themes); err != nil {
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

func readProject(f *formReader) projectEdit {
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
	return projectEdit{Project: p, themes: f.strs("themes")}
}
