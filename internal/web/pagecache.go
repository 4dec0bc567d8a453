package web

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/lru"
	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// pageTTL is only a safety net: freshness comes from the generations (see
// pageCache), and a page older than this is rendered again whatever they
// say.
const pageTTL = 5 * time.Minute

// pageOverhead is what an entry costs besides its answer, key and
// language: the entry, its list element and map slot, as Go allocates
// them (a little more than their headers).
const pageOverhead = 256

// pageCache keeps the rendered public pages (home, lists, country pages,
// profiles, articles, the public API's answers) that anonymous visitors
// read. Rendering a list page through html/template costs about a
// millisecond of CPU and its queries as much again; a hit costs a map
// lookup and no query.
//
// A page is served from the cache only while
//   - the change listener is live (internal/invalidate): while it is not,
//     a write elsewhere could go unheard, so nothing is served from the
//     cache or kept in it;
//   - the generation it was rendered under is still current: the sum of
//     the directory's and the news' own (writes through this process, at
//     once) and the listener's (writes through any instance, a command or
//     psql, as soon as PostgreSQL delivers their notification; and every
//     reconnection);
//   - it is younger than pageTTL.
//
// Signed-in visitors never read or fill it: their header differs. The
// cache holds at most max bytes (kit.Answer.Size plus the key and
// pageOverhead per page), dropping the least recently used; a page over
// an eighth of that is not kept.
type pageCache struct {
	gen   func() uint64
	live  func() bool
	pages *lru.Cache[*cachedPage]
}

type cachedPage struct {
	key string
	kit.Answer
	lang string
	gen  uint64
	size int64
	at   time.Time
}

// pendingPage is a miss on its way to the cache: the key and the
// generation seen before the handler read anything.
type pendingPage struct {
	cache *pageCache
	key   string
	gen   uint64
}

// newPageCache returns a cache of max bytes (nil, the cache off, when max
// is 0) whose pages are current while live says so and gen has not moved.
func newPageCache(max int64, gen func() uint64, live func() bool) *pageCache {
	if max <= 0 {
		return nil
	}
	return &pageCache{gen: gen, live: live, pages: lru.New[*cachedPage](max)}
}

// current reports whether the cache may be used now, and the generation
// to compare with.
func (pc *pageCache) current() (uint64, bool) {
	if !pc.live() {
		return 0, false
	}
	return pc.gen(), true
}

// get returns the page under key if it is still current.
func (pc *pageCache) get(key string) (*cachedPage, bool) {
	gen, ok := pc.current()
	if !ok {
		pc.pages.Clear() // what is kept may be stale, and is no use once live again
		return nil, false
	}
	return pc.pages.Get(key, func(p *cachedPage) bool { return p.gen == gen && time.Since(p.at) < pageTTL })
}

// put keeps p, unless it was rendered under another generation than the
// current one or is too big, and drops the least recently used pages
// until the cache is within its bytes.
func (pc *pageCache) put(p *cachedPage) {
	p.size = int64(p.Answer.Size()+len(p.key)+len(p.lang)) + pageOverhead
	if gen, ok := pc.current(); !ok || p.gen != gen {
		return
	}
	pc.pages.Put(p.key, p, p.size)
}

// held reports the pages held and the bytes they count for.
func (pc *pageCache) held() (pages int, bytes int64) {
	if pc == nil {
		return 0, 0
	}
	return pc.pages.Held()
}

// cachePage serves a public page from the cache for anonymous GETs (and
// HEADs), or lets the handler render it and keeps the result
// (kit.OnRender).
func (s *Server) cachePage(c *gin.Context) {
	// HEAD (an API route's) shares GET's answers: same headers, and the
	// body is dropped on the way out.
	head := c.Request.Method == http.MethodHead
	if s.pages == nil || (c.Request.Method != http.MethodGet && !head) || s.CurrentUser(c) != nil {
		return
	}
	lang := kit.Lang(c)
	key := lang + " " + c.Request.URL.RequestURI()
	if p, ok := s.pages.get(key); ok {
		s.meter.PageCacheLookup(true)
		c.Header("Content-Language", p.lang)
		c.Header("X-Page-Cache", "hit")
		kit.Replay(c, p.Answer)
		c.Abort()
		return
	}
	s.meter.PageCacheLookup(false)
	c.Header("X-Page-Cache", "miss")
	gen, ok := s.pages.current()
	if !ok {
		return // not live: rendered, never kept
	}
	p := &pendingPage{cache: s.pages, key: key, gen: gen}
	kit.OnRender(c, func(a kit.Answer) { p.keep(c, a) })
}

// keep stores a page rendered for a cacheable request, with its brotli
// and gzip variants computed now, once, so a hit costs no compression.
func (p *pendingPage) keep(c *gin.Context, a kit.Answer) {
	if a.Status != http.StatusOK {
		return
	}
	a.Variants = kit.Precompress(a.ContentType, a.Body)
	p.cache.put(&cachedPage{key: p.key, Answer: a, lang: kit.Lang(c), gen: p.gen, at: time.Now()})
}
