package lru_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/partnerdir/partnerdir/internal/lru"
)

func always(int) bool { return true }

// TestCacheStaysWithinItsBytesAndDropsTheLeastRecentlyUsed: whatever is
// put, the bytes held never pass the budget; a value read recently
// outlives older ones; a value too big is not kept; a value no longer
// current is dropped when read.
func TestCacheStaysWithinItsBytesAndDropsTheLeastRecentlyUsed(t *testing.T) {
	c := lru.New[int](1000)
	for i := range 10 {
		c.Put(fmt.Sprint(i), i, 100)
	}
	if n, b := c.Held(); n != 10 || b != 1000 {
		t.Fatalf("held %d values, %d bytes; want 10 and 1000", n, b)
	}
	if _, ok := c.Get("0", always); !ok { // 0 becomes the most recently used
		t.Fatal("0 not kept")
	}
	c.Put("new", 10, 100) // drops 1, the least recently used
	if _, ok := c.Get("1", always); ok {
		t.Error("the least recently used value is still held")
	}
	if _, ok := c.Get("0", always); !ok {
		t.Error("a value read recently was dropped")
	}
	c.Put("big", 0, 126) // over an eighth of 1000
	if _, ok := c.Get("big", always); ok {
		t.Error("a value over an eighth of the budget was kept")
	}
	c.Put("0", 100, 50) // replaces: counted once
	if n, b := c.Held(); n != 10 || b != 950 {
		t.Errorf("after a replacement: %d values, %d bytes; want 10 and 950", n, b)
	}
	if _, ok := c.Get("0", func(v int) bool { return v != 100 }); ok {
		t.Error("a value its owner calls stale was served")
	}
	if _, ok := c.Get("0", always); ok {
		t.Error("a stale value was kept after being found stale")
	}
	c.Clear()
	if n, b := c.Held(); n != 0 || b != 0 {
		t.Errorf("after Clear: %d values, %d bytes", n, b)
	}
}

// TestCacheUnderConcurrentUse: many writers and readers at once keep the
// budget (run with -race).
func TestCacheUnderConcurrentUse(t *testing.T) {
	c := lru.New[string](10_000)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 500 {
				k := fmt.Sprint(w, "/", i%50)
				c.Put(k, k, int64(10+i%300))
				c.Get(k, func(v string) bool { return v == k })
				if i%97 == 0 {
					c.Clear()
				}
			}
		})
	}
	wg.Wait()
	if _, b := c.Held(); b > 10_000 {
		t.Errorf("%d bytes held, budget 10,000", b)
	}
}

// TestNilCacheKeepsNothing: a cache of no bytes is nil and keeps nothing.
func TestNilCacheKeepsNothing(t *testing.T) {
	c := lru.New[int](0)
	if c != nil {
		t.Fatal("a cache of 0 bytes is not nil")
	}
	c.Put("a", 1, 1)
	if _, ok := c.Get("a", always); ok {
		t.Error("a nil cache kept a value")
	}
	c.Clear()
	if n, b := c.Held(); n != 0 || b != 0 {
		t.Errorf("held %d, %d", n, b)
	}
}
