package web_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// searchFrom requests target as the client at addr (the TCP peer; no proxy
// is trusted in tests).
func (s *searchServer) searchFrom(addr, target string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	req.RemoteAddr = addr + ":40000"
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// A burst from one client address on /search and its live requests is cut
// to the token bucket (20 at once, 5 a second after) with 429 and
// Retry-After, while another address is still served.
func TestSearchRateLimitPerClient(t *testing.T) {
	t.Parallel()
	s := newSearchServer(t, false, nil)
	const n, burst, perSecond = 60, 20, 5
	codes := make([]int, n)
	retry := make([]string, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			var header []string
			if i%2 == 1 {
				header = []string{"X-Partial", "results"} // live search
			}
			rec := s.searchFrom("127.0.0.5", "/search?q=bamako", header...)
			codes[i], retry[i] = rec.Code, rec.Header().Get("Retry-After")
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	ok, limited := 0, 0
	for i, code := range codes {
		switch code {
		case http.StatusOK:
			ok++
		case http.StatusTooManyRequests:
			limited++
			if secs, err := strconv.Atoi(retry[i]); err != nil || secs < 1 {
				t.Errorf("429 with Retry-After %q, want whole seconds ≥ 1", retry[i])
			}
		default:
			t.Errorf("request %d: status %d", i, code)
		}
	}
	// The bucket refills during the burst: at most burst plus what
	// came back meanwhile (+1 for rounding).
	if most := burst + int(elapsed.Seconds()*perSecond) + 1; ok > most || limited == 0 {
		t.Errorf("%d parallel searches in %v from one address: %d answered, %d refused; want at most %d answered and some 429",
			n, elapsed, ok, limited, most)
	}
	t.Logf("%d parallel searches in %v: %d answered, %d refused", n, elapsed, ok, limited)
	if rec := s.searchFrom("127.0.0.6", "/search?q=bamako"); rec.Code != http.StatusOK {
		t.Errorf("another address during the burst: %d, want 200", rec.Code)
	}
	if rec := s.searchFrom("127.0.0.6", "/search?q=bamako", "X-Partial", "results"); rec.Code != http.StatusOK {
		t.Errorf("another address's live search: %d, want 200", rec.Code)
	}
}

// stallingDB accepts connections and never answers: a fallback search on
// it holds its slot until its deadline or until the test ends. accepted
// receives one value per connection; unstall closes them all (the stuck
// searches then fail).
func stallingDB(t *testing.T) (pool *pgxpool.Pool, accepted <-chan struct{}, unstall func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- struct{}{}
		}
	}()
	pool, err = pgxpool.New(context.Background(), "postgres://postgres@"+l.Addr().String()+"/none?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unstall = func() {
		once.Do(func() {
			_ = l.Close()
			<-done
			mu.Lock()
			for _, c := range conns {
				_ = c.Close()
			}
			mu.Unlock()
		})
	}
	t.Cleanup(func() { unstall(); pool.Close() })
	return pool, ch, unstall
}

// With Meilisearch down and both fallback slots held by searches stuck on
// the database, another search waits at most fallbackSlotWait (500 ms),
// then answers 503 with Retry-After, long before its deadline.
func TestSearchFallbackBusyIs503Quickly(t *testing.T) {
	t.Parallel()
	db, accepted, unstall := stallingDB(t)
	s := newSearchServer(t, true, db)

	var wg sync.WaitGroup
	defer func() { unstall(); wg.Wait() }()
	for i := range 2 {
		wg.Go(func() { s.searchFrom("127.0.0."+strconv.Itoa(20+i), "/search?q=Bamako") })
	}
	for range 2 { // each holds a slot while it connects
		select {
		case <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatal("the fallback searches never reached the database")
		}
	}

	start := time.Now()
	rec := s.searchFrom("127.0.0.30", "/search?q=Bamako", "X-Partial", "results")
	took := time.Since(start)
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("both slots held: %d, want 503", rec.Code)
	}
	if secs, err := strconv.Atoi(rec.Header().Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("503 with Retry-After %q, want whole seconds ≥ 1", rec.Header().Get("Retry-After"))
	}
	if took < 400*time.Millisecond || took > 2*time.Second {
		t.Errorf("both slots held: answered after %v, want about 500 ms (the slot wait), not the request's deadline", took)
	}
}
