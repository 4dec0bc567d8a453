package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/uploads"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// MaxBodyBytes bounds every request body; uploads have their own limit.
const MaxBodyBytes = 1 << 20

// requestID gives every request an id, echoed in X-Request-Id, on every log
// line and on error pages.
func (s *Server) requestID(c *gin.Context) {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	c.Set(kit.CtxRequestID, id)
	c.Set(kit.CtxLogger, s.log.With("request_id", id))
	c.Header("X-Request-Id", id)
	c.Next()
}

// accessLog writes one line per request once it is done.
func (s *Server) accessLog(c *gin.Context) {
	start := time.Now()
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelError
	}
	s.Logger(c).Log(c.Request.Context(), level, "request",
		"method", c.Request.Method, "path", c.Request.URL.Path, "status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1000, "bytes", c.Writer.Size(),
		"client_ip", c.ClientIP())
}

// recovery turns a panic into a logged 500 page; the process keeps serving.
func (s *Server) recovery(c *gin.Context) {
	defer func() {
		if v := recover(); v != nil {
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			s.Logger(c).Error("panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if !c.Writer.Written() {
				s.RenderError(c, http.StatusInternalServerError, "")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// securityHeaders sets a strict Content-Security-Policy (no inline script or
// style), and HSTS when the site is served over https.
func (s *Server) securityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.Secure() {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	c.Next()
}

// MaxPictureFormBytes bounds the body of a form that carries pictures
// besides its texts (an article's cover and an illustration, 4 MB each).
const MaxPictureFormBytes = 10 << 20

// MaxDocumentFormBytes bounds the body of the form that uploads a
// document: the file's own limit and room for the form's fields.
const MaxDocumentFormBytes = uploads.MaxDocumentBytes + 64<<10

// documentFormPath is the route of the form that uploads a document.
const documentFormPath = "/manage/:org/documents"

// limitBody caps request bodies at MaxBodyBytes, or MaxPictureFormBytes on
// the routes of pictureForms; a handler reading past the cap gets an error
// and the client a 413.
func (s *Server) limitBody(pictureForms map[string]bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := int64(MaxBodyBytes)
		if pictureForms[c.FullPath()] {
			limit = MaxPictureFormBytes
		}
		// A document's form: refused from its Content-Length alone, with
		// the document's own limit in the message.
		document := c.FullPath() == documentFormPath && c.Request.Method == http.MethodPost
		if document {
			limit = MaxDocumentFormBytes
		}
		if c.Request.ContentLength > limit {
			if document {
				// Before the language middleware: the language is chosen here.
				cookie, _ := c.Cookie("lang")
				lang := negotiate(cookie, c.GetHeader("Accept-Language"))
				c.Set(kit.CtxLang, lang)
				s.RenderError(c, http.StatusRequestEntityTooLarge, s.Translate(lang, uploads.Documents().TooBig))
				return
			}
			s.RenderError(c, http.StatusRequestEntityTooLarge, "")
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// language picks the interface language for the request.
func (s *Server) language(c *gin.Context) {
	cookie, _ := c.Cookie("lang")
	c.Set(kit.CtxLang, negotiate(cookie, c.GetHeader("Accept-Language")))
	c.Header("Vary", "Accept-Language, Cookie")
	c.Next()
}

// Caching of private pages. A page rendered for a session (a signed-in
// user's header, a form carrying the session's token, a token link's form)
// must never be kept by a shared cache or the browser's history cache, so
// it is answered with Cache-Control: no-store. Public anonymous pages keep
// their own caching (the page cache, long-lived static assets): only these
// two middlewares set the header for a whole route, and a handler that sets
// its own (a static asset, a logo) still has the last word.

// noStore marks every response of a route as private: the account,
// management, staff and admin areas, the sign-in, sign-up and join forms
// and the token pages (routes.go registers them on its private group).
func (s *Server) noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// noStoreSignedIn marks every response to a signed-in user as private,
// whatever the route: their pages show the account header.
func (s *Server) noStoreSignedIn(c *gin.Context) {
	if s.CurrentUser(c) != nil {
		c.Header("Cache-Control", "no-store")
	}
	c.Next()
}

// headLikeGet lets a GET route answer HEAD (RFC 9110, 9.3.2): the route's
// handlers run as for GET — rate limit, cache, ETag and 304 included —
// and the status and headers go out without the body.
func headLikeGet(c *gin.Context) {
	c.Writer = &headWriter{ResponseWriter: c.Writer}
	c.Next()
}

// headWriter drops a body, sending the status and headers it precedes.
type headWriter struct{ gin.ResponseWriter }

func (w *headWriter) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	return len(b), nil
}

func (w *headWriter) WriteString(s string) (int, error) {
	w.WriteHeaderNow()
	return len(s), nil
}
