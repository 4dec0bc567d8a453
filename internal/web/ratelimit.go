package web

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/partnerdir/partnerdir/internal/fault"
)

// The search rate per client address: searchBurst requests at once, then
// searchRate a second (live search sends one request per pause in typing).
const (
	searchRate  rate.Limit = 5
	searchBurst            = 20
	// searchClients bounds how many client addresses are remembered.
	searchClients = 10_000
)

// errSearchLimited is the answer to a client over its search rate.
var errSearchLimited = fault.New(fault.RateLimited, "search.limited")

// clientLimiter is a token bucket per key (the client address), in memory.
// It protects one instance only: behind several instances each keeps its
// own buckets, so a client gets the rate once per instance.
//
// Memory is bounded, and so is the work per request, however many
// addresses come: the buckets live in two generations, the current one
// and the one before. A request finds its bucket in either (moving it to
// the current one) or starts a full one. The current generation becomes
// the old one, and the old one is forgotten, when it holds max/2 buckets
// or is idle old: a bucket unused for idle has refilled completely, so
// forgetting it changes nothing. Under a flood of new addresses the
// buckets of the least recently seen half are forgotten at once, in O(1),
// where a scan for the least recently used one cost every request of the
// flood a walk over all max buckets.
type clientLimiter struct {
	rate  rate.Limit
	burst int
	idle  time.Duration
	max   int

	mu        sync.Mutex
	cur, old  map[string]*bucket
	rotatedAt time.Time // when cur began
}

type bucket struct {
	lim *rate.Limiter
}

func newClientLimiter(r rate.Limit, burst, max int) *clientLimiter {
	return &clientLimiter{rate: r, burst: burst, max: max, cur: map[string]*bucket{}, old: map[string]*bucket{},
		idle: time.Duration(float64(burst) / float64(r) * float64(time.Second))}
}

// allow takes a token from key's bucket at now; refused, it says how long
// until the next token.
func (l *clientLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.age(now)
	b := l.cur[key]
	if b == nil {
		if b = l.old[key]; b != nil {
			delete(l.old, key)
		} else {
			b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		}
		if len(l.cur) >= max(1, l.max/2) {
			l.rotate(now)
		}
		l.cur[key] = b
	}
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.lim.TokensAt(now)
	return false, time.Duration(missing / float64(l.rate) * float64(time.Second))
}

// age forgets the generations whose buckets have all refilled: the old
// one once the current one is idle old (its buckets were last used before
// the current one began), both after twice that.
func (l *clientLimiter) age(now time.Time) {
	switch since := now.Sub(l.rotatedAt); {
	case since >= 2*l.idle:
		clear(l.old)
		clear(l.cur)
		l.rotatedAt = now
	case since >= l.idle:
		l.rotate(now)
	}
}

// rotate makes the current generation the old one, forgetting the old.
func (l *clientLimiter) rotate(now time.Time) {
	l.old, l.cur = l.cur, l.old
	clear(l.cur)
	l.rotatedAt = now
}

// size is how many buckets are held.
func (l *clientLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.cur) + len(l.old)
}

// limitSearch is the per-client token bucket of /search (the page and its
// live-search requests alike): over it, 429 with Retry-After in whole
// seconds, before any search work.
func (s *Server) limitSearch(c *gin.Context) {
	s.limitWith(c, s.searchLimit, errSearchLimited, s.Fail)
}

// limitWith takes a token from the client's bucket in l and goes on, or
// answers errLimited through fail (a page or a problem document) with
// Retry-After in whole seconds — when the next token comes — before any
// work.
func (s *Server) limitWith(c *gin.Context, l *clientLimiter, errLimited error, fail func(*gin.Context, error)) {
	ok, wait := l.allow(c.ClientIP(), time.Now())
	if ok {
		c.Next()
		return
	}
	c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	fail(c, errLimited)
	c.Abort()
}

// RateLimit is a per-client token bucket: Burst requests at once, then
// Rate a second.
type RateLimit struct {
	Rate  rate.Limit
	Burst int
}

// The JSON API's rate per client address: a script paging through the
// directory at 100 organisations a page reads it all in a few minutes;
// a burst of 60 lets a client fetch a list and its profiles at once.
var defaultAPILimit = RateLimit{Rate: 10, Burst: 60}

// errAPILimited is the answer to a client over its API rate.
var errAPILimited = fault.New(fault.RateLimited, "api.limited")

// limitAPI is the per-client token bucket of every /api/v1 route.
func (s *Server) limitAPI(c *gin.Context) {
	s.limitWith(c, s.apiLimit, errAPILimited, s.FailJSON)
}

// limitAPISearch is /api/v1/search's second bucket: the same one as
// /search's, so a client cannot double its searches by using both.
func (s *Server) limitAPISearch(c *gin.Context) {
	s.limitWith(c, s.searchLimit, errSearchLimited, s.FailJSON)
}
