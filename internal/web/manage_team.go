package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// TeamPage is the data of the list of an organisation's team members.
type TeamPage struct {
	ManagePage
}

func (s *managePages) listMembers(c *gin.Context) {
	mp, ok := s.managePage(c, "manage.team.title", "team", Form{})
	if ok {
		s.render(c, http.StatusOK, "manage_team", TeamPage{mp})
	}
}

// MemberForm is the data of the add/edit team member form.
type MemberForm struct {
	ManagePage
	Member  directory.Member
	Offices []Option
	Action  string
}

func officeOptions(org *directory.Profile, selected int64) []Option {
	var out []Option
	for _, f := range org.Offices {
		out = append(out, Option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name + " — " + f.City, Selected: f.ID == selected})
	}
	return out
}

func (s *managePages) renderMemberForm(c *gin.Context, status int, m directory.Member, st Form) {
	org := s.managedOrg(c)
	title, action := "manage.member.edit", "/manage/"+org.Slug+"/team/"+strconv.FormatInt(m.ID, 10)
	if m.ID == 0 {
		title, action = "manage.member.new", "/manage/"+org.Slug+"/team/new"
	}
	mp, ok := s.managePage(c, title, "team", st)
	if !ok {
		return
	}
	s.render(c, status, "manage_member", MemberForm{ManagePage: mp, Member: m, Action: action, Offices: officeOptions(org, m.OfficeID)})
}

func (s *managePages) newMember(c *gin.Context) {
	s.renderMemberForm(c, http.StatusOK, directory.Member{Public: true}, Form{})
}

func (s *managePages) managedMember(c *gin.Context) (*directory.Member, bool) {
	id, ok := s.pathID(c, "id")
	if !ok {
		return nil, false
	}
	for i, m := range s.managedOrg(c).Members {
		if m.ID == id {
			return &s.managedOrg(c).Members[i], true
		}
	}
	s.errorPage(c, http.StatusNotFound, "")
	return nil, false
}

func (s *managePages) editMember(c *gin.Context) {
	if m, ok := s.managedMember(c); ok {
		s.renderMemberForm(c, http.StatusOK, *m, Form{})
	}
}

func readMember(f *formReader) directory.Member {
	return directory.Member{
		Version: f.int("version"), OfficeID: f.id("office"), FullName: f.str("full_name"), RoleTitle: f.str("role_title"),
		Responsibilities: f.str("responsibilities"), Bio: f.str("bio"), JoinedYear: f.int("joined_year"),
		Email: f.str("email"), Public: f.str("visibility") == "public",
	}
}

func (s *managePages) createMember(c *gin.Context) {
	org := s.managedOrg(c)
	f := newFormReader(c)
	m := readMember(f)
	err := f.failed()
	if err == nil {
		err = s.dir.AddMember(c.Request.Context(), s.actor(c), org.ID, &m)
	}
	if err == nil {
		redirectSaved(c, org, "/team")
		return
	}
	m.ID = 0
	s.formFailed(c, err, f, func(status int, st Form) { s.renderMemberForm(c, status, m, st) })
}

func (s *managePages) updateMember(c *gin.Context) {
	cur, ok := s.managedMember(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	m := readMember(f)
	m.ID = cur.ID
	err := f.failed()
	if err == nil {
		err = s.dir.UpdateMember(c.Request.Context(), s.actor(c), org.ID, &m)
	}
	if err == nil {
		redirectSaved(c, org, "/team")
		return
	}
	s.formFailed(c, err, f, func(status int, st Form) { s.renderMemberForm(c, status, m, st) })
}

func (s *managePages) deleteMember(c *gin.Context) {
	cur, ok := s.managedMember(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	if err := s.dir.DeleteMember(c.Request.Context(), s.actor(c), org.ID, cur.ID, f.int("version")); err != nil {
		s.formFailed(c, err, f, func(status int, st Form) { s.renderMemberForm(c, status, *cur, st) })
		return
	}
	redirectSaved(c, org, "/team")
}

// moveMember moves a member one place up or down (direction=up|down).
func (s *managePages) moveMember(c *gin.Context) {
	cur, ok := s.managedMember(c)
	if !ok {
		return
	}
	org := s.managedOrg(c)
	if err := s.dir.MoveMember(c.Request.Context(), s.actor(c), org.ID, cur.ID, c.PostForm("direction") == "up"); err != nil {
		s.fail(c, err)
		return
	}
	redirectSaved(c, org, "/team")
}
