package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/andybalholm/brotli"
	"github.com/gin-gonic/gin"
	"github.com/klauspost/compress/gzhttp"
	"github.com/klauspost/compress/gzip"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// Compression of answers (HTML, JSON, XML, CSS, JS, SVG: kit.Compressible).
//
// The client's Accept-Encoding chooses brotli, gzip or nothing
// (negotiateEncoding); the choice is recorded for the request
// (kit.SetEncoding), so an answer kept compressed — a page of the page
// cache, a static file — is sent as it was compressed then, and only the
// rest is compressed on the fly, at cheaper levels. Every compressible
// answer says Vary: Accept-Encoding, compressed or not; a compressed one
// carries its coding's ETag ("…-br", "…-gzip", kit.EncodedETag), and
// If-None-Match with that tag still gives a 304.
//
// Not compressed: bodies under kit.MinCompressBytes, images, PDF, fonts
// and archives (compressed already), HEAD, 1xx/204/206/304, and answers
// that name their Content-Encoding.
//
// BREACH. An attacker who can make a victim's browser send requests and
// watch their compressed sizes learns a secret that shares a compressed
// body with text the attacker controls. Our secrets in bodies are the
// session's form token and what a signed-in user sees; reflected text is
// a query echoed back (/search, /api/v1/search). So:
//   - a signed-in user's answers (no-store by noStoreSignedIn before this
//     middleware runs) and the search answers are gzip only, through
//     gzhttp with its random padding (RandomJitter: a content-dependent
//     number of bytes in the gzip header, so a size no longer tells one
//     guess from the next); brotli offers no such padding;
//   - an anonymous answer that becomes no-store only in its handler (the
//     forms that carry a token: sign-in, the offer form) is not
//     compressed at all, since the choice above is made before the
//     handler runs and those pages are few and small;
//   - the cached anonymous pages and static files carry no secret, and
//     get brotli.

// Levels of the answers compressed on the fly, with pooled encoders
// (kept answers use kit.StoredBrotliLevel and kit.StoredGzipLevel, paid
// once). BenchmarkCompression on a 14 KB profile page, encoder reused:
// brotli 4 gives 4.0 KB in 0.25 ms (5: 3.7 KB in 0.30 ms; 3: 4.2 KB in
// 0.16 ms); gzip 5 gives 4.1 KB in 0.055 ms, as 6 does within 1 %.
const (
	dynamicBrotliLevel = 4
	dynamicGzipLevel   = 5
)

// echoesQuery reports whether path's answer repeats the query it was asked.
func echoesQuery(path string) bool { return path == "/search" || path == "/api/v1/search" }

// compressor is the compression of one Server: the wrapper of the
// sensitive answers, and a count of the answers compressed on the fly
// (a page-cache hit must not add to it).
type compressor struct {
	padded func(http.Handler) http.HandlerFunc
	onFly  atomic.Int64
	// Encoders are reused: a new one costs more than compressing a page
	// (BenchmarkCompression's "new" figures).
	brotlis, gzips sync.Pool
}

// encoder is an on-the-fly encoder of enc writing to dst, from the pool.
func (z *compressor) encoder(enc string, dst io.Writer) resetWriter {
	pool, fresh := &z.gzips, func() resetWriter {
		w, _ := gzip.NewWriterLevel(dst, dynamicGzipLevel) // a valid level
		return w
	}
	if enc == kit.EncodingBrotli {
		pool, fresh = &z.brotlis, func() resetWriter { return brotli.NewWriterLevel(dst, dynamicBrotliLevel) }
	}
	if w, ok := pool.Get().(resetWriter); ok {
		w.Reset(dst)
		return w
	}
	return fresh()
}

// release gives a closed encoder back to its pool.
func (z *compressor) release(enc string, w resetWriter) {
	w.Reset(io.Discard)
	if enc == kit.EncodingBrotli {
		z.brotlis.Put(w)
	} else {
		z.gzips.Put(w)
	}
}

// resetWriter is brotli's and gzip's encoder.
type resetWriter interface {
	io.WriteCloser
	Reset(io.Writer)
	Flush() error
}

