package directory

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// countTTL is how long a directory-wide count is served before it is
// recomputed in the background.
const countTTL = 30 * time.Second

// countCache keeps the counts every list page shows — the total of the
// filtered list and the facet counts — which scan every published
// organisation: about a second for the country facets of 100,000
// organisations, where the page itself needs a millisecond.
//
// Writes through this Store (its change hook and bulk loads) invalidate
// every count at once; a count older than countTTL is served while one
// caller recomputes it. So a count is exact after this process's own
// writes, and at most countTTL (plus the time to compute it) behind writes
// made by other processes. The cards of a page are never cached.
type countCache struct {
	group singleflight.Group
	mu    sync.Mutex
	gen   uint64 // bumped by invalidate
	m     map[string]countEntry
}

type countEntry struct {
	v          any
	gen        uint64
	at         time.Time
	refreshing bool
}

func newCountCache() *countCache { return &countCache{m: map[string]countEntry{}} }

// invalidate makes every cached count stale for good: the next read
// recomputes it.
func (c *countCache) invalidate() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// get returns the count under key, computing it when it is missing or
// invalidated (one computation per key at a time) and refreshing it in the
// background when it is merely old.
func (c *countCache) get(ctx context.Context, key string, compute func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && e.gen == c.gen {
		if !e.refreshing && time.Since(e.at) >= countTTL {
			e.refreshing = true
			c.m[key] = e
			go func() {
				bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				_, _ = c.load(bg, key, compute) // on error the old value stays and the next read retries
			}()
		}
		c.mu.Unlock()
		return e.v, nil
	}
	c.mu.Unlock()
	v, err, _ := c.group.Do(key, func() (any, error) { return c.load(ctx, key, compute) })
	return v, err
}

func (c *countCache) load(ctx context.Context, key string, compute func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	gen := c.gen
	c.mu.Unlock()
	v, err := compute(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if e, ok := c.m[key]; ok {
			e.refreshing = false
			c.m[key] = e
		}
		return nil, err
	}
	// Filters combine into many keys: drop what no longer serves.
	if len(c.m) >= 2000 {
		for k, e := range c.m {
			if e.gen != c.gen || time.Since(e.at) >= countTTL {
				delete(c.m, k)
			}
		}
	}
	// Stored with the generation it started from: if a write invalidated
	// the cache meanwhile, the next read computes it again.
	c.m[key] = countEntry{v: v, gen: gen, at: time.Now()}
	return v, nil
}

// generation counts the invalidations so far.
func (c *countCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}
