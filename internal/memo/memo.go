// Package memo keeps values that are costly to compute and cheap to be a
// little late — the totals and facet counts that list pages show, which
// scan a whole table — and serves them while they are fresh enough.
//
// A Cache's rules of freshness: Invalidate (called by the owner's writes)
// makes every value stale for good, and the next read computes it again,
// one computation per key at a time; so does a move of the generation it
// Follows (writes heard of from other processes, internal/invalidate); a
// value older than the TTL is still served while one caller recomputes it
// in the background. So a value is exact after the owner's own writes,
// soon exact after other processes' when it follows their notifications,
// and at most the TTL (plus the time to compute it) behind them when it
// does not.
package memo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// maxKeys bounds how many keys a Cache holds: filters combine into many
// keys, and what no longer serves is dropped when the bound is reached.
const maxKeys = 2000

// Cache holds values of type V by key.
type Cache[V any] struct {
	ttl   time.Duration
	group singleflight.Group
	mu    sync.Mutex
	gen   uint64 // bumped by Invalidate
	// follow is the outside generation values are computed under (Follow;
	// nil: none).
	follow func() uint64
	m      map[string]entry[V]
}

type entry[V any] struct {
	v          V
	gen        uint64
	followed   uint64
	at         time.Time
	refreshing bool
}

// New returns an empty Cache whose values are recomputed once older than
// ttl.
func New[V any](ttl time.Duration) *Cache[V] {
	return &Cache[V]{ttl: ttl, m: map[string]entry[V]{}}
}

// Invalidate makes every value stale for good: the next read of each
// computes it again.
func (c *Cache[V]) Invalidate() {
	c.mu.Lock()
	c.gen++
	c.mu.Unlock()
}

// Follow makes a move of gen invalidate every value as Invalidate does:
// what the wiring calls with the generation of the changes other
// processes make (internal/invalidate.Listener.Generation). Call it
// before the cache is used.
func (c *Cache[V]) Follow(gen func() uint64) {
	c.mu.Lock()
	c.follow = gen
	c.mu.Unlock()
}

// followed is the outside generation now; the caller holds mu.
func (c *Cache[V]) followed() uint64 {
	if c.follow == nil {
		return 0
	}
	return c.follow()
}

// Generation counts the invalidations so far: what is derived from the
// values (a rendered page) can compare it.
func (c *Cache[V]) Generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// Get returns the value under key, computing it when it is missing or
// invalidated (one computation per key at a time, the others waiting for
// it) and refreshing it in the background when it is merely old. An error
// of compute is returned and nothing is kept.
func (c *Cache[V]) Get(ctx context.Context, key string, compute func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	if ok && e.gen == c.gen && e.followed == c.followed() {
		if !e.refreshing && time.Since(e.at) >= c.ttl {
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
	if err != nil {
		var zero V
		return zero, err
	}
	out, ok := v.(V)
	if !ok {
		var zero V
		return zero, fmt.Errorf("memo: %q holds %T", key, v)
	}
	return out, nil
}

func (c *Cache[V]) load(ctx context.Context, key string, compute func(context.Context) (V, error)) (V, error) {
	c.mu.Lock()
	gen, followed := c.gen, c.followed()
	// A caller that missed may reach here just after another computed
	// the value: take that one rather than computing it again.
	if e, ok := c.m[key]; ok && e.gen == gen && e.followed == followed && time.Since(e.at) < c.ttl {
		c.mu.Unlock()
		return e.v, nil
	}
	c.mu.Unlock()
	v, err := compute(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if e, ok := c.m[key]; ok {
			e.refreshing = false
			c.m[key] = e
		}
		return v, err
	}
	if len(c.m) >= maxKeys {
		for k, e := range c.m {
			if e.gen != c.gen || e.followed != followed || time.Since(e.at) >= c.ttl {
				delete(c.m, k)
			}
		}
	}
	// Stored with the generation it started from: if a write invalidated
	// the cache meanwhile, the next read computes it again.
	c.m[key] = entry[V]{v: v, gen: gen, followed: followed, at: time.Now()}
	return v, nil
}
