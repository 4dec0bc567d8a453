package account

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// DeletedURL is the home page with the notice a deleted account lands on.
const DeletedURL = "/?account=deleted"

// DeletePage is the data of the page where NGO users delete their own
// account.
type DeletePage struct {
	kit.Page
	// Sole are the organisations whose only owner the user is: they must
	// hand them over first.
	Sole []accounts.Membership
	// Staff says the user works for the platform: an admin erases their
	// account.
	Staff bool
	// Error is the message id of the last refusal; Field the field it is
	// about.
	Error, Field string
}

// ShowDeleteAccount answers GET /account/delete.
func (s *Pages) ShowDeleteAccount(c *gin.Context) {
	s.renderDelete(c, http.StatusOK, "", "")
}

func (s *Pages) renderDelete(c *gin.Context, status int, msg, field string) {
	pg, ok := s.Page(c, "account.delete.title", "account")
	if !ok {
		return
	}
	sole, err := s.acc.SoleOwnerships(c.Request.Context(), pg.User.ID)
	if err != nil {
		s.InternalError(c, err)
		return
	}
	s.Render(c, status, "account_delete", DeletePage{Page: pg, Sole: sole, Staff: pg.User.IsStaff(), Error: msg, Field: field})
}

// DeleteAccount answers POST /account/delete: with the password (and a
// code when two-factor authentication is on) the account is erased, the
// session ends and the visitor lands on the home page with a notice.
func (s *Pages) DeleteAccount(c *gin.Context) {
	u := s.CurrentUser(c)
	f := kit.NewFormReader(c)
	err := s.acc.DeleteOwnAccount(c.Request.Context(), u.ID, accounts.Confirmation{
		Password: f.Raw("password"), Code: f.Raw("code"), ClientIP: c.ClientIP(), RequestID: kit.RequestID(c)})
	switch {
	case errors.Is(err, accounts.ErrRateLimited):
		c.Header("Retry-After", "900")
		s.renderDelete(c, kit.StatusOf(err), fault.Message(err), "")
		return
	case errors.Is(err, fault.ErrInvalid):
		for field, id := range fault.FieldsOf(err) {
			s.renderDelete(c, http.StatusUnprocessableEntity, id, field)
			return
		}
		s.InternalError(c, err)
		return
	case errors.Is(err, accounts.ErrLastOwner), errors.Is(err, accounts.ErrStaffSelfDelete):
		s.renderDelete(c, kit.StatusOf(err), fault.Message(err), "")
		return
	case err != nil:
		s.InternalError(c, err)
		return
	}
	s.Logger(c).Info("account deleted by its user")
	s.ForgetSession(c)
	c.Redirect(http.StatusSeeOther, DeletedURL)
}
