package kit

import (
	"bytes"
	"mime"
	"net/http"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzip"
)

// Content codings. The compression middleware (internal/web/compress.go)
// chooses one per request from Accept-Encoding and records it here, so
// that answers kept compressed (the page cache's, the static files) are
// replayed in it without compressing again.
const (
	EncodingBrotli = "br"
	EncodingGzip   = "gzip"
)

// Levels of the answers compressed once and replayed many times (a kept
// page, a static file). BenchmarkCompression on a 14 KB profile page:
// brotli 5 gives 3.7 KB in 0.8 ms, as small as 6 and 8 and 10 % above
// level 11's 3.4 KB, which costs 32 ms — too much for a page kept again
// after every write; gzip 6 (the default) gives 4.1 KB in 0.7 ms, and 9
// saves 1.6 % more for 40 % more time.
const (
	StoredBrotliLevel = 5
	StoredGzipLevel   = 6
)

const ctxEncoding = "kit.encoding"

// SetEncoding records the content coding the client accepts best.
func SetEncoding(c *gin.Context, enc string) { c.Set(ctxEncoding, enc) }

// Encoding is the content coding chosen for the request ("" for none).
func Encoding(c *gin.Context) string { return c.GetString(ctxEncoding) }

// Compressible reports whether an answer of contentType is worth
// compressing: text (HTML, CSS, JS, CSV, plain), JSON, XML (Atom,
// sitemaps) and SVG. Images, PDF, fonts and archives are compressed
// already.
func Compressible(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case mt == "application/json", mt == "application/javascript", mt == "application/xml", mt == "image/svg+xml":
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

// Compress returns body in enc at level.
func Compress(enc string, level int, body []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(body) / 3)
	switch enc {
	case EncodingBrotli:
		w := brotli.NewWriterLevel(&buf, level)
		_, _ = w.Write(body) // a bytes.Buffer does not fail
		_ = w.Close()
	case EncodingGzip:
		w, err := gzip.NewWriterLevel(&buf, level)
		if err != nil {
			w = gzip.NewWriter(&buf)
		}
		_, _ = w.Write(body)
		_ = w.Close()
	default:
		return body
	}
	return buf.Bytes()
}

// EncodedETag is the entity tag of the representation of etag's answer
// in enc: the tag with "-br" or "-gzip" inside its quotes, weak or not
// as it was. Each coding is a representation of its own (RFC 9110,
// 8.8.3), so a cache never takes one for the other.
func EncodedETag(etag, enc string) string {
	if etag == "" || enc == "" || !strings.HasSuffix(etag, `"`) {
		return etag
	}
	return etag[:len(etag)-1] + "-" + enc + `"`
}

// MinCompressBytes is the size below which an answer is sent as it is:
// compressing it saves less than a packet and costs its headers.
const MinCompressBytes = 1024

// Variants holds an answer's body compressed once, when it is kept, so a
// replay in the client's coding costs no compression.
type Variants struct {
	Brotli []byte
	Gzip   []byte
}

// For is the variant in enc, or nil.
func (v Variants) For(enc string) []byte {
	switch enc {
	case EncodingBrotli:
		return v.Brotli
	case EncodingGzip:
		return v.Gzip
	}
	return nil
}

// Bytes is the bytes the variants hold (a cache counting an answer adds
// them to its body).
func (v Variants) Bytes() int { return len(v.Brotli) + len(v.Gzip) }

// Precompress returns body's variants at the stored levels, or none when
// contentType is not worth compressing or body is too small.
func Precompress(contentType string, body []byte) Variants {
	if len(body) < MinCompressBytes || !Compressible(contentType) {
		return Variants{}
	}
	return Variants{Brotli: Compress(EncodingBrotli, StoredBrotliLevel, body), Gzip: Compress(EncodingGzip, StoredGzipLevel, body)}
}

// AddVary adds field to the Vary header unless it already lists it.
func AddVary(h http.Header, field string) {
	vs := h.Values("Vary")
	for _, v := range vs {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, field) {
				return
			}
		}
	}
	if len(vs) == 0 {
		h.Set("Vary", field)
		return
	}
	h.Set("Vary", strings.Join(vs, ", ")+", "+field)
}
