package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// Answers whose body is their whole state (feeds, the JSON API) carry a
// strong ETag, the hash of the body, so a client that sends it back in
// If-None-Match gets a 304 without the body while nothing changed. The
// page cache keeps them like pages (OnRender) and replays them with the
// same headers and the same 304s (Replay).

// htmlType is the content type of every page.
const htmlType = "text/html; charset=utf-8"

// StrongETag is the strong entity tag of body: a quoted hash of it, so two
// instances agree on it without sharing anything.
func StrongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// ETagMatches is If-None-Match's weak comparison (RFC 9110, 13.1.2): any
// tag of the list, W/ or not, or "*". The tag of a compressed
// representation of the same answer (EncodedETag) matches too: the
// client holds the same content, decoded.
func ETagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" || t == EncodedETag(etag, EncodingBrotli) || t == EncodedETag(etag, EncodingGzip) {
			return true
		}
	}
	return false
}

// replayedHeaders are the headers a handler may set before WriteTagged
// that belong to the answer, so a replay repeats them.
var replayedHeaders = []string{"Link"}

// WriteTagged answers body with status, contentType, cacheControl and its
// StrongETag, or 304 Not Modified (the same ETag and Cache-Control, no
// body) when the request's If-None-Match names it. Like Render, it hands
// the full answer to the OnRender hook (the page cache).
func WriteTagged(c *gin.Context, status int, contentType, cacheControl string, body []byte) {
	a := Answer{Status: status, ContentType: contentType, CacheControl: cacheControl, ETag: StrongETag(body), Body: body}
	for _, k := range replayedHeaders {
		if v := c.Writer.Header().Values(k); len(v) > 0 {
			if a.Header == nil {
				a.Header = http.Header{}
			}
			a.Header[k] = slices.Clone(v)
		}
	}
	Replay(c, a)
	rendered(c, a)
}

// Replay writes a kept answer: its headers, then its body, or a 304 when
// it is tagged and the client already has it. An answer kept with its
// Variants is sent in the request's Encoding as it was compressed then,
// under that coding's ETag (the compression middleware passes an answer
// that names its Content-Encoding through untouched).
func Replay(c *gin.Context, a Answer) {
	h := c.Writer.Header()
	for k, v := range a.Header {
		h[k] = slices.Clone(v)
	}
	// HEAD: the headers of an answer sent as it is, as the compression
	// middleware gives HEAD.
	var body []byte
	enc := Encoding(c)
	if c.Request.Method != http.MethodHead {
		body = a.Variants.For(enc)
	}
	if a.Variants.Bytes() > 0 {
		AddVary(h, "Accept-Encoding")
	}
	etag := a.ETag
	if body != nil {
		etag = EncodedETag(a.ETag, enc)
	}
	if etag != "" {
		h.Set("ETag", etag)
	}
	if a.CacheControl != "" {
		h.Set("Cache-Control", a.CacheControl)
	}
	if a.ETag != "" && ETagMatches(c.GetHeader("If-None-Match"), a.ETag) {
		c.Status(http.StatusNotModified)
		return
	}
	if body == nil {
		c.Data(a.Status, a.ContentType, a.Body)
		return
	}
	h.Set("Content-Encoding", enc)
	c.Data(a.Status, a.ContentType, body)
}
