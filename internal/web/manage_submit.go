package web

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/accounts"
	"github.com/partnerdir/partnerdir/internal/directory"
)

// submitForReview lets an owner send a draft listing (a new one, or one an
// admin rejected) to the admins' review queue.
func (s *Server) submitForReview(c *gin.Context) {
	if c.GetString(ctxOrgRole) != accounts.OrgOwner {
		s.errorPage(c, http.StatusForbidden, "")
		return
	}
	org := s.managedOrg(c)
	err := s.dir.Submit(c.Request.Context(), s.actor(c), org.ID)
	switch {
	case errors.Is(err, directory.ErrConflict):
		s.errorPage(c, http.StatusConflict, s.tr.T(c.GetString(ctxLang), "manage.submit.conflict"))
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/manage/"+org.Slug+"?submitted=1")
	}
}
