package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/uploads"
)

// serveUpload serves the uploaded pictures of kind k: only names the
// uploads store makes, as the type it encoded them in, with a policy that
// forbids them from running anything, cached for good (a new upload gets
// a new name).
func (s *Server) serveUpload(k uploads.Kind) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, ctype, err := s.uploads.Open(k, c.Param("name"))
		if err != nil {
			s.Fail(c, err)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			s.InternalError(c, err)
			return
		}
		h := c.Writer.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		http.ServeContent(c.Writer, c.Request, "", st.ModTime(), f)
	}
}
