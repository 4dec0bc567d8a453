package manage

import (
	"context"
	"strconv"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/directory"
)

// MemberForm is the data of the add/edit team member form.
type MemberForm struct {
	ManagePage
	Member  directory.Member
	Offices []kit.Option
	Action  string
}

func officeOptions(org *directory.Profile, selected int64) []kit.Option {
	var out []kit.Option
	for _, f := range org.Offices {
		out = append(out, kit.Option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name + " — " + f.City, Selected: f.ID == selected})
	}
	return out
}

// Team are the organisation's team members.
func (s *Pages) Team() Record[directory.Member] {
	return Record[directory.Member]{s: s, section: "team", noun: "member",
		blank: directory.Member{Public: true},
		all:   func(_ context.Context, org *directory.Profile) ([]directory.Member, error) { return org.Members, nil },
		id:    func(m *directory.Member) *int64 { return &m.ID },
		read:  readMember, storeAdd: s.dir.AddMember, storeUpdate: s.dir.UpdateMember, storeDelete: s.dir.DeleteMember,
		render: s.renderMemberForm,
	}
}

func (s *Pages) renderMemberForm(c *gin.Context, status int, m directory.Member, mp ManagePage, action string) {
	s.Render(c, status, "manage_member", MemberForm{ManagePage: mp, Member: m, Action: action, Offices: officeOptions(mp.Org, m.OfficeID)})
}

func readMember(f *kit.FormReader) directory.Member {
	return directory.Member{
		Version: f.Int("version"), OfficeID: f.ID("office"), FullName: f.Str("full_name"), RoleTitle: f.Str("role_title"),
		Responsibilities: f.Str("responsibilities"), Bio: f.Str("bio"), JoinedYear: f.Int("joined_year"),
		Email: f.Str("email"), Public: f.Str("visibility") == "public",
	}
}

// MoveMember moves a member one place up or down (direction=up|down).
func (s *Pages) MoveMember(c *gin.Context) {
	cur, ok := s.Team().find(c)
	if !ok {
		return
	}
	org := s.ManagedOrg(c)
	if err := s.dir.MoveMember(c.Request.Context(), s.Actor(c), org.ID, cur.ID, c.PostForm("direction") == "up"); err != nil {
		s.Fail(c, err)
		return
	}
	kit.RedirectSaved(c, org, "/team")
}
