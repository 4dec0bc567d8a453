package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// htmlType is the content type of every page.
const htmlType = "text/html; charset=utf-8"

// StrongETag is a strong entity tag over body: a digest of its bytes, so
// two instances agree on it without sharing anything.
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

// SendTagged answers a document that readers poll (a feed, a JSON
// resource): 200 with body, its content type, cacheControl and a strong
// ETag over it — or 304 with the same headers and no body when the
// client's If-None-Match already names it. The page cache keeps the
// answer (OnRender) and replays it the same way (Replay).
func SendTagged(c *gin.Context, contentType, cacheControl string, body []byte) {
	a := Answer{Status: http.StatusOK, ContentType: contentType, CacheControl: cacheControl, ETag: StrongETag(body), Body: body}
	Replay(c, a)
	rendered(c, a)
}

// Replay writes a kept answer: its headers, then its body, or a 304 when
// it is tagged and the client already has it.
func Replay(c *gin.Context, a Answer) {
	if a.ETag != "" {
		c.Header("ETag", a.ETag)
	}
	if a.CacheControl != "" {
		c.Header("Cache-Control", a.CacheControl)
	}
	if a.ETag != "" && ETagMatches(c.GetHeader("If-None-Match"), a.ETag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(a.Status, a.ContentType, a.Body)
}
