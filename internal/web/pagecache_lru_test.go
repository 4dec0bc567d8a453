package web

import (
	"fmt"
	"testing"
	"time"
)

func TestPageCacheKeepsTheMostRecentlyUsedPages(t *testing.T) {
	gen := uint64(1)
	pc := newPageCache(2, func() uint64 { return gen })
	for i := range 3 {
		pc.put(&cachedPage{key: fmt.Sprint(i), gen: gen, at: time.Now()})
		if i == 1 {
			if _, ok := pc.get("0", ""); !ok { // 0 becomes the most recent
				t.Fatal("page 0 missing")
			}
		}
	}
	if pc.len() != 2 {
		t.Fatalf("holds %d pages, want 2", pc.len())
	}
	if _, ok := pc.get("1", ""); ok {
		t.Error("page 1, the least recently used, was kept")
	}
	if _, ok := pc.get("0", ""); !ok {
		t.Error("page 0 was dropped")
	}
	if _, ok := pc.get("2", "stamp"); ok {
		t.Error("a page was served for another stamp")
	}
	gen++
	if _, ok := pc.get("0", ""); ok {
		t.Error("a page was served after the directory changed")
	}
	if newPageCache(0, nil) != nil {
		t.Error("size 0 must disable the cache")
	}
}
