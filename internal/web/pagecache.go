package web

import (
	"container/list"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// pageTTL bounds how long a cached page is served without re-rendering: it
// is how far behind writes made by another process a list page can be (this
// process's own writes take effect at once; profiles are also checked
// against their organisation's current version on every hit).
const pageTTL = 10 * time.Second

// pageCache keeps the rendered public pages (home, lists, country pages,
// profiles) that anonymous visitors read. Rendering a list page through
// html/template costs about a millisecond of CPU and its queries as much
// again; a hit costs a map lookup (and, for a profile, one indexed query).
//
// A page is served from the cache only while
//   - the directory has not changed through this process since it was
//     rendered (the Store's generation),
//   - it is younger than pageTTL, and
//   - for a profile, its stamp (status, version, last change of the
//     organisation and its children) is still the database's.
//
// Signed-in visitors never read or fill it: their header differs. The
// cache holds at most max pages, dropping the least recently used.
type pageCache struct {
	max int
	gen func() uint64

	mu    sync.Mutex
	pages map[string]*list.Element
	lru   *list.List // front: most recently used *cachedPage
}

type cachedPage struct {
	key string
	kit.Answer
	lang  string
	gen   uint64
	stamp string
	at    time.Time
}

// pendingPage is a miss on its way to the cache: the key and the
// generation seen before the handler read anything.
type pendingPage struct {
	cache *pageCache
	key   string
	gen   uint64
	stamp string
}

func newPageCache(max int, gen func() uint64) *pageCache {
	if max <= 0 {
		return nil
	}
	return &pageCache{max: max, gen: gen, pages: map[string]*list.Element{}, lru: list.New()}
}

// get returns the page under key if it is still current.
func (pc *pageCache) get(key string, stamp string) (*cachedPage, bool) {
	gen := pc.gen()
	pc.mu.Lock()
	defer pc.mu.Unlock()
	el, ok := pc.pages[key]
	if !ok {
		return nil, false
	}
	p := el.Value.(*cachedPage)
	if p.gen != gen || time.Since(p.at) >= pageTTL || p.stamp != stamp {
		pc.lru.Remove(el)
		delete(pc.pages, key)
		return nil, false
	}
	pc.lru.MoveToFront(el)
	return p, true
}

func (pc *pageCache) put(p *cachedPage) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if el, ok := pc.pages[p.key]; ok {
		el.Value = p
		pc.lru.MoveToFront(el)
		return
	}
	pc.pages[p.key] = pc.lru.PushFront(p)
	for pc.lru.Len() > pc.max {
		old := pc.lru.Back()
		pc.lru.Remove(old)
		delete(pc.pages, old.Value.(*cachedPage).key)
	}
}

// len is the number of pages held.
func (pc *pageCache) len() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.lru.Len()
}

// held reports the pages held and the bytes of their bodies, summed now
// (at most max pages: a scrape's worth of work, not a request's).
func (pc *pageCache) held() (pages int, bytes int64) {
	if pc == nil {
		return 0, 0
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	for el := pc.lru.Front(); el != nil; el = el.Next() {
		p := el.Value.(*cachedPage)
		bytes += int64(len(p.Body) + p.Variants.Bytes())
	}
	return pc.lru.Len(), bytes
}

// cachePage serves a public page from the cache for anonymous GETs (and
// HEADs), or
// lets the handler render it and keeps the result (kit.OnRender). stamp, when
// not nil, names the current state of what the page shows; an error from
// it skips the cache (the handler then reports the problem).
func (s *Server) cachePage(stamp func(c *gin.Context) (string, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		// HEAD (an API route's) shares GET's answers: same headers, and
		// the body is dropped on the way out.
		head := c.Request.Method == http.MethodHead
		if s.pages == nil || (c.Request.Method != http.MethodGet && !head) || s.CurrentUser(c) != nil {
			return
		}
		var st string
		if stamp != nil {
			var err error
			if st, err = stamp(c); err != nil {
				return
			}
		}
		lang := kit.Lang(c)
		key := lang + " " + c.Request.URL.RequestURI()
		if p, ok := s.pages.get(key, st); ok {
			s.meter.PageCacheLookup(true)
			c.Header("Content-Language", p.lang)
			c.Header("X-Page-Cache", "hit")
			kit.Replay(c, p.Answer)
			c.Abort()
			return
		}
		s.meter.PageCacheLookup(false)
		c.Header("X-Page-Cache", "miss")
		p := &pendingPage{cache: s.pages, key: key, gen: s.pages.gen(), stamp: st}
		kit.OnRender(c, func(a kit.Answer) { p.keep(c, a) })
	}
}

// keep stores a page rendered for a cacheable request, with its brotli
// and gzip variants computed now, once, so a hit costs no compression.
func (p *pendingPage) keep(c *gin.Context, a kit.Answer) {
	if a.Status != http.StatusOK {
		return
	}
	a.Variants = kit.Precompress(a.ContentType, a.Body)
	p.cache.put(&cachedPage{key: p.key, Answer: a, lang: kit.Lang(c), gen: p.gen, stamp: p.stamp, at: time.Now()})
}
