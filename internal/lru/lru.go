// Package lru keeps values by key within a budget of bytes, dropping the
// least recently used: the rendered pages of the page cache and the
// search engine's answers. Each owner says how many bytes a value counts
// for and when a kept value is no longer current (its generation moved,
// it is too old); the cache only keeps the budget.
package lru

import (
	"container/list"
	"sync"
)

// Cache holds values of type V by key, at most max bytes of them. A value
// over an eighth of max is not kept, so one value cannot empty the cache.
// The zero Cache is not usable; a nil *Cache keeps nothing.
type Cache[V any] struct {
	max int64

	mu    sync.Mutex
	bytes int64
	m     map[string]*list.Element
	order *list.List // front: most recently used *entry[V]
}

type entry[V any] struct {
	key  string
	v    V
	size int64
}

// New returns an empty Cache of max bytes, or nil (a cache that keeps
// nothing) when max is 0 or less.
func New[V any](max int64) *Cache[V] {
	if max <= 0 {
		return nil
	}
	return &Cache[V]{max: max, m: map[string]*list.Element{}, order: list.New()}
}

// Get returns the value under key when current says it still is (current
// runs under the cache's lock: keep it short); a value that is not is
// dropped.
func (c *Cache[V]) Get(key string, current func(V) bool) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[V])
	if !current(e.v) {
		c.remove(el)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.v, true
}

// Put keeps v under key, counting size bytes, in place of what key held,
// and drops the least recently used values until the cache is within its
// bytes. A value too big for the cache only drops what key held.
func (c *Cache[V]) Put(key string, v V, size int64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[key]; ok {
		c.remove(el)
	}
	if size > c.max/8 {
		return
	}
	c.m[key] = c.order.PushFront(&entry[V]{key: key, v: v, size: size})
	c.bytes += size
	for c.bytes > c.max {
		c.remove(c.order.Back())
	}
}

func (c *Cache[V]) remove(el *list.Element) {
	e := c.order.Remove(el).(*entry[V])
	delete(c.m, e.key)
	c.bytes -= e.size
}

// Clear drops every value.
func (c *Cache[V]) Clear() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.order.Len() == 0 {
		return
	}
	c.m = map[string]*list.Element{}
	c.order.Init()
	c.bytes = 0
}

// Held reports how many values are kept and the bytes they count for.
func (c *Cache[V]) Held() (values int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len(), c.bytes
}
