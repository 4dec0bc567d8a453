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

// A client over its rate stays refused while other addresses come, as
// long as it is among the recently seen ones: the generations forget the
// least recently seen buckets, not the one a client is using.
func TestClientLimiterRemembersARecentClientUnderNewAddresses(t *testing.T) {
	l := newClientLimiter(5, 20, 100)
	now := time.Unix(1_700_000_000, 0)
	for range 21 {
		l.allow("busy", now)
	}
	for i := range 1000 {
		at := now.Add(time.Duration(i) * time.Millisecond)
		l.allow(strconv.Itoa(i), at)
		if i%40 == 0 { // the busy client keeps asking
			if ok, _ := l.allow("busy", at); ok && i < 100 {
				t.Fatalf("after %d new addresses the busy client got a fresh bucket", i+1)
			}
		}
		if n := l.size(); n > 100 {
			t.Fatalf("%d buckets held after %d addresses, want at most 100", n, i+1)
		}
	}
}

// BenchmarkClientLimiter: a request of a known client against one from a
// new address each time, with the limiter full (a flood of addresses).
func BenchmarkClientLimiter(b *testing.B) {
	now := time.Unix(1_700_000_000, 0)
	b.Run("known", func(b *testing.B) {
		l := newClientLimiter(1e9, 1e9, searchClients)
		for i := 0; b.Loop(); i++ {
			l.allow("client", now)
		}
	})
	b.Run("new-address", func(b *testing.B) {
		l := newClientLimiter(1e9, 1e9, searchClients)
		for i := range searchClients {
			l.allow(strconv.Itoa(-i), now)
		}
		for i := 0; b.Loop(); i++ {
			l.allow(strconv.Itoa(i), now)
		}
	})
}
