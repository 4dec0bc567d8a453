package manage

import (
	"net/http"

	"github.com/partnerdir/partnerdir/internal/web/kit"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/fault"
)

// SubmitForReview lets an owner send a draft listing (a new one, or one an
// admin rejected) to the admins' review queue.
func (s *Pages) SubmitForReview(c *gin.Context) {
	if kit.OrgRole(c) != accounts.OrgOwner {
		s.Fail(c, fault.ErrForbidden)
		return
	}
	org := s.ManagedOrg(c)
	if err := s.dir.Submit(c.Request.Context(), s.Actor(c), org.ID); err != nil {
		s.Fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/manage/"+org.Slug+"?submitted=1")
}
