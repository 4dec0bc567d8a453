package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// AdminUsersPage is the data of the list of users.
type AdminUsersPage struct {
	AdminPage
	List    *accounts.UserPage
	Query   string
	PrevURL string
	NextURL string
}

// ListAdminUsers answers GET /admin/users.
func (s *Pages) ListAdminUsers(c *gin.Context) {
	r := kit.NewQueryReader(c)
	q, page := r.Str("q"), r.Page()
	if r.Err() != nil {
		s.Fail(c, r.Err())
		return
	}
	p, ok := s.adminPage(c, s.Translate(kit.Lang(c), "admin.users.title"), "users")
	if !ok {
		return
	}
	l, err := s.acc.ListUsers(c.Request.Context(), accounts.UserFilter{Query: q, Page: page})
	if err != nil {
		s.Fail(c, err)
		return
	}
	pageURL := func(page int) string {
		return kit.Link("/admin/users", userQuery{Query: q, Page: page}.Values())
	}
	data := AdminUsersPage{AdminPage: p, List: l, Query: q}
	if c.Query("done") == "erased" {
		data.Notice = s.Translate(kit.Lang(c), "admin.users.done.erased")
	}
	if l.Page > 1 {
		data.PrevURL = pageURL(l.Page - 1)
	}
	if l.Page < l.Pages {
		data.NextURL = pageURL(l.Page + 1)
	}
	s.Render(c, http.StatusOK, "admin_users", data)
}

// AdminUserPage is the data of one user's admin page.
type AdminUserPage struct {
	AdminPage
	User        *accounts.User
	Memberships []accounts.Membership
	Sessions    int
	// Self says the admin is looking at their own account.
	Self bool
	// Sole are the organisations whose only owner the user is: erasing
	// them leaves those without an owner.
	Sole []accounts.Membership
	// The add-membership form as typed (its errors in the kit.Form).
	Slug    string
	OrgRole string
}

// userNotices are the confirmations shown after a successful action.
var userNotices = map[string]string{
	"role":       "admin.user.done.role",
	"disable":    "admin.user.done.disable",
	"enable":     "admin.user.done.enable",
	"sessions":   "admin.user.done.sessions",
	"membership": "admin.user.done.membership",
}

// ShowAdminUser answers GET /admin/users/:id.
func (s *Pages) ShowAdminUser(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	data := AdminUserPage{OrgRole: accounts.OrgEditor}
	if key, known := userNotices[c.Query("done")]; known {
		data.Notice = s.Translate(kit.Lang(c), key)
	}
	s.renderAdminUser(c, http.StatusOK, id, data)
}

func (s *Pages) renderAdminUser(c *gin.Context, status int, id int64, data AdminUserPage) {
	ctx := c.Request.Context()
	u, err := s.acc.User(ctx, id)
	if err != nil {
		s.Fail(c, err)
		return
	}
	// Every membership, also those waiting for the address's proof.
	ms, err := s.acc.HeldMemberships(ctx, id)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	sessions, err := s.sessions.UserSessions(ctx, id, "")
	if err != nil {
		s.InternalError(c, err)
		return
	}
	if data.Sole, err = s.acc.SoleOwnerships(ctx, id); err != nil {
		s.InternalError(c, err)
		return
	}
	p, ok := s.adminPage(c, u.Name, "users")
	if !ok {
		return
	}
	p.Notice, p.Form = data.Notice, data.Form
	data.AdminPage, data.User, data.Memberships, data.Sessions = p, u, ms, len(sessions)
	data.Self = s.CurrentUser(c).ID == u.ID
	if data.OrgRole == "" {
		data.OrgRole = accounts.OrgEditor
	}
	s.Render(c, status, "admin_user", data)
}

// userActionDone sends the admin back to the user's page with a notice.
func userActionDone(c *gin.Context, id int64, done string) {
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/users/%d?done=%s", id, done))
}

// redrawUser shows the user's page again after a refused action (the
// admin's own account, bad input), for FormFailed.
func (s *Pages) redrawUser(c *gin.Context, id int64, data AdminUserPage) func(int, kit.Form) {
	return func(status int, st kit.Form) {
		data.Form = st
		s.renderAdminUser(c, status, id, data)
	}
}

