package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// submitForReview lets an owner send a draft listing (a new one, or one an
// admin rejected) to the admins' review queue.
func (s *managePages) submitForReview(c *gin.Context) {
	if c.GetString(ctxOrgRole) != accounts.OrgOwner {
		s.fail(c, fault.ErrForbidden)
		return
	}
	org := s.managedOrg(c)
	if err := s.dir.Submit(c.Request.Context(), s.actor(c), org.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/manage/"+org.Slug+"?submitted=1")
}
