package web

import (
	"context"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

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

// team are the organisation's team members.
func (s *managePages) team() record[directory.Member] {
	return record[directory.Member]{s: s, section: "team", noun: "member",
		blank: directory.Member{Public: true},
		all:   func(_ context.Context, org *directory.Profile) ([]directory.Member, error) { return org.Members, nil },
		id:    func(m *directory.Member) *int64 { return &m.ID },
		read:  readMember, storeAdd: s.dir.AddMember, storeUpdate: s.dir.UpdateMember, storeDelete: s.dir.DeleteMember,
		render: s.renderMemberForm,
	}
}

func (s *managePages) renderMemberForm(c *gin.Context, status int, m directory.Member, mp ManagePage, action string) {
	s.render(c, status, "manage_member", MemberForm{ManagePage: mp, Member: m, Action: action, Offices: officeOptions(mp.Org, m.OfficeID)})
}

func readMember(f *formReader) directory.Member {
	return directory.Member{
		Version: f.int("version"), OfficeID: f.id("office"), FullName: f.str("full_name"), RoleTitle: f.str("role_title"),
		Responsibilities: f.str("responsibilities"), Bio: f.str("bio"), JoinedYear: f.int("joined_year"),
		Email: f.str("email"), Public: f.str("visibility") == "public",
	}
}

// moveMember moves a member one place up or down (direction=up|down).
func (s *managePages) moveMember(c *gin.Context) {
	cur, ok := s.team().find(c)
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
