package newsletter

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/newsletter"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// StaffPage is the data of /staff/newsletter.
type StaffPage struct {
	kit.Page
	Stats *newsletter.Stats
}

// ShowStaffNewsletter answers GET /staff/newsletter: subscriptions by
// status and the delivery of the last digests, for staff.
func (s *Pages) ShowStaffNewsletter(c *gin.Context) {
	st, err := s.letters.Stats(c.Request.Context())
	if err != nil {
		s.Fail(c, err)
		return
	}
	pg, ok := s.Page(c, "newsletter.staff.title", "staff")
	if !ok {
		return
	}
	c.Header("Cache-Control", "no-store")
	s.Render(c, http.StatusOK, "staff_newsletter", StaffPage{Page: pg, Stats: st})
}
