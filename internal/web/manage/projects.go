package manage

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/audit"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// ProjectForm is the data of the add/edit project form.
type ProjectForm struct {
	ManagePage
	Project   directory.Project
	Statuses  []kit.Option
	Support   []kit.Option
	Themes    []kit.Option
	Countries []kit.Option
	Offices   []kit.Option
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

// Projects are the organisation's projects.
func (s *Pages) Projects() Record[projectEdit] {
	return Record[projectEdit]{s: s, section: "projects", noun: "project",
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

func (s *Pages) renderProjectForm(c *gin.Context, status int, p projectEdit, mp ManagePage, action string) {
	pf := ProjectForm{ManagePage: mp, Project: p.Project, Action: action, Countries: s.CountryOptions(mp.Lang, p.Countries),
		Offices: officeOptions(mp.Org, p.LeadOfficeID)}
	var err error
	if pf.Themes, err = kit.ThemeOptions(c, s.dir, mp.Lang, p.themes); err != nil {
		s.Fail(c, err)
		return
	}
	for st := directory.ProjectPipeline; st <= directory.ProjectSuspended; st++ {
		pf.Statuses = append(pf.Statuses, kit.Option{Value: strconv.Itoa(int(st)), Label: s.Translate(mp.Lang, st.MessageID()), Selected: st == p.Status})
	}
	for _, k := range directory.SupportKinds() {
		pf.Support = append(pf.Support, kit.Option{Value: string(k), Label: s.Translate(mp.Lang, k.MessageID()), Selected: slices.Contains(p.SupportSought, k)})
	}
	s.Render(c, status, "manage_project", pf)
}

func readProject(f *kit.FormReader) projectEdit {
	p := directory.Project{
		Version: f.Int("version"), Slug: f.Str("slug"), Title: f.Str("title"),
		Summary:      directory.Localized{FR: f.Str("summary_fr"), EN: f.Str("summary_en")},
		Description:  directory.Localized{FR: f.Str("description_fr"), EN: f.Str("description_en")},
		Status:       directory.ProjectStatus(f.Int("status")),
		PlannedStart: f.Date("planned_start"), PlannedEnd: f.Date("planned_end"),
		ActualStart: f.Date("actual_start"), ActualEnd: f.Date("actual_end"),
		LeadOfficeID: f.ID("lead_office"), LocalPartners: f.Str("local_partners"), Countries: f.Strs("countries"),
		SupportSought: []directory.SupportKind{},
	}
	for _, k := range f.Strs("support_sought") {
		p.SupportSought = append(p.SupportSought, directory.SupportKind(k))
	}
	return projectEdit{Project: p, themes: f.Strs("themes")}
}
