package manage

import (
	"errors"
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

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
	Roles   []kit.Option
	// Refusal says, next to the invitation form, why the platform refused
	// to send it (an unpublished organisation, the daily limit reached).
	Refusal string
}

// ListAccess answers GET /manage/:org/access.
func (s *Pages) ListAccess(c *gin.Context) {
	s.renderAccess(c, http.StatusOK, accounts.Invitation{Role: accounts.OrgEditor}, kit.Form{}, "")
}

func (s *Pages) renderAccess(c *gin.Context, status int, inv accounts.Invitation, st kit.Form, refusal string) {
	mp, ok := s.managePage(c, "manage.access.title", "access", st)
	if !ok {
		return
	}
	members, err := s.acc.OrganisationMembers(c.Request.Context(), mp.Org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := AccessPage{ManagePage: mp, Members: members, Invite: inv, Refusal: refusal}
	for _, r := range []string{accounts.OrgEditor, accounts.OrgOwner} {
		p.Roles = append(p.Roles, kit.Option{Value: r, Label: mp.T("manage.role." + r), Selected: r == inv.Role})
	}
	s.Render(c, status, "manage_access", p)
}

// InviteMember lets an owner give someone access by email.
func (s *Pages) InviteMember(c *gin.Context) {
	if kit.OrgRole(c) != accounts.OrgOwner {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	inv := accounts.Invitation{Email: f.Str("email"), Name: f.Str("name"), Role: f.Str("role"),
		OrganisationID: org.ID, OrganisationName: org.Name, InviterName: s.CurrentUser(c).Name}
	err := s.acc.Invite(c.Request.Context(), s.Actor(c), inv)
	switch {
	case errors.Is(err, accounts.ErrInviteUnpublished), errors.Is(err, accounts.ErrInviteLimit):
		// A refusal of the platform, not of the input: the form again,
		// with the reason in the visitor's language next to it.
		s.Logger(c).Info("invitation refused", "organisation", org.ID, "reason", fault.Message(err))
		s.renderAccess(c, kit.StatusOf(err), inv, kit.Form{}, s.Translate(kit.Lang(c), fault.Message(err)))
		return
	case err != nil:
		s.FormFailed(c, err, f, func(status int, st kit.Form) { s.renderAccess(c, status, inv, st, "") })
		return
	}
	kit.RedirectSaved(c, org, "/access")
}