// SetUserRole answers POST /admin/users/:id/role.
func (s *Pages) SetUserRole(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	role := c.PostForm("role")
	if role == "none" {
		role = ""
	}
	if err := s.acc.SetRole(c.Request.Context(), s.Actor(c), id, role); err != nil {
		s.FormFailed(c, err, nil, s.redrawUser(c, id, AdminUserPage{}))
		return
	}
	userActionDone(c, id, "role")
}

// SetUserDisabled returns the handler that disables (and signs out) or
// re-enables a user.
func (s *Pages) SetUserDisabled(disabled bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := s.PathID(c, "id")
		if !ok {
			return
		}
		if err := s.acc.SetDisabled(c.Request.Context(), s.Actor(c), id, disabled); err != nil {
			s.FormFailed(c, err, nil, s.redrawUser(c, id, AdminUserPage{}))
			return
		}
		done := "enable"
		if disabled {
			done = "disable"
		}
		userActionDone(c, id, done)
	}
}

// RevokeUserSessions answers POST /admin/users/:id/sessions/revoke.
func (s *Pages) RevokeUserSessions(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	if _, err := s.acc.User(c.Request.Context(), id); err != nil {
		s.FormFailed(c, err, nil, s.redrawUser(c, id, AdminUserPage{}))
		return
	}
	if _, err := s.acc.EndSessions(c.Request.Context(), s.Actor(c), id); err != nil {
		s.InternalError(c, err)
		return
	}
	userActionDone(c, id, "sessions")
}

// AddUserMembership answers POST /admin/users/:id/memberships.
func (s *Pages) AddUserMembership(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	f := kit.NewFormReader(c)
	data := AdminUserPage{Slug: f.Str("slug"), OrgRole: f.Str("org_role")}
	var orgID int64
	if !directory.ValidSlug(data.Slug) {
		f.Fail("slug", "manage.err.unknown_organisation")
	} else {
		p, err := s.dir.Profile(c.Request.Context(), data.Slug, directory.ProfileOptions{Unpublished: true})
		switch {
		case errors.Is(err, fault.ErrNotFound):
			f.Fail("slug", "manage.err.unknown_organisation")
		case err != nil:
			s.InternalError(c, err)
			return
		default:
			orgID = p.ID
		}
	}
	if data.OrgRole != accounts.OrgOwner && data.OrgRole != accounts.OrgEditor {
		f.Fail("org_role", "manage.err.must_be_owner_or_editor")
	}
	if f.Failed() != nil {
		s.FormFailed(c, f.Failed(), f, s.redrawUser(c, id, data))
		return
	}
	if err := s.acc.AddMembership(c.Request.Context(), s.Actor(c), id, orgID, data.OrgRole); err != nil {
		s.FormFailed(c, err, nil, s.redrawUser(c, id, data))
		return
	}
	userActionDone(c, id, "membership")
}

// RemoveUserMembership answers POST /admin/users/:id/memberships/:org/delete.
func (s *Pages) RemoveUserMembership(c *gin.Context) {
	s.updateMembership(c, func(user, org int64) error {
		return s.acc.RemoveMembership(c.Request.Context(), s.Actor(c), user, org)
	})
}

// ChangeUserMembership answers POST /admin/users/:id/memberships/:org/role.
func (s *Pages) ChangeUserMembership(c *gin.Context) {
	s.updateMembership(c, func(user, org int64) error {
		return s.acc.ChangeMembershipRole(c.Request.Context(), s.Actor(c), user, org, c.PostForm("org_role"))
	})
}

// updateMembership runs do on the membership the path names (the user :id
// in the organisation :org), then goes back to the user's page.
func (s *Pages) updateMembership(c *gin.Context, do func(user, org int64) error) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	org, ok := s.PathID(c, "org")
	if !ok {
		return
	}
	if err := do(id, org); err != nil {
		s.FormFailed(c, err, nil, s.redrawUser(c, id, AdminUserPage{}))
		return
	}
	userActionDone(c, id, "membership")
}