// newCompressor builds the padded gzip: 1 to 32 bytes of padding chosen
// from a hash of the first 64 KB of the body (the whole of our pages),
// so the same answer always has the same size and a changed guess a
// different padding. gzhttp negotiates gzip itself from Accept-Encoding.
func newCompressor() (*compressor, error) {
	padded, err := gzhttp.NewWrapper(gzhttp.MinSize(kit.MinCompressBytes), gzhttp.CompressionLevel(dynamicGzipLevel),
		gzhttp.EnableZstd(false), gzhttp.ContentTypeFilter(kit.Compressible),
		gzhttp.SuffixETag("-"+kit.EncodingGzip), gzhttp.RandomJitter(32, 0, false))
	if err != nil {
		return nil, fmt.Errorf("web: compression: %w", err)
	}
	return &compressor{padded: padded}, nil
}

// compress is the middleware (see the top of this file).
func (s *Server) compress(c *gin.Context) {
	enc := negotiateEncoding(c.GetHeader("Accept-Encoding"))
	kit.SetEncoding(c, enc)
	if echoesQuery(c.Request.URL.Path) || noStoreSet(c.Writer.Header()) {
		s.compressPadded(c)
		return
	}
	orig := c.Writer
	w := &compressWriter{ResponseWriter: orig, req: c.Request, enc: enc, z: s.compression}
	c.Writer = w
	defer func() {
		c.Writer = orig
		w.finish()
	}()
	c.Next()
}

// compressPadded runs the rest of the request inside gzhttp's padded gzip.
func (s *Server) compressPadded(c *gin.Context) {
	orig := c.Writer
	s.compression.padded(http.HandlerFunc(func(hw http.ResponseWriter, r *http.Request) {
		w := &httpWriter{ResponseWriter: orig, w: hw, req: r}
		c.Writer = w
		defer func() {
			c.Writer = orig
			if w.status != 0 {
				w.WriteHeaderNow() // a status without a body (a 304)
			}
		}()
		c.Next()
	})).ServeHTTP(orig, c.Request)
}

func noStoreSet(h http.Header) bool {
	return strings.Contains(strings.ToLower(h.Get("Cache-Control")), "no-store")
}

// negotiateEncoding picks the coding of the answer from Accept-Encoding
// (RFC 9110, 12.5.3): the highest q of br, gzip and identity, br first on
// a tie, then gzip, identity last; "*" stands for the codings not named;
// a coding with q=0 is refused. With no header, or nothing better than
// identity, the answer is not compressed; when even identity is refused
// ("identity;q=0" and no other coding) it is still sent as it is, which
// RFC 9110 allows rather than a 406.
func negotiateEncoding(header string) string {
	if strings.TrimSpace(header) == "" {
		return ""
	}
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		v := 1.0
		for _, p := range strings.Split(params, ";") {
			k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				v = f
			}
		}
		if name == "*" {
			star = v
			continue
		}
		if name == "x-gzip" {
			name = kit.EncodingGzip
		}
		if old, ok := q[name]; !ok || v > old {
			q[name] = v
		}
	}
	weight := func(name string, dflt float64) float64 {
		if v, ok := q[name]; ok {
			return v
		}
		if star >= 0 {
			return star
		}
		return dflt
	}
	// identity, always acceptable unless refused, is the fallback: it
	// competes only when the client gives it a weight.
	br, gz, id := weight(kit.EncodingBrotli, 0), weight(kit.EncodingGzip, 0), weight("identity", 0)
	switch {
	case br > 0 && br >= gz && br >= id:
		return kit.EncodingBrotli
	case gz > 0 && gz >= id:
		return kit.EncodingGzip
	}
	return ""
}

// compressWriter compresses an answer on the fly in enc when it is
// worth it, deciding at the first byte of the body (its headers are then
// known), and buffering up to kit.MinCompressBytes to learn its size.
type compressWriter struct {
	gin.ResponseWriter
	req *http.Request
	enc string
	z   *compressor

	decided bool
	pass    bool // the body goes through as it is
	buf     []byte
	zw      resetWriter
	wrote   bool
}

// WriteHeader gives a 304 the tag the client holds in the chosen coding.
func (w *compressWriter) WriteHeader(code int) {
	if code == http.StatusNotModified {
		tagNotModified(w.Header(), w.req, w.enc)
	}
	w.ResponseWriter.WriteHeader(code)
}

