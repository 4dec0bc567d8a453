package web

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/partnerdir/partnerdir/internal/web/kit"
)

// page is a cached page of n body bytes under key, rendered under gen.
func page(key string, n int, gen uint64) *cachedPage {
	return &cachedPage{key: key, gen: gen, at: time.Now(), Answer: kit.Answer{Status: http.StatusOK,
		ContentType: "text/html; charset=utf-8", Header: http.Header{"Link": {"</next>; rel=next"}}, Body: bytes.Repeat([]byte("x"), n)}}
}

func TestPageCacheStaysWithinItsBytesAndDropsTheLeastRecentlyUsed(t *testing.T) {
	gen, live := uint64(1), true
	const budget = 64 << 10
	pc := newPageCache(budget, func() uint64 { return gen }, func() bool { return live })
	one := page("x", 4000, gen)
	one.size = int64(one.Answer.Size()+len(one.key)) + pageOverhead
	if one.Answer.Size() <= 4000 {
		t.Fatalf("Answer.Size() = %d: the headers are not counted", one.Answer.Size())
	}
	for i := range 40 { // 40 pages of ~4 kB: more than 64 KiB
		pc.put(page(fmt.Sprint(i), 4000, gen))
		if pages, held := pc.held(); held > budget {
			t.Fatalf("after %d puts: %d pages hold %d bytes, over the budget of %d", i+1, pages, held, budget)
		}
		if _, ok := pc.get("0"); !ok { // 0 stays among the most recently used
			t.Fatalf("after %d puts: page 0, read after each, was dropped", i+1)
		}
	}
	pages, held := pc.held()
	if want := budget / int(one.size); pages != want {
		t.Errorf("holds %d pages (%d bytes), want %d: the budget should be filled", pages, held, want)
	}
	if _, ok := pc.get("0"); !ok {
		t.Error("page 0, used recently, was dropped")
	}
	if _, ok := pc.get("1"); ok {
		t.Error("page 1, the least recently used, was kept")
	}
	if _, ok := pc.get("39"); !ok {
		t.Error("the newest page was dropped")
	}
	pc.put(page("big", budget/8+1, gen))
	if _, ok := pc.get("big"); ok {
		t.Error("a page over an eighth of the budget was kept")
	}

	gen++
	if _, ok := pc.get("39"); ok {
		t.Error("a page was served after the generation moved")
	}
	pc.put(page("old", 10, gen-1))
	if _, ok := pc.get("old"); ok {
		t.Error("a page rendered under an older generation was kept")
	}

	pc.put(page("fresh", 10, gen))
	live = false
	if _, ok := pc.get("fresh"); ok {
		t.Error("a page was served while the listener was not live")
	}
	if pages, _ := pc.held(); pages != 0 {
		t.Errorf("%d pages kept while the listener was not live", pages)
	}
	pc.put(page("fresh", 10, gen))
	live = true
	if _, ok := pc.get("fresh"); ok {
		t.Error("a page rendered while the listener was not live was kept")
	}
	if newPageCache(0, nil, nil) != nil {
		t.Error("PAGE_CACHE_BYTES=0 must disable the cache")
	}
}
