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
// Memory is bounded: a bucket unused for idle has refilled completely, so
// forgetting it changes nothing; when max keys are held, such buckets are
// dropped and, if none is, the least recently used one.
type clientLimiter struct {
	rate  rate.Limit
	burst int
	idle  time.Duration
	max   int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newClientLimiter(r rate.Limit, burst, max int) *clientLimiter {
	return &clientLimiter{rate: r, burst: burst, max: max, buckets: map[string]*bucket{},
		idle: time.Duration(float64(burst) / float64(r) * float64(time.Second))}
}

// allow takes a token from key's bucket at now; refused, it says how long
// until the next token.
func (l *clientLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	if b.lim.AllowN(now, 1) {
		return true, 0
	}
	missing := 1 - b.lim.TokensAt(now)
	return false, time.Duration(missing / float64(l.rate) * float64(time.Second))
}

// evict drops the buckets idle long enough to be full again, or else the
// least recently used one.
func (l *clientLimiter) evict(now time.Time) {
	var oldest string
	var oldestSeen time.Time
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= l.idle {
			delete(l.buckets, k)
			continue
		}
		if oldest == "" || b.seen.Before(oldestSeen) {
			oldest, oldestSeen = k, b.seen
		}
	}
	if len(l.buckets) >= l.max && oldest != "" {
		delete(l.buckets, oldest)
	}
}

// size is how many buckets are held.
func (l *clientLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
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
