package admin

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// SetNewsTrusted answers POST /admin/organisations/:id/news-trust: with
// trusted=1 the organisation's articles are published as soon as it
// submits them (and its edits of published ones stay online); with
// trusted=0 they wait for staff's review again. The news store audits
// the change.
func (s *Pages) SetNewsTrusted(c *gin.Context) {
	id, ok := s.PathID(c, "id")
	if !ok {
		return
	}
	trusted := kit.NewFormReader(c).Str("trusted") == "1"
	if err := s.news.SetTrusted(c.Request.Context(), s.Actor(c), id, trusted); err != nil {
		s.Fail(c, err)
		return
	}
	done := "news_untrusted"
	if trusted {
		done = "news_trusted"
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/admin/organisations/%d?done=%s", id, done))
}