// tagNotModified gives a 304 the ETag of the representation in enc when
// that is the tag the client sent (a handler compares the tags of every
// coding, kit.ETagMatches, and names its identity tag).
func tagNotModified(h http.Header, req *http.Request, enc string) {
	et := h.Get("ETag")
	if et == "" || enc == "" {
		return
	}
	if tag := kit.EncodedETag(et, enc); strings.Contains(req.Header.Get("If-None-Match"), tag) {
		h.Set("ETag", tag)
		kit.AddVary(h, "Accept-Encoding")
	}
}

func (w *compressWriter) decide() {
	w.decided = true
	w.pass = true
	h := w.Header()
	if !kit.Compressible(h.Get("Content-Type")) {
		return
	}
	kit.AddVary(h, "Accept-Encoding")
	status := w.Status()
	if w.enc == "" || w.req.Method == http.MethodHead || status < 200 || status == http.StatusNoContent ||
		status == http.StatusPartialContent || status == http.StatusNotModified ||
		h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" || noStoreSet(h) {
		return
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < kit.MinCompressBytes {
		return
	}
	w.pass = false
}

func (w *compressWriter) Write(b []byte) (int, error) {
	w.wrote = true
	if !w.decided {
		w.decide()
	}
	switch {
	case w.pass:
		return w.ResponseWriter.Write(b)
	case w.zw != nil:
		return w.zw.Write(b)
	}
	w.buf = append(w.buf, b...)
	if len(w.buf) >= kit.MinCompressBytes {
		if err := w.start(); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (w *compressWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// start begins the compressed body with what was buffered.
func (w *compressWriter) start() error {
	h := w.Header()
	h.Del("Content-Length")
	h.Del("Accept-Ranges")
	h.Set("Content-Encoding", w.enc)
	if et := h.Get("ETag"); et != "" {
		h.Set("ETag", kit.EncodedETag(et, w.enc))
	}
	w.z.onFly.Add(1)
	w.zw = w.z.encoder(w.enc, w.ResponseWriter)
	buf := w.buf
	w.buf = nil
	_, err := w.zw.Write(buf)
	return err
}

// WriteHeaderNow sends the headers of an answer without a body (HEAD):
// its Vary is decided first.
func (w *compressWriter) WriteHeaderNow() {
	if !w.decided {
		w.decide()
	}
	w.ResponseWriter.WriteHeaderNow()
}

// Written counts buffered bytes: a handler that wrote must not write an
// error page after them.
func (w *compressWriter) Written() bool { return w.wrote || w.ResponseWriter.Written() }

// Flush sends what is buffered: the body so far, compressed or not.
func (w *compressWriter) Flush() {
	switch {
	case w.zw != nil:
		_ = w.zw.Flush()
	case len(w.buf) > 0:
		w.pass = true
		_, _ = w.ResponseWriter.Write(w.buf)
		w.buf = nil
	}
	w.ResponseWriter.Flush()
}

// finish ends the body: closes the compressor, or sends a body that
// stayed too small to compress as it is.
func (w *compressWriter) finish() {
	if w.zw != nil {
		_ = w.zw.Close()
		w.z.release(w.enc, w.zw)
		w.zw = nil
		return
	}
	if len(w.buf) > 0 {
		_, _ = w.ResponseWriter.Write(w.buf)
		w.buf = nil
	}
}

// httpWriter is gin's writer over gzhttp's: the body and headers go
// through w, the rest (Size, Pusher, Hijack) to gin's own.
type httpWriter struct {
	gin.ResponseWriter
	w      http.ResponseWriter
	req    *http.Request
	status int
	wrote  bool
}

func (w *httpWriter) Header() http.Header { return w.w.Header() }

func (w *httpWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status = code
	}
	if code == http.StatusNotModified {
		tagNotModified(w.Header(), w.req, kit.EncodingGzip)
	}
}

func (w *httpWriter) WriteHeaderNow() {
	if !w.wrote {
		w.wrote = true
		w.w.WriteHeader(w.Status())
	}
}

func (w *httpWriter) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *httpWriter) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	return w.w.Write(b)
}

func (w *httpWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

func (w *httpWriter) Written() bool { return w.wrote }

func (w *httpWriter) Flush() {
	if f, ok := w.w.(http.Flusher); ok {
		f.Flush()
	}
}
