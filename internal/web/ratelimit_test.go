package web

import (
	"strconv"
	"testing"
	"time"
)

// The limiter's memory is bounded: however many addresses come, it holds
// at most max buckets; a full bucket is forgotten without loss, and a
// client's refusal says when its next token comes.
func TestClientLimiterBounded(t *testing.T) {
	l := newClientLimiter(5, 20, 100)
	now := time.Unix(1_700_000_000, 0)
	for i := range 20 {
		if ok, _ := l.allow("a", now); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.allow("a", now)
	if ok || wait <= 0 || wait > 200*time.Millisecond {
		t.Errorf("21st request: allowed %v, wait %v; want refused, next token within 200 ms", ok, wait)
	}
	for i := range 1000 {
		l.allow(strconv.Itoa(i), now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := l.size(); n > 100 {
		t.Errorf("%d buckets held, want at most 100", n)
	}
	// 4 s idle (burst / rate) refills a bucket: evicting it gives nothing.
	later := now.Add(time.Hour)
	l.allow("fresh", later)
	if n := l.size(); n != 1 {
		t.Errorf("after an hour, %d buckets held, want only the new one", n)
	}
	if ok, _ := l.allow("a", later); !ok {
		t.Error("a refilled client refused")
	}
}
