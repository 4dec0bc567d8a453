package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// AccessPage is the data of the page listing who can edit an
// organisation, where owners invite people.
type AccessPage struct {
	ManagePage
	Members []accounts.OrgMember
	Invite  accounts.Invitation
	Roles   []Option
}

func (s *managePages) listAccess(c *gin.Context) {
	s.renderAccess(c, http.StatusOK, accounts.Invitation{Role: accounts.OrgEditor}, Form{})
}

func (s *managePages) renderAccess(c *gin.Context, status int, inv accounts.Invitation, st Form) {
	mp, ok := s.managePage(c, "manage.access.title", "access", st)
	if !ok {
		return
	}
	members, err := s.acc.OrganisationMembers(c.Request.Context(), mp.Org.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := AccessPage{ManagePage: mp, Members: members, Invite: inv}
	for _, r := range []string{accounts.OrgEditor, accounts.OrgOwner} {
		p.Roles = append(p.Roles, Option{Value: r, Label: mp.T("manage.role." + r), Selected: r == inv.Role})
	}
	s.render(c, status, "manage_access", p)
}

// inviteMember lets an owner give someone access by email.
func (s *managePages) inviteMember(c *gin.Context) {
	if c.GetString(ctxOrgRole) != accounts.OrgOwner {
		s.fail(c, fault.ErrForbidden)
		return
	}
	org := s.managedOrg(c)
	f := newFormReader(c)
	inv := accounts.Invitation{Email: f.str("email"), Name: f.str("name"), Role: f.str("role"),
		OrganisationID: org.ID, OrganisationName: org.Name, InviterName: s.currentUser(c).Name}
	err := s.acc.Invite(c.Request.Context(), s.actor(c), inv)
	if err != nil {
		s.formFailed(c, err, f, func(status int, st Form) { s.renderAccess(c, status, inv, st) })
		return
	}
	redirectSaved(c, org, "/access")
}
