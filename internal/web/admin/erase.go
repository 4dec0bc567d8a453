package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// EraseUser answers POST /admin/users/:id/erase: once confirmed, the user
// and what the platform keeps about them go (accounts.Erase). Erasing the
// last owner of an organisation needs a second, explicit tick
// ("ownerless"); an admin never erases their own account here. A refusal
// shows the user's page again with the reason, and changes nothing.
func (s *Pages) EraseUser(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	f := kit.NewFormReader(c)
	alert, status := "", http.StatusUnprocessableEntity
	switch {
	case s.CurrentUser(c).ID == id:
		alert = "admin.user.erase.self"
	case f.Raw("confirm") != "yes":
		alert = "admin.user.erase.confirm_needed"
	default:
		err := s.acc.Erase(c.Request.Context(), s.Actor(c), id, accounts.EraseOptions{LeaveOwnerless: f.Raw("ownerless") == "yes"})
		switch {
		case errors.Is(err, accounts.ErrLastOwner):
			alert, status = "admin.user.erase.ownerless_needed", http.StatusConflict
		case err != nil:
			s.Fail(c, err)
			return
		default:
			s.Logger(c).Info("user erased by an admin", "user_id", id)
			c.Redirect(http.StatusSeeOther, "/admin/users?done=erased")
			return
		}
	}
	s.renderAdminUser(c, status, id, AdminUserPage{AdminPage: AdminPage{Form: kit.Form{Alert: s.Translate(kit.Lang(c), alert)}}})
}
