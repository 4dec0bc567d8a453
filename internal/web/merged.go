package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/api"
)

// movedRoutes are the routes under an organisation's address: its
// profile, projects, feed, offer and suggestion forms, documents, claim,
// and their API and HSDS records. The segment after prefix names it.
var movedRoutes = []struct {
	prefix string // of the route pattern and of the path
	param  string
	hsds   bool // the segment is an HSDS id, not a slug
}{
	{prefix: "/organisations/", param: "slug"},
	{prefix: api.Prefix + "/organisations/", param: "slug"},
	{prefix: "/api/hsds/organizations/", param: "id", hsds: true},
}

// followMerges answers a request to the address of an organisation merged
// into another with a redirect to the same address of the one kept: 301
// for a GET or HEAD, 308 (method and body kept) for a form posted to it.
// CORS preflights pass (a redirect fails them). The merged addresses come
// from the directory's cache (directory.Moves), so a request costs a map
// lookup; if they cannot be read, the request goes on and the handler
// answers what it finds (a 404).
func (s *Server) followMerges(c *gin.Context) {
	if c.Request.Method == http.MethodOptions {
		return
	}
	route := c.FullPath()
	for _, m := range movedRoutes {
		if !strings.HasPrefix(route, m.prefix+":"+m.param) {
			continue
		}
		moves, err := s.dir.Moves(c.Request.Context())
		if err != nil {
			s.Logger(c).Error("merged organisations unreadable", "err", err)
			return
		}
		old := c.Param(m.param)
		to, ok := moves.Organisation(old)
		if m.hsds {
			to, ok = moves.HSDS(old)
		}
		if !ok {
			return
		}
		rest := strings.TrimPrefix(c.Request.URL.Path, m.prefix+old)
		if project := c.Param("project"); project != "" {
			rest = strings.Replace(rest, "/projects/"+project, "/projects/"+moves.Project(old, project), 1)
		}
		target := m.prefix + to + rest
		if q := c.Request.URL.RawQuery; q != "" {
			target += "?" + q
		}
		status := http.StatusPermanentRedirect
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			status = http.StatusMovedPermanently
		}
		c.Redirect(status, target)
		c.Abort()
		return
	}
}
