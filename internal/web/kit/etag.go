package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// Answers whose body is their whole state (feeds, the JSON API) carry a
// strong ETag, the hash of the body, so a client that sends it back in
// If-None-Match gets a 304 without the body while nothing changed. The
// body is still built for each request: what the 304 saves is the
// transfer, and no cache can serve a stale answer.

// StrongETag is the strong entity tag of body: a quoted hash of it.
func StrongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// ETagMatches is If-None-Match's weak comparison (RFC 9110, 13.1.2): any
// tag of the list, W/ or not, or "*".
func ETagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// WriteTagged answers body with status, contentType, cacheControl and its
// StrongETag, or 304 Not Modified (the same ETag and Cache-Control, no
// body) when the request's If-None-Match names it. Like Render, it hands
// a full answer to the OnRender hook.
func WriteTagged(c *gin.Context, status int, contentType, cacheControl string, body []byte) {
	etag := StrongETag(body)
	c.Header("ETag", etag)
	c.Header("Cache-Control", cacheControl)
	if ETagMatches(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(status, contentType, body)
	rendered(c, status, body) // the page cache may keep it (OnRender)
}
