package search

import (
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/partnerdir/partnerdir/internal/lru"
)

// answerCache keeps Meilisearch's answers to anonymous searches for a
// short while, so a query many visitors type costs Meilisearch once.
//
// Its rules of freshness:
//   - the key holds the generation of every index the answer read (the
//     searched one and the one counted for the other tab: Meili.Generation),
//     read before Meilisearch is asked: a change to an index, a rebuild's
//     swap or new settings make every answer that read it unreachable —
//     at once when this process applied the change, within
//     generationCheck when another did;
//   - Invalidate drops every answer (the wiring may call it on any signal);
//   - an answer older than ttl is not served, whatever happened.
//
// Only Meilisearch's answers are kept: the fallback's are less precise, and
// once Meilisearch is back visitors should get its answers at once.
// The cache holds at most max bytes (the estimated size of the answers and
// their keys), dropping the least recently used; an answer over an eighth
// of that is not kept. Results in it are shared: nobody may change them.
type answerCache struct {
	ttl     time.Duration
	gen     atomic.Uint64 // bumped by invalidate
	answers *lru.Cache[*cachedAnswer]
}

type cachedAnswer struct {
	res *Result
	gen uint64
	at  time.Time
}

func newAnswerCache(max int64, ttl time.Duration) *answerCache {
	if max <= 0 {
		return nil
	}
	return &answerCache{ttl: ttl, answers: lru.New[*cachedAnswer](max)}
}

// get returns the answer kept under key if it is still current.
func (c *answerCache) get(key string) (*Result, bool) {
	gen := c.gen.Load()
	a, ok := c.answers.Get(key, func(a *cachedAnswer) bool { return a.gen == gen && time.Since(a.at) < c.ttl })
	if !ok {
		return nil, false
	}
	return a.res, true
}

// generation is the cache's own generation: an answer computed while it
// changes is not kept.
func (c *answerCache) generation() uint64 { return c.gen.Load() }

// put keeps res under key, unless the cache was invalidated since gen was
// read (an answer put while invalidate runs carries the old generation,
// and get never serves it) or res is too big, and drops the least
// recently used answers until the cache is within its bytes.
func (c *answerCache) put(key string, gen uint64, res *Result) {
	if gen != c.gen.Load() {
		return
	}
	c.answers.Put(key, &cachedAnswer{res: res, gen: gen, at: time.Now()}, entrySize(key, res))
}

// invalidate drops every answer.
func (c *answerCache) invalidate() {
	c.gen.Add(1)
	c.answers.Clear()
}

// held reports the answers kept and their bytes.
func (c *answerCache) held() (answers int, bytes int64) { return c.answers.Held() }

// entrySize is the bytes an entry holding res under key counts for.
func entrySize(key string, res *Result) int64 {
	return int64(len(key)) + res.size() + int64(unsafe.Sizeof(cachedAnswer{})) + entryOverhead
}

// entryOverhead is what a map entry, a list element and the cache's entry
// cost besides the answer: a little more than their headers, as Go
// allocates them.
const entryOverhead = 128

// size estimates the bytes r holds: its strings and slices with their
// headers, its maps' entries. It errs on the high side; it bounds memory,
// it is not a measure.
func (r *Result) size() int64 {
	const (
		str   = int64(unsafe.Sizeof(""))
		seg   = int64(unsafe.Sizeof(Segment{}))
		slice = int64(unsafe.Sizeof([]string(nil)))
		entry = 48 // a map entry's key header, value, hash and slack
	)
	segs := func(ss []Segment) int64 {
		n := slice
		for _, s := range ss {
			n += seg + int64(len(s.Text))
		}
		return n
	}
	strs := func(ss []string) int64 {
		n := slice
		for _, s := range ss {
			n += str + int64(len(s))
		}
		return n
	}
	n := int64(unsafe.Sizeof(*r)) + int64(len(r.Type))
	for _, h := range r.Hits {
		n += int64(unsafe.Sizeof(h)) + int64(len(h.Slug)+len(h.Name)+len(h.Acronym)+len(h.Kind)+len(h.Mission.FR)+len(h.Mission.EN)) +
			strs(h.Themes) + strs(h.Countries) + strs(h.Cities) + segs(h.NameHL) + segs(h.MissionFRHL) + segs(h.MissionENHL)
	}
	for _, a := range r.Articles {
		n += int64(unsafe.Sizeof(a)) + int64(len(a.Slug)+len(a.OrganisationSlug)+len(a.OrganisationName)) +
			segs(a.TitleFR) + segs(a.TitleEN) + segs(a.LeadFR) + segs(a.LeadEN)
	}
	for k, vs := range r.Facets {
		n += entry + int64(len(k))
		for v := range vs {
			n += entry + int64(len(v))
		}
	}
	for k := range r.Counts {
		n += entry + int64(len(k))
	}
	return n
}

// cacheKey is the key of q's answer when the indexes it reads are at the
// generations gens: every value that changes the answer, the folded text
// last (the only free text, so the key reads one way only). The visitor's
// language is not one: an answer holds both languages' texts and the page
// picks, so a French and an English visitor share it.
func (q Query) cacheKey(gens ...string) string {
	var b strings.Builder
	for _, v := range gens {
		b.WriteString(v)
		b.WriteByte(0)
	}
	verified := ""
	if !q.VerifiedAfter.IsZero() {
		verified = strconv.FormatInt(q.VerifiedAfter.Unix(), 10)
	}
	for _, v := range []string{q.Type, strconv.FormatBool(q.Highlight), q.Country, q.Theme, q.Support, q.Kind, q.Office, verified, q.Sort,
		strconv.Itoa(q.Page), strconv.Itoa(q.PerPage)} {
		b.WriteString(v)
		b.WriteByte(0)
	}
	b.WriteString(q.folded())
	return b.String()
}
