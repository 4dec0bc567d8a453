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
	// Invites are the invitations of existing accounts not accepted yet.
	Invites []accounts.PendingInvite
	// Me is the signed-in user's id (an owner hands ownership over to
	// another member; the platform team has no membership to hand over).
	Me     int64
	Invite accounts.Invitation
	Roles  []kit.Option
	// Refusal says, next to the invitation form, why the platform refused
	// to send it (an unpublished organisation, the daily limit reached).
	Refusal string
	// TeamRefusal says why a change of the team was refused (it would
	// leave the organisation without an owner).
	TeamRefusal string
}

// ListAccess answers GET /manage/:org/access.
func (s *Pages) ListAccess(c *gin.Context) {
	s.renderAccess(c, http.StatusOK, accounts.Invitation{Role: accounts.OrgEditor}, kit.Form{}, "")
}

func (s *Pages) renderAccess(c *gin.Context, status int, inv accounts.Invitation, st kit.Form, refusal string) {
	s.renderAccessPage(c, status, inv, st, refusal, "")
}

// renderAccessPage draws the access page with the invitation's refusal
// next to its form, and a refused change of the team above the table.
func (s *Pages) renderAccessPage(c *gin.Context, status int, inv accounts.Invitation, st kit.Form, refusal, teamRefusal string) {
	mp, ok := s.managePage(c, "manage.access.title", "access", st)
	if !ok {
		return
	}
	members, err := s.acc.OrganisationMembers(c.Request.Context(), mp.Org.ID)
	if err != nil {
		s.Fail(c, err)
		return
	}
	p := AccessPage{ManagePage: mp, Members: members, Invite: inv, Refusal: refusal, Me: mp.User.ID,
		TeamRefusal: teamRefusal}
	if p.Invites, err = s.acc.PendingInvites(c.Request.Context(), mp.Org.ID); err != nil {
		s.Fail(c, err)
		return
	}
	if mp.Platform {
		p.Me = 0
	}
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

// The team's access, changed by its owners (and the platform team): a
// member's role, a member removed, an invitation revoked, ownership handed
// over. A change the platform refuses (it would leave no owner) shows the
// access page again with the reason.

// ChangeMemberRole answers POST /manage/:org/access/:id/role (role=owner
// or editor).
func (s *Pages) ChangeMemberRole(c *gin.Context) {
	s.teamChange(c, func(org, user int64, f *kit.FormReader) error {
		return s.acc.SetMemberRole(c.Request.Context(), s.Actor(c), org, user, f.Str("role"))
	})
}

// RemoveMember answers POST /manage/:org/access/:id/delete.
func (s *Pages) RemoveMember(c *gin.Context) {
	s.teamChange(c, func(org, user int64, _ *kit.FormReader) error {
		return s.acc.RemoveMember(c.Request.Context(), s.Actor(c), org, user)
	})
}

// TransferOwnership answers POST /manage/:org/access/:id/transfer: the
// member becomes an owner and the owner handing over an editor. The
// platform team, who are not members, only make them an owner.
func (s *Pages) TransferOwnership(c *gin.Context) {
	s.teamChange(c, func(org, user int64, _ *kit.FormReader) error {
		if kit.OnPlatform(c) {
			return s.acc.SetMemberRole(c.Request.Context(), s.Actor(c), org, user, accounts.OrgOwner)
		}
		return s.acc.TransferOwnership(c.Request.Context(), s.Actor(c), org, s.CurrentUser(c).ID, user)
	})
}

// RevokeInvitation answers POST /manage/:org/invitations/:id/revoke.
func (s *Pages) RevokeInvitation(c *gin.Context) {
	s.teamChange(c, func(org, id int64, _ *kit.FormReader) error {
		return s.acc.RevokeInvite(c.Request.Context(), s.Actor(c), org, id)
	})
}

// teamChange runs an owner's change of the team on the :id of the path.
func (s *Pages) teamChange(c *gin.Context, change func(org, id int64, f *kit.FormReader) error) {
	if kit.OrgRole(c) != accounts.OrgOwner {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	org := s.ManagedOrg(c)
	f := kit.NewFormReader(c)
	err := change(org.ID, id, f)
	switch {
	case err == nil:
		kit.RedirectSaved(c, org, "/access")
	case errors.Is(err, accounts.ErrOnlyOwner), errors.Is(err, accounts.ErrNotTransferable):
		s.Logger(c).Info("team change refused", "organisation", org.ID, "reason", fault.Message(err))
		s.renderAccessPage(c, kit.StatusOf(err), accounts.Invitation{Role: accounts.OrgEditor}, kit.Form{}, "",
			s.Translate(kit.Lang(c), fault.Message(err)))
	default:
		s.FormFailed(c, err, f, func(status int, st kit.Form) {
			s.renderAccess(c, status, accounts.Invitation{Role: accounts.OrgEditor}, st, "")
		})
	}
}
