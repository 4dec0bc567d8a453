package kit_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// A client holding the current copy gets 304 without a body, whatever
// form its If-None-Match takes (a list, a weak tag, *); any other tag, or
// none, gets the body with its ETag.
func TestWriteTaggedAnswers304ToTheCurrentTag(t *testing.T) {
	body := []byte(`{"data":[]}`)
	etag := kit.StrongETag(body)
	if etag != kit.StrongETag([]byte(`{"data":[]}`)) || etag == kit.StrongETag([]byte(`{"data":[1]}`)) {
		t.Fatalf("ETag %s: want the same for the same body and another for another", etag)
	}
	for _, tt := range []struct {
		ifNoneMatch string
		status      int
	}{
		{"", http.StatusOK},
		{etag, http.StatusNotModified},
		{`"other", ` + etag, http.StatusNotModified},
		{"W/" + etag, http.StatusNotModified},
		{"*", http.StatusNotModified},
		{`"other"`, http.StatusOK},
		{etag[:len(etag)-2] + `"`, http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(rec)
		c.Request = httptest.NewRequest(http.MethodGet, "/x", nil)
		if tt.ifNoneMatch != "" {
			c.Request.Header.Set("If-None-Match", tt.ifNoneMatch)
		}
		kit.WriteTagged(c, http.StatusOK, "application/json", "public, max-age=60", body)
		c.Writer.WriteHeaderNow()
		wantBody := len(body)
		if tt.status == http.StatusNotModified {
			wantBody = 0
		}
		if rec.Code != tt.status || rec.Body.Len() != wantBody || rec.Header().Get("ETag") != etag ||
			rec.Header().Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("If-None-Match %q: %d, %d bytes, ETag %q, Cache-Control %q; want %d, %d bytes, %s",
				tt.ifNoneMatch, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"), tt.status, wantBody, etag)
		}
	}
}

// The tag of a compressed representation names the same content: it
// matches its answer's tag, weak or strong, and no other.
func TestEncodedETagsMatchTheirAnswer(t *testing.T) {
	if got := kit.EncodedETag(`"abc"`, kit.EncodingBrotli); got != `"abc-br"` {
		t.Errorf("EncodedETag br: %s", got)
	}
	if got := kit.EncodedETag(`W/"abc"`, kit.EncodingGzip); got != `W/"abc-gzip"` {
		t.Errorf("EncodedETag weak gzip: %s", got)
	}
	if got := kit.EncodedETag(`"abc"`, ""); got != `"abc"` {
		t.Errorf("EncodedETag identity: %s", got)
	}
	for header, want := range map[string]bool{`"abc-br"`: true, `W/"abc-gzip"`: true, `"x", "abc-gzip"`: true,
		`"abc-zstd"`: false, `"abcd-br"`: false, `"ab-br"`: false} {
		if got := kit.ETagMatches(header, `"abc"`); got != want {
			t.Errorf("ETagMatches(%s, \"abc\") = %v, want %v", header, got, want)
		}
	}
}
