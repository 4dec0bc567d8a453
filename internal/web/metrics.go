package web

import (
	"time"

	"github.com/gin-gonic/gin"
)

// Meter hears what the HTTP edge measures; internal/metrics implements it
// (the web layer never sees Prometheus).
type Meter interface {
	// Request records one answered request: its route pattern ("" when no
	// route matched), method, status and duration. The meter bounds the
	// labels it makes of them.
	Request(route, method string, status int, d time.Duration)
	// PageCacheLookup records one lookup of the page cache: a hit, or a
	// miss that renders the page.
	PageCacheLookup(hit bool)
}

// measure times every request, through every layer below it, and names it
// by its route pattern (Gin's FullPath: /organisations/:slug, never the
// visited address, so the metric's labels stay bounded).
func (s *Server) measure(c *gin.Context) {
	start := time.Now()
	c.Next()
	s.meter.Request(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
}

// CachedPages reports the pages the page cache holds and the bytes of
// their bodies (zero when the cache is off), read on each metrics scrape.
func (s *Server) CachedPages() (pages int, bytes int64) { return s.pages.held() }
